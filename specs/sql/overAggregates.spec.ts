import { expect } from 'chai';
import fc from 'fast-check';
import { CollectSink, StreamEnvironment } from '../../src';
import { SqlAggregateFunction, SqlDeadLetter, TableEnvironment } from '../../src/sql';
import { Event, outOfOrderStreams, watermarksAtArrival } from '../support/windowReference';
import { sqlRefusal as refusal } from '../support/sqlRefusal';

interface Row {
  id: number;
  k: string;
  v: number;
  t: number;
}

const asRows = (events: readonly Event[]): Row[] => events.map((e) => ({ id: e.id, k: e.key, v: ((e.id * 7) % 11) - 3, t: e.t }));

/** A product of the values, without retract: an OVER aggregation aggregates each bounded frame anew. */
class Product extends SqlAggregateFunction<number, number> {
  override readonly resultType = 'BIGINT' as const;
  override createAccumulator(): number {
    return 1;
  }
  override accumulate(acc: number, value: number): number {
    return acc * (value === 0 ? 1 : Math.sign(value) * 2);
  }
  override getValue(acc: number): number {
    return acc;
  }
}

/** A sum with retract: it is retracted as rows leave a bounded frame. */
class RetractingSum extends SqlAggregateFunction<number, number> {
  override readonly resultType = 'BIGINT' as const;
  override createAccumulator(): number {
    return 0;
  }
  override accumulate(acc: number, value: number): number {
    return acc + value;
  }
  override retract(acc: number, value: number): number {
    return acc - value;
  }
  override getValue(acc: number): number {
    return acc;
  }
}

type Frame = { unit: 'ROWS'; n: number | undefined } | { unit: 'RANGE'; ms: number | undefined };

const frameSql = (f: Frame) =>
  f.unit === 'ROWS'
    ? `ROWS BETWEEN ${f.n === undefined ? 'UNBOUNDED' : f.n} PRECEDING AND CURRENT ROW`
    : `RANGE BETWEEN ${f.ms === undefined ? 'UNBOUNDED' : `INTERVAL '${f.ms}' MILLISECOND`} PRECEDING AND CURRENT ROW`;

const querySql = (f: Frame) => `SELECT id, k, v, t,
    COUNT(*) OVER w AS n, SUM(v) OVER w AS s, MIN(v) OVER w AS lo, MAX(v) OVER w AS hi, AVG(v) OVER w AS a,
    PRODUCT(v) OVER w AS p, RSUM(v) OVER w AS rs
  FROM events WINDOW w AS (PARTITION BY k ORDER BY t ${frameSql(f)})`;

/**
 * The reference, computed directly: a row at or behind the watermark it meets is late; the
 * others, per key in event-time order (ties in arrival order), each with the aggregates over
 * its frame (RANGE takes every row of the same time, ROWS the rows before it in that order).
 */
function reference(rows: readonly Row[], f: Frame, batchSize: number, bound: number) {
  const arrival = watermarksAtArrival(rows.map((r) => ({ id: r.id, key: r.k, t: r.t })), batchSize, bound);
  const late = rows.filter((r, i) => !(r.t > arrival[i])).map((r) => r.id);
  const accepted = rows.filter((r, i) => r.t > arrival[i]);
  const out = new Map<string, object[]>();
  for (const k of new Set(accepted.map((r) => r.k))) {
    const ordered = accepted.filter((r) => r.k === k).sort((a, b) => a.t - b.t || a.id - b.id);
    out.set(
      k,
      ordered.map((r, i) => {
        const frame =
          f.unit === 'ROWS'
            ? ordered.slice(f.n === undefined ? 0 : Math.max(0, i - f.n), i + 1)
            : ordered.filter((x) => x.t <= r.t && (f.ms === undefined || x.t >= r.t - f.ms));
        const vs = frame.map((x) => x.v);
        const s = vs.reduce((a, b) => a + b, 0);
        const p = vs.reduce((acc, v) => acc * (v === 0 ? 1 : Math.sign(v) * 2), 1);
        return { id: r.id, k, v: r.v, t: r.t, n: vs.length, s, lo: Math.min(...vs), hi: Math.max(...vs), a: Math.trunc(s / vs.length), p, rs: s };
      }),
    );
  }
  return { out, late: late.sort((a, b) => a - b) };
}

