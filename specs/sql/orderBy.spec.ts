import { expect } from 'chai';
import fc from 'fast-check';
import { CollectSink, StreamEnvironment } from '../../src';
import { SqlDeadLetter, TableEnvironment } from '../../src/sql';
import { foldChangelog } from '../support/changelog';
import { watermarksAtArrival } from '../support/windowReference';

interface Row {
  id: number;
  v: number | null;
  t: number;
}

const SCHEMA = (boundMs: number) => `id INT, v INT, t TIMESTAMP(3), WATERMARK FOR t AS t - INTERVAL '${boundMs}' MILLISECOND`;

async function runBatch(rows: readonly Row[], sql: string): Promise<unknown[]> {
  const env = StreamEnvironment.create({ parallelism: 1 });
  const tEnv = TableEnvironment.create(env, { mode: 'batch' });
  tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(rows), SCHEMA(0)));
  return tEnv.sqlQuery(sql).toDataStream().executeAndCollect();
}

interface SortItem {
  descending: boolean;
  nulls: 'FIRST' | 'LAST' | undefined;
}

/** The rows sorted directly: v per `item` (NULLs smallest unless NULLS says), then id ascending. */
function referenceSort(rows: readonly Row[], item: SortItem, offset: number, limit: number | undefined): Row[] {
  const nullsFirst = item.nulls === undefined ? !item.descending : item.nulls === 'FIRST';
  const sorted = [...rows].sort((a, b) => {
    if (a.v !== b.v) {
      if (a.v === null) return nullsFirst ? -1 : 1;
      if (b.v === null) return nullsFirst ? 1 : -1;
      return item.descending ? b.v - a.v : a.v - b.v;
    }
    return a.id - b.id;
  });
  return sorted.slice(offset, limit === undefined ? undefined : offset + limit);
}

