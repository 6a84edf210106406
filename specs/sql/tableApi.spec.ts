import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { StreamEnvironment } from '../../src';
import { $, ChangelogRow, lit, Over, OverBound, rowInterval, Session, Slide, Table, TableApiValidationError, TableEnvironment, Tumble, UNBOUNDED_RANGE, UNBOUNDED_ROW } from '../../src/sql';
import { foldChangelog } from '../support/changelog';

interface Event {
  k: string;
  v: number;
  ts: number;
}

const EVENTS_SCHEMA = "k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND";
const KINDS = [
  { kk: 'a', weight: 2 },
  { kk: 'b', weight: 3 },
  { kk: 'c', weight: 5 },
];

/** A Table API program and the SQL that says the same. */
interface Program {
  readonly name: string;
  readonly fluent: (tEnv: TableEnvironment) => Table;
  readonly sql: string;
}

const n = fc.integer({ min: 0, max: 9 });
const seconds = fc.constantFrom(3, 5, 10);

const programs: fc.Arbitrary<Program>[] = [
  fc.tuple(n, n).map(([limit, add]) => ({
    name: `where before select (v > ${limit}, v + ${add})`,
    fluent: (t) => t.from('events').where($('v').isGreater(limit)).select($('k'), $('v').plus(add).as('c'), $('ts')),
    sql: `SELECT k, v + ${add} AS c, ts FROM events WHERE v > ${limit}`,
  })),
  fc.tuple(n, n).map(([factor, limit]) => ({
    name: `select then where (v * ${factor} >= ${limit})`,
    fluent: (t) => t.from('events').select($('k'), $('v').times(factor).as('c')).where($('c').isGreaterOrEqual(limit).and($('k').isNotEqual('d'))),
    sql: `SELECT * FROM (SELECT k, v * ${factor} AS c FROM events) WHERE c >= ${limit} AND k <> 'd'`,
  })),
  n.map((skip) => ({
    name: `groupBy (v <> ${skip})`,
    fluent: (t) =>
      t
        .from('events')
        .filter($('v').isNotEqual(skip))
        .groupBy($('k'))
        .select($('k'), $('*').count().as('n'), $('v').sum().as('total'), $('v').min().as('low'), $('v').max().as('high'), $('v').count().distinct().as('distinct_v')),
    sql: `SELECT k, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS low, MAX(v) AS high, COUNT(DISTINCT v) AS distinct_v FROM events WHERE v <> ${skip} GROUP BY k`,
  })),
  fc.tuple(seconds, n).map(([size, limit]) => ({
    name: `tumbling window of ${size} s (v > ${limit})`,
    fluent: (t) =>
      t
        .from('events')
        .where($('v').isGreater(limit))
        .window(Tumble.over(lit(size).seconds()).on($('ts')).as('w'))
        .groupBy($('k'), $('w'))
        .select($('k'), $('w').start(), $('w').end().as('wend'), $('*').count().as('n'), $('v').sum().as('total')),
    sql: `SELECT k, window_start, window_end AS wend, COUNT(*) AS n, SUM(v) AS total FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '${size}' SECOND)) WHERE v > ${limit} GROUP BY k, window_start, window_end`,
  })),
  seconds.map((slide) => ({
    name: `sliding window of 10 s every ${slide} s`,
    fluent: (t) => t.from('events').window(Slide.over(lit(slide * 2).seconds()).every(lit(slide).seconds()).on($('ts')).as('w')).groupBy($('w')).select($('w').start(), $('v').max().as('high')),
    sql: `SELECT window_start, MAX(v) AS high FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '${slide}' SECOND, INTERVAL '${slide * 2}' SECOND)) GROUP BY window_start, window_end`,
  })),
  seconds.map((gap) => ({
    name: `session window, gap ${gap} s`,
    fluent: (t) => t.from('events').window(Session.withGap(lit(gap).seconds()).on($('ts')).as('s')).groupBy($('s'), $('k')).select($('k'), $('s').start(), $('s').end(), $('v').sum().as('total')),
    sql: `SELECT k, window_start, window_end, SUM(v) AS total FROM TABLE(SESSION(TABLE events PARTITION BY k, DESCRIPTOR(ts), INTERVAL '${gap}' SECOND)) GROUP BY window_start, window_end, k`,
  })),
  fc.integer({ min: 2, max: 4 }).map((m) => ({
    name: `distinct of v % ${m}`,
    fluent: (t) => t.from('events').select($('k'), $('v').mod(m).as('r')).distinct(),
    sql: `SELECT DISTINCT * FROM (SELECT k, v % ${m} AS r FROM events)`,
  })),
  n.map((limit) => ({
    name: `unionAll of v > ${limit} and v < ${limit}`,
    fluent: (t) => t.from('events').where($('v').isGreater(limit)).select($('k'), $('v')).unionAll(t.from('events').where($('v').isLess(limit)).select($('k'), $('v').times(-1))),
    sql: `SELECT k, v FROM events WHERE v > ${limit} UNION ALL SELECT k, v * -1 FROM events WHERE v < ${limit}`,
  })),
  fc.integer({ min: 1, max: 4 }).map((rows) => ({
    name: `orderBy v desc, ts fetch ${rows}`,
    fluent: (t) => t.from('events').select($('k'), $('v'), $('ts')).orderBy($('v').desc(), $('ts').asc()).fetch(rows),
    sql: `SELECT k, v, ts FROM events ORDER BY v DESC, ts LIMIT ${rows}`,
  })),
  fc.oneof(
    fc.constant<[OverBound, string]>([UNBOUNDED_RANGE, 'RANGE BETWEEN UNBOUNDED PRECEDING']),
    fc.constant<[OverBound, string]>([UNBOUNDED_ROW, 'ROWS BETWEEN UNBOUNDED PRECEDING']),
    fc.integer({ min: 0, max: 3 }).map((rows): [OverBound, string] => [rowInterval(rows), `ROWS BETWEEN ${rows} PRECEDING`]),
  ).map(([bound, frame]) => ({
    name: `over window ${frame}`,
    fluent: (t: TableEnvironment) =>
      t
        .from('events')
        .window(Over.partitionBy($('k')).orderBy($('ts')).preceding(bound).as('o'))
        .select($('k'), $('v'), $('v').sum().over($('o')).as('s'), $('v').max().over($('o')).as('m')),
    sql: `SELECT k, v, SUM(v) OVER (PARTITION BY k ORDER BY ts ${frame} AND CURRENT ROW) AS s, MAX(v) OVER (PARTITION BY k ORDER BY ts ${frame} AND CURRENT ROW) AS m FROM events`,
  })),
  seconds.map((range) => ({
    name: `over window of ${range} s`,
    fluent: (t: TableEnvironment) => t.from('events').window(Over.orderBy($('ts')).preceding(lit(range).seconds()).as('o')).select($('ts'), $('*').count().over($('o')).as('n')),
    sql: `SELECT ts, COUNT(*) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '${range}' SECOND PRECEDING AND CURRENT ROW) AS n FROM events`,
  })),
  fc.constant({
    name: 'join with kinds',
    fluent: (t: TableEnvironment) => t.from('events').join(t.from('kinds'), $('k').isEqual($('kk'))).select($('k'), $('v').times($('weight')).as('score')),
    sql: 'SELECT k, v * weight AS score FROM events JOIN kinds ON k = kk',
  }),
];