async function runOver(rows: readonly Row[], f: Frame, batchSize: number, bound: number) {
  const env = StreamEnvironment.create({ parallelism: 1, batchSize });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporarySystemFunction('PRODUCT', new Product());
  tEnv.createTemporarySystemFunction('RSUM', new RetractingSum());
  tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(rows), `id INT, k STRING, v INT, t TIMESTAMP(3), WATERMARK FOR t AS t - INTERVAL '${bound}' MILLISECOND`));
  const result = tEnv.sqlQuery(querySql(f)).toDataStream();
  const lateSink = new CollectSink<SqlDeadLetter>();
  tEnv.deadLetters().sinkTo(lateSink);
  const emitted = (await result.executeAndCollect()) as (Row & Record<string, number>)[];
  const out = new Map<string, object[]>();
  for (const r of emitted) out.set(r.k, [...(out.get(r.k) ?? []), r]);
  return { out, late: lateSink.records().map((d) => (JSON.parse(d.input) as number[])[0]).sort((a, b) => a - b), letters: lateSink.records() };
}

function tableEnv(): TableEnvironment {
  const env = StreamEnvironment.create({ parallelism: 1 });
  const tEnv = TableEnvironment.create(env);
  tEnv.executeSql(`CREATE TABLE bids (item STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen', 'number-of-rows' = '10')`);
  return tEnv;
}