describe('sql: ORDER BY, LIMIT and OFFSET', function () {
  this.timeout(120_000);

  const ROWS: Row[] = [
    { id: 1, v: 5, t: 1000 },
    { id: 2, v: null, t: 3000 },
    { id: 3, v: 2, t: 2000 },
    { id: 4, v: 5, t: 2000 },
    { id: 5, v: 9, t: 5000 },
    { id: 6, v: null, t: 4000 },
  ];
  const ids = (rows: unknown[]) => rows.map((r) => (r as Row).id);

  it('batch: a full sort, ASC and DESC, NULLs smallest by default, NULLS FIRST / LAST as written', async () => {
    expect(ids(await runBatch(ROWS, 'SELECT id, v FROM events ORDER BY v, id'))).to.deep.equal([2, 6, 3, 1, 4, 5]);
    expect(ids(await runBatch(ROWS, 'SELECT id, v FROM events ORDER BY v DESC, id DESC'))).to.deep.equal([5, 4, 1, 3, 6, 2]);
    expect(ids(await runBatch(ROWS, 'SELECT id, v FROM events ORDER BY v NULLS LAST, id'))).to.deep.equal([3, 1, 4, 5, 2, 6]);
    expect(ids(await runBatch(ROWS, 'SELECT e.id, e.v FROM events AS e ORDER BY e.v NULLS LAST, e.id'))).to.deep.equal([3, 1, 4, 5, 2, 6]);
    expect(ids(await runBatch(ROWS, 'SELECT id, v FROM events ORDER BY v DESC NULLS FIRST, id'))).to.deep.equal([2, 6, 5, 1, 4, 3]);
    expect(await runBatch(ROWS, 'SELECT id, v * 10 AS w FROM events WHERE v IS NOT NULL ORDER BY w DESC, id LIMIT 2')).to.deep.equal([
      { id: 5, w: 90 },
      { id: 1, w: 50 },
    ]);
  });

  it('batch: LIMIT, LIMIT ... OFFSET and OFFSET ... FETCH FIRST ... ROWS ONLY take the same slice', async () => {
    expect(ids(await runBatch(ROWS, 'SELECT id, t FROM events ORDER BY t, id LIMIT 3 OFFSET 2'))).to.deep.equal([4, 2, 6]);
    expect(ids(await runBatch(ROWS, 'SELECT id, t FROM events ORDER BY t, id OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY'))).to.deep.equal([4, 2, 6]);
    expect(ids(await runBatch(ROWS, 'SELECT id, t FROM events ORDER BY t, id OFFSET 4'))).to.deep.equal([6, 5]);
    expect(ids(await runBatch(ROWS, 'SELECT id, t FROM events ORDER BY t, id LIMIT 0'))).to.deep.equal([]);
    // ORDER BY after UNION ALL sorts the whole union.
    expect(ids(await runBatch(ROWS, 'SELECT id FROM events WHERE id < 3 UNION ALL SELECT id FROM events WHERE id > 4 ORDER BY id DESC'))).to.deep.equal([6, 5, 2, 1]);
  });

  it('batch: ORDER BY with NULLS, LIMIT and OFFSET equals a direct sort, in order (fast-check)', async () => {
    const rowArbitrary = fc.record({ v: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), t: fc.integer({ min: 0, max: 9999 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArbitrary, { maxLength: 30 }),
        fc.record({ descending: fc.boolean(), nulls: fc.constantFrom<SortItem['nulls']>('FIRST', 'LAST', undefined) }),
        fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 35 }), { nil: undefined }),
        async (drawn, item, offset, limit) => {
          const rows = drawn.map((r, i) => ({ id: i, ...r }));
          const order = `v${item.descending ? ' DESC' : ''}${item.nulls === undefined ? '' : ` NULLS ${item.nulls}`}, id`;
          const sql = `SELECT id, v, t FROM events ORDER BY ${order}${limit === undefined ? '' : ` LIMIT ${limit}`}${offset === undefined ? '' : ` OFFSET ${offset}`}`;
          expect(await runBatch(rows, sql), sql).to.deep.equal(referenceSort(rows, item, offset ?? 0, limit));
        },
      ),
      { numRuns: 25, seed: 42 },
    );
  });

  it('stream: ORDER BY an ascending time attribute emits rows in time order as the watermark passes them, ties by the later keys, late rows to the dead letters', async () => {
    const env = StreamEnvironment.create({ parallelism: 1, batchSize: 1 });
    const tEnv = TableEnvironment.create(env);
    const rows: Row[] = [
      { id: 1, v: 3, t: 5000 },
      { id: 2, v: 1, t: 5000 },
      { id: 3, v: 7, t: 3500 }, // out of order, within the bound (watermark 2999)
      { id: 4, v: 0, t: 9000 },
      { id: 5, v: 4, t: 1000 }, // behind the watermark (9000 - 2000 - 1): late
      { id: 6, v: 2, t: 9000 },
    ];
    tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(rows), SCHEMA(2000)));
    const table = tEnv.sqlQuery('SELECT id, v, t FROM events ORDER BY t, v DESC');
    expect(table.isUpdating).to.equal(false);
    expect(table.explain()).to.equal(
      ['TemporalSort(orderBy=[t ASC NULLS FIRST, v DESC NULLS LAST])', '+- Calc(select=[id, v, t])', '   +- TableSourceScan(table=[UnnamedTable$' + table.explain().split('UnnamedTable$')[1]].join('\n'),
    );
    const result = table.toDataStream();
    const late = new CollectSink<SqlDeadLetter>();
    tEnv.deadLetters().sinkTo(late);
    expect(ids(await result.executeAndCollect())).to.deep.equal([3, 1, 2, 6, 4]);
    expect(late.records().map((d) => d.input)).to.deep.equal(['[5,4,1000]']);
    expect(late.records()[0].reason).to.equal('late: t 1970-01-01T00:00:01.000Z is not after the watermark 1970-01-01T00:00:06.999Z, so the row cannot be put in order');
  });

  it('stream: the temporal sort equals a direct reference on out-of-order input (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ v: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 20 }).map((s) => s * 500) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 1000, 3000),
        async (drawn, batchSize, bound) => {
          const rows: Row[] = drawn.map((r, i) => ({ id: i, ...r }));
          const arrival = watermarksAtArrival(rows.map((r) => ({ id: r.id, key: '', t: r.t })), batchSize, bound);
          const expected = rows
            .filter((r, i) => r.t > arrival[i])
            .sort((a, b) => a.t - b.t || (b.v as number) - (a.v as number) || a.id - b.id)
            .map((r) => r.id);
          const env = StreamEnvironment.create({ parallelism: 1, batchSize });
          const tEnv = TableEnvironment.create(env);
          tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(rows), SCHEMA(bound)));
          const result = tEnv.sqlQuery('SELECT id, v, t FROM events ORDER BY t, v DESC').toDataStream();
          const late = new CollectSink<SqlDeadLetter>();
          tEnv.deadLetters().sinkTo(late);
          expect(ids(await result.executeAndCollect())).to.deep.equal(expected);
          expect(late.records().length).to.equal(rows.length - expected.length);
        },
      ),
      { numRuns: 30, seed: 7 },
    );
  });

  it('stream: ORDER BY ... LIMIT n is a continuous Top-N changelog (+I entering, -D leaving)', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    const rows: Row[] = [
      { id: 1, v: 5, t: 1000 },
      { id: 2, v: 2, t: 2000 },
      { id: 3, v: 7, t: 3000 },
      { id: 4, v: 6, t: 4000 },
      { id: 5, v: 1, t: 5000 },
    ];
    tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(rows), SCHEMA(0)));
    const table = tEnv.sqlQuery('SELECT id, v FROM events ORDER BY v DESC LIMIT 2');
    expect(table.isUpdating).to.equal(true);
    expect(table.explain().split('\n')[0]).to.equal('SortLimit(orderBy=[v DESC NULLS LAST], offset=[0], fetch=[2]) [changelog]');
    expect(await table.toChangelogStream().executeAndCollect()).to.deep.equal([
      { kind: '+I', row: { id: 1, v: 5 } },
      { kind: '+I', row: { id: 2, v: 2 } },
      { kind: '-D', row: { id: 2, v: 2 } },
      { kind: '+I', row: { id: 3, v: 7 } },
      { kind: '-D', row: { id: 1, v: 5 } },
      { kind: '+I', row: { id: 4, v: 6 } },
    ]);
  });

  it('stream: LIMIT ... OFFSET over a GROUP BY folds to the ranked slice; LIMIT without ORDER BY keeps the first rows, append-only', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const tEnv = TableEnvironment.create(env);
    const rows: Row[] = [1, 2, 1, 3, 3, 3, 2, 4, 1, 1].map((v, id) => ({ id, v, t: id * 1000 }));
    tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(rows), SCHEMA(0)));
    const counts = await tEnv.sqlQuery('SELECT v, COUNT(*) AS n FROM events GROUP BY v ORDER BY n DESC, v LIMIT 2 OFFSET 1').toChangelogStream().executeAndCollect();
    expect(foldChangelog(counts)).to.deep.equal([
      { v: 2, n: 2 },
      { v: 3, n: 3 },
    ]);
    const env2 = StreamEnvironment.create({ parallelism: 1 });
    const tEnv2 = TableEnvironment.create(env2);
    tEnv2.createTemporaryView('events', tEnv2.fromDataStream(env2.fromCollection(rows), SCHEMA(0)));
    const first = tEnv2.sqlQuery('SELECT id FROM events WHERE v > 1 LIMIT 3');
    expect(first.isUpdating).to.equal(false);
    expect(tEnv2.sqlQuery('SELECT id FROM events LIMIT ALL').explain().split('\n')[0]).to.equal('Calc(select=[id])');
    expect(ids(await first.toDataStream().executeAndCollect())).to.deep.equal([1, 3, 4]);
  });
});