const eventsArbitrary = fc.uniqueArray(
  fc.record({ k: fc.constantFrom('a', 'b', 'c', 'd'), v: fc.integer({ min: 0, max: 9 }), ts: fc.integer({ min: 0, max: 59_999 }) }),
  { minLength: 1, maxLength: 40, selector: (e) => e.ts },
);

/** A table environment over the events (in time order) and the kinds, at parallelism 1. */
function environment(events: readonly Event[]): TableEnvironment {
  const env = StreamEnvironment.create({ parallelism: 1 });
  const tEnv = TableEnvironment.create(env);
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(sorted), EVENTS_SCHEMA));
  tEnv.createTemporaryView('kinds', tEnv.fromDataStream(env.fromCollection(KINDS), 'kk STRING, weight INT'));
  return tEnv;
}

async function run(events: readonly Event[], query: (tEnv: TableEnvironment) => Table): Promise<{ explain: string; changes: ChangelogRow[] }> {
  const table = query(environment(events));
  return { explain: table.explain(), changes: await table.toChangelogStream().executeAndCollect() };
}

function refusal(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(TableApiValidationError);
    return (e as TableApiValidationError).described as string[];
  }
  throw new Error('the call was accepted');
}

describe('sql: the Table API is planned by the SQL planner: the same results and the same EXPLAIN as the same SQL', function () {
  this.timeout(120_000);

  for (const [i, program] of programs.entries()) {
    it(`program ${i}: random events and parameters give the SQL's changelog, change for change, and its EXPLAIN`, async () => {
      await fc.assert(
        fc.asyncProperty(program, eventsArbitrary, async (p, events) => {
          const fluent = await run(events, p.fluent);
          const sql = await run(events, (t) => t.sqlQuery(p.sql));
          expect(fluent.explain, p.name).to.equal(sql.explain);
          expect(fluent.changes, p.name).to.deep.equal(sql.changes);
        }),
        { numRuns: 6, seed: 21 },
      );
    });
  }

  it('groupBy(...).select(...): the final rows equal a direct computation', async () => {
    const events: Event[] = [
      { k: 'a', v: 1, ts: 0 },
      { k: 'b', v: 4, ts: 1 },
      { k: 'a', v: 5, ts: 2 },
      { k: 'a', v: 5, ts: 3 },
    ];
    const { changes } = await run(events, (t) => t.from('events').groupBy($('k')).select($('k'), $('v').sum().as('total'), $('v').count().distinct().as('d')));
    expect(foldChangelog(changes)).to.deep.equal([
      { k: 'a', total: 11, d: 2 },
      { k: 'b', total: 4, d: 1 },
    ]);
  });

  it('explains like EXPLAIN of the SQL: where, select and the window aggregation', () => {
    const tEnv = environment([]);
    const table = tEnv
      .from('events')
      .where($('v').isGreater(3))
      .window(Tumble.over(lit(10).seconds()).on($('ts')).as('w'))
      .groupBy($('w'), $('k'))
      .select($('k'), $('w').start(), $('v').sum().as('total'));
    expect(table.explain()).to.equal(
      tEnv.explainSql("SELECT k, window_start, SUM(v) AS total FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE v > 3 GROUP BY k, window_start, window_end"),
    );
    expect(table.explain()).to.contain('WindowAggregate(TUMBLE(size=10000ms), time=[ts], groupBy=[k], select=[SUM(v)])');
  });

  it('a Table API table is a table of SQL, and a SQL table one of the Table API', async () => {
    const tEnv = environment([
      { k: 'a', v: 7, ts: 0 },
      { k: 'b', v: 2, ts: 1 },
    ]);
    const big = tEnv.from('events').where($('v').isGreater(5));
    const fromSql = tEnv.sqlQuery(`SELECT k, v * 2 AS w FROM ${big}`).select($('k'), $('w').plus(1).as('x'));
    expect(await fromSql.toDataStream().executeAndCollect()).to.deep.equal([{ k: 'a', x: 15 }]);
  });

  it('executeInsert writes the rows into a table of the catalog, exactly (a file sink, checkpointed)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-table-api-'));
    const env = StreamEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(20, 'exactly-once');
    const tEnv = TableEnvironment.create(env);
    const events = [1, 2, 3, 4, 5, 6].map((i) => ({ k: i % 2 === 0 ? 'even' : 'odd', v: i, ts: i * 1000 }));
    tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(events), EVENTS_SCHEMA));
    tEnv.executeSql(`CREATE TABLE sums (k STRING, wstart TIMESTAMP(3), total BIGINT) WITH ('connector' = 'filesystem', 'path' = '${dir}', 'format' = 'json')`);
    const sums = tEnv
      .from('events')
      .window(Tumble.over(lit(4).seconds()).on($('ts')).as('w'))
      .groupBy($('w'), $('k'))
      .select($('k'), $('w').start().as('wstart'), $('v').sum().as('total'));
    await sums.executeInsert('sums').await();
    const files = (await fs.readdir(dir)).filter((f) => !f.startsWith('.'));
    const lines = (await Promise.all(files.map((f) => fs.readFile(path.join(dir, f), 'utf8')))).flatMap((t) => t.split('\n').filter((l) => l !== ''));
    expect(lines.sort()).to.deep.equal([
      '{"k":"even","wstart":"1970-01-01 00:00:00.000","total":2}',
      '{"k":"even","wstart":"1970-01-01 00:00:04.000","total":10}',
      '{"k":"odd","wstart":"1970-01-01 00:00:00.000","total":4}',
      '{"k":"odd","wstart":"1970-01-01 00:00:04.000","total":5}',
    ]);
  });

  it('refuses misuse when the table is defined, listing every problem with its call and expression', () => {
    const tEnv = environment([]);
    const events = tEnv.from('events');
    expect(refusal(() => events.select($('v').plus(1).as('x').times(2), $('w').start(), $('nope'), $('k').plus(1)))).to.deep.equal([
      "in select(...), $('v').plus(1).as('x'): as('x') names a whole select item; it cannot be an operand",
      "in select(...), $('w').start(): start() reads the window of window(...).as(alias), written $(alias).start(): there is no window(...) in this call",
      "in select(...), $('nope'): unknown column 'nope' (columns in scope: k, v, ts)",
      'in select(...), $(\'k\').plus(1): + needs numbers (or a TIMESTAMP and an INTERVAL) but got STRING + INT',
    ]);
    expect(refusal(() => events.where($('v').sum().isGreater(1)))).to.deep.equal(["in where(...), $('v').sum(): aggregate function SUM is not allowed in WHERE"]);
    expect(refusal(() => events.where($('v')))).to.deep.equal(["in where(...), $('v'): WHERE needs a BOOLEAN condition but v is INT"]);
    expect(refusal(() => events.groupBy($('k')).select($('k'), $('v'), $('v').sum().distinct().distinct()))).to.deep.equal([
      "in groupBy(...).select(...), $('v'): column 'v' must be in GROUP BY or inside an aggregate function",
      "in groupBy(...).select(...), $('v').sum().distinct().distinct(): DISTINCT is supported in COUNT only",
    ]);
    expect(refusal(() => events.window(Tumble.over(lit(10).seconds()).on($('v')).as('w')).groupBy($('k')).select($('k'), $('w'), $('ts')))).to.deep.equal([
      "in window(...).groupBy(...).select(...), TUMBLE($('v'), lit(10).seconds()).as('w'): groupBy(...) after window(...) must include the window, $('w')",
      "in window(...).groupBy(...).select(...), $('v'): DESCRIPTOR(v) must name a time attribute of the input (a column with WATERMARK FOR in its table)",
      "in window(...).groupBy(...).select(...), $('w'): $('w') is the window: read it with $('w').start(), .end() or .rowtime()",
      "in window(...).groupBy(...).select(...), $('ts'): column 'ts' must be in GROUP BY or inside an aggregate function",
    ]);
    expect(refusal(() => events.window(Tumble.over(lit('x').seconds()).on($('ts')).as('w')).groupBy($('w')).select($('v').count()))).to.deep.equal([
      "in window(...).groupBy(...).select(...), lit('x').seconds(): seconds() makes an interval of a number literal, as in lit(10).seconds()",
    ]);
    expect(refusal(() => events.select($('k')).unionAll(events))).to.deep.equal(['in unionAll(...): UNION ALL inputs must have the same number of columns: 1 and 3']);
    // On a stream, orderBy(...) needs a time attribute first, or its fetch(n): refused when used without.
    const sorted = events.orderBy($('v').desc());
    const unsorted = refusal(() => sorted.explain());
    expect(unsorted).to.have.length(1);
    expect(unsorted[0]).to.match(/^in orderBy\(\.\.\.\), \$\('v'\)\.desc\(\): ORDER BY on an unbounded stream must sort first by an ascending time attribute.* \(or follow it with fetch\(n\), a Top-N\)$/);
    expect(refusal(() => sorted.select($('k')))).to.deep.equal(unsorted);
    expect(refusal(() => sorted.offset(1).toDataStream())).to.have.length(1);
    expect(sorted.offset(1).fetch(2).isUpdating).to.equal(true);
    expect(refusal(() => events.orderBy($('nope').desc()))).to.deep.equal(["in orderBy(...), $('nope').desc(): unknown column 'nope' (columns in scope: k, v, ts)"]);
    expect(refusal(() => events.window(Over.orderBy($('v')).as('o')).select($('v').sum().over($('p')), $('v').over($('o'))))).to.deep.equal([
      "in window(Over...).select(...), $('v').sum().over($('p')): over($('p')) reads an over window of this call's window(Over...as(alias)), as $(alias): not this one",
      "in window(Over...).select(...), $('v').over($('o')): over(...) applies to an aggregate, as in $('v').sum().over($('o'))",
    ]);
    expect(refusal(() => events.window(Over.orderBy($('v')).as('o')).select($('v').sum().over($('o'))))).to.deep.equal([
      "in window(Over...).select(...), $('v'): OVER (... ORDER BY v): an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending; v is not one",
    ]);
    expect(refusal(() => events.as('x'))).to.deep.equal(['in as(...): as(...) names every column: the table has 3 (k, v, ts), got 1 name(s)']);
    expect(refusal(() => events.select())).to.deep.equal(['in select(...): select() needs at least one expression']);
    expect(refusal(() => tEnv.from('nothing'))).to.deep.equal(["in from('nothing'): unknown table 'nothing' (known: events, kinds)"]);
    expect(refusal(() => events.fetch(-1))).to.deep.equal(['in fetch(...): fetch(-1): a number of rows is a whole number >= 0']);
  });
});