describe('sql: OVER aggregations (ROWS and RANGE frames) in event-time order', function () {
  this.timeout(120_000);

  const s = (seconds: number) => seconds * 1000;
  const ROWS: Row[] = [
    { id: 1, k: 'a', v: 1, t: s(1) },
    { id: 2, k: 'a', v: 2, t: s(3) },
    { id: 3, k: 'b', v: 5, t: s(3) },
    { id: 4, k: 'a', v: 3, t: s(2) }, // out of order, within the watermark's bound
    { id: 5, k: 'a', v: 4, t: s(3) }, // a peer of id 2
    { id: 6, k: 'a', v: 10, t: s(9) },
  ];
  const run = async (sql: string) => {
    // One instance: rows of one time are taken in the order they were sent (peers).
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(ROWS), "id INT, k STRING, v INT, t TIMESTAMP(3), WATERMARK FOR t AS t - INTERVAL '5' SECOND"));
    const out = await tEnv.sqlQuery(sql).toDataStream().executeAndCollect();
    // Partition b (id 3) is emitted beside a: a's rows in order are what is checked.
    return out.filter((r) => (r as { id: number }).id !== 3);
  };

  it('ROWS BETWEEN n PRECEDING: each row with the n rows before it in event-time order, peers counted one by one', async () => {
    expect(await run('SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM events')).to.deep.equal([
      { id: 1, s: 1 },
      { id: 4, s: 4 },
      { id: 2, s: 5 },
      { id: 5, s: 6 },
      { id: 6, s: 14 },
    ]);
  });

  it('ORDER BY items after the time attribute order the rows of one time', async () => {
    expect(await run('SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY t, v DESC ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM events')).to.deep.equal([
      { id: 1, s: 1 },
      { id: 4, s: 4 },
      { id: 5, s: 7 },
      { id: 2, s: 6 },
      { id: 6, s: 12 },
    ]);
  });

  it('RANGE BETWEEN INTERVAL ... PRECEDING: the rows of the last interval, peers sharing one result; UNBOUNDED and the default frame reach back to the start', async () => {
    expect(await run("SELECT id, COUNT(*) OVER w AS n, MAX(v) OVER w AS hi FROM events WINDOW w AS (PARTITION BY k ORDER BY t RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW)")).to.deep.equal([
      { id: 1, n: 1, hi: 1 },
      { id: 4, n: 2, hi: 3 },
      { id: 2, n: 3, hi: 4 },
      { id: 5, n: 3, hi: 4 },
      { id: 6, n: 1, hi: 10 },
    ]);
    const running = [
      { id: 1, s: 1 },
      { id: 4, s: 4 },
      { id: 2, s: 10 },
      { id: 5, s: 10 },
      { id: 6, s: 20 },
    ];
    expect(await run('SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s FROM events')).to.deep.equal(running);
    expect(await run('SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY t) AS s FROM events')).to.deep.equal(running);
    expect(await run('SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s FROM events')).to.deep.equal([
      { id: 1, s: 1 },
      { id: 4, s: 4 },
      { id: 2, s: 6 },
      { id: 5, s: 10 },
      { id: 6, s: 20 },
    ]);
  });

  it('EXPLAIN shows the OVER aggregation under the projection; the result is append-only', () => {
    const tEnv = tableEnv();
    const sql = "SELECT item, price, AVG(price) OVER (PARTITION BY item ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW) AS recent FROM bids";
    expect(tEnv.explainSql(sql)).to.equal(
      [
        'Calc(select=[item, price, w0$o0 AS recent])',
        '+- OverAggregate(partitionBy=[item], orderBy=[ts ASC], window=[RANGE BETWEEN 10000ms PRECEDING AND CURRENT ROW], select=[AVG(price)])',
        "   +- TableSourceScan(table=[bids], fields=[item, price, ts], watermark=[ts - 1000ms])",
      ].join('\n'),
    );
  });

  it('an OVER item may go without AS, or without an alias: it is then named as other unnamed columns', () => {
    const sql = 'SELECT item, SUM(price) OVER (PARTITION BY item ORDER BY ts) total, COUNT(*) OVER (PARTITION BY item ORDER BY ts) FROM bids';
    expect(tableEnv().explainSql(sql).split('\n')[0]).to.equal('Calc(select=[item, w0$o0 AS total, w0$o1 AS EXPR$2])');
  });

  it('matches a direct reference on out-of-order streams: late rows dropped and reported, every aggregate exact (fast-check)', async () => {
    const frames = fc.oneof(
      fc.record({ unit: fc.constant('ROWS' as const), n: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }),
      fc.record({ unit: fc.constant('RANGE' as const), ms: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }) }),
    );
    await fc.assert(
      fc.asyncProperty(outOfOrderStreams, frames, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 5 }), async (events, frame, batchSize, bound) => {
        const rows = asRows(events);
        const expected = reference(rows, frame, batchSize, bound);
        const actual = await runOver(rows, frame, batchSize, bound);
        expect(actual.late, 'late rows').to.deep.equal(expected.late);
        expect(Object.fromEntries(actual.out), 'rows per partition, in order').to.deep.equal(Object.fromEntries(expected.out));
      }),
      { numRuns: 40 },
    );
  });

  it('a late row goes to the dead letters with its reason', async () => {
    const rows: Row[] = [
      { id: 1, k: 'a', v: 1, t: 100 },
      { id: 2, k: 'a', v: 1, t: 50 },
    ];
    const { out, letters } = await runOver(rows, { unit: 'ROWS', n: 1 }, 1, 0);
    expect([...out.values()].flat().map((r) => (r as { id: number }).id)).to.deep.equal([1]);
    expect(letters).to.deep.equal([
      {
        table: 'OverAggregate',
        input: JSON.stringify([2, 'a', 1, 50]),
        reason: 'late: t 1970-01-01T00:00:00.050Z is not after the watermark 1970-01-01T00:00:00.099Z, so the row cannot be put in order',
      },
    ]);
  });

  it('unsupported OVER forms are refused with their position', () => {
    const q = (sql: string) => refusal(() => tableEnv().sqlQuery(sql));
    expect(q('SELECT item, SUM(price) OVER (PARTITION BY item ORDER BY price) AS s FROM bids')).to.deep.equal([
      '1:58 OVER (... ORDER BY price): an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending; price is not one',
    ]);
    expect(q('SELECT item, SUM(price) OVER (PARTITION BY item ORDER BY ts DESC) AS s FROM bids')).to.deep.equal([
      '1:58 OVER (... ORDER BY ts DESC): an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending',
    ]);
    expect(q('SELECT item, SUM(price) OVER (PARTITION BY item) AS s FROM bids')).to.deep.equal([
      '1:14 SUM(...) OVER (...) needs ORDER BY: an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending',
    ]);
    expect(q('SELECT item,\n  SUM(price) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS s FROM bids')).to.deep.equal([
      "2:61 unsupported: frames that end after the current row (1 FOLLOWING): an OVER aggregation emits a row when the watermark passes it, so its frame ends at CURRENT ROW",
    ]);
    expect(q('SELECT item, SUM(price) OVER (ORDER BY ts RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS s FROM bids')).to.deep.equal([
      "1:73 unsupported: frames that end after the current row (UNBOUNDED FOLLOWING): an OVER aggregation emits a row when the watermark passes it, so its frame ends at CURRENT ROW",
    ]);
    expect(q('SELECT item, SUM(price) OVER (ORDER BY ts RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) AS s FROM bids')).to.deep.equal([
      "1:43 RANGE over a time attribute reaches back a time: write RANGE BETWEEN INTERVAL '5' SECOND PRECEDING AND CURRENT ROW (or ROWS BETWEEN 5 PRECEDING AND CURRENT ROW to count rows)",
    ]);
    expect(q('SELECT item, n, SUM(n) OVER (PARTITION BY item ORDER BY ts) AS s FROM (SELECT item, COUNT(*) AS n, MAX(ts) AS ts FROM bids GROUP BY item)')).to.deep.equal([
      '1:17 SUM(...) OVER needs an append-only input, but its input is updating (it comes from a GROUP BY, a continuous Top-N or an outer join): an OVER aggregation emits each row once and cannot take it back',
      // MAX(ts) of a GROUP BY is no time attribute: it can be updated.
      '1:57 OVER (... ORDER BY ts): an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending; ts is not one',
    ]);
    expect(q('SELECT item, SUM(price) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s, COUNT(*) OVER (ORDER BY ts) AS n FROM bids')).to.deep.equal([
      "1:91 the OVER aggregations of one SELECT must share one window: COUNT(...) OVER differs from SUM(...) OVER (name it once in a WINDOW clause)",
    ]);
    expect(q('SELECT item, SUM(price) OVER w2 AS s FROM bids WINDOW w AS (ORDER BY ts)')).to.deep.equal([
      "1:30 unknown window 'w2': this SELECT's WINDOW clause defines w",
    ]);
    expect(q('SELECT * FROM (SELECT item, ROW_NUMBER() OVER (ORDER BY price ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS r FROM bids) WHERE r <= 3')).to.deep.equal([
      '1:63 ROW_NUMBER() numbers rows and takes no frame (ROWS / RANGE BETWEEN ...)',
    ]);
    expect(q('SELECT item, SUM(price) OVER (ORDER BY ts) AS s, ROW_NUMBER() OVER (ORDER BY ts) AS r FROM bids')).to.deep.equal([
      '1:14 OVER aggregations and ROW_NUMBER(), RANK() or DENSE_RANK() cannot share one SELECT: rank in an enclosing query',
      '1:50 ROW_NUMBER() OVER (...) needs a filter on its result in the enclosing query (e.g. WHERE rownum <= 3)',
    ]);
  });
});
