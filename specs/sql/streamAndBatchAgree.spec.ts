import { expect } from 'chai';
import * as fc from 'fast-check';
import { StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { foldChangelog, sortRows } from '../support/changelog';

interface Event {
  k: string;
  v: number;
  ts: number;
}

const SCHEMA = "k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '60' SECOND";

const QUERIES = {
  groupAggregate: 'SELECT k, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS low, MAX(v) AS high, COUNT(DISTINCT v) AS distinct_v FROM events WHERE v <> 3 GROUP BY k',
  aggregateOfAggregate: 'SELECT n, COUNT(*) AS keys FROM (SELECT k, COUNT(*) AS n FROM events GROUP BY k) GROUP BY n',
  tumblingWindow: "SELECT k, window_start, COUNT(*) AS n, SUM(v) AS total FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end",
  topN: 'SELECT k, v, r FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, ts ASC) AS r FROM events) WHERE r <= 2',
  topNOfAggregate: 'SELECT k, n, r FROM (SELECT k, n, ROW_NUMBER() OVER (ORDER BY n DESC, k ASC) AS r FROM (SELECT k, COUNT(*) AS n FROM events GROUP BY k)) WHERE r <= 2',
  rankTopN: 'SELECT k, v, r FROM (SELECT k, v, RANK() OVER (PARTITION BY k ORDER BY v DESC) AS r FROM events) WHERE r <= 2',
  denseRankOfAggregate: 'SELECT k, n, r FROM (SELECT k, n, DENSE_RANK() OVER (ORDER BY n DESC) AS r FROM (SELECT k, COUNT(*) AS n FROM events GROUP BY k)) WHERE r <= 2',
  orderByLimitOffset: 'SELECT k, v, ts FROM events ORDER BY v DESC, ts LIMIT 3 OFFSET 1',
  orderByTime: 'SELECT k, v, ts FROM events WHERE v > 2 ORDER BY ts, v',
};

/** Rows in ranking order numbered by RANK (ties share a number, then a gap) or DENSE_RANK, those up to 2 kept. */
function ranked<T>(rows: readonly T[], compare: (a: T, b: T) => number, dense: boolean): (T & { r: number })[] {
  const sorted = [...rows].sort(compare);
  let r = 0;
  return sorted
    .map((row, i) => {
      const tie = i > 0 && compare(sorted[i - 1], row) === 0;
      r = tie ? r : dense ? r + 1 : i + 1;
      return { ...row, r };
    })
    .filter((x) => x.r <= 2);
}

/** The results computed directly from the events, for each query. */
function reference(events: readonly Event[]): Record<keyof typeof QUERIES, unknown[]> {
  const byKey = new Map<string, Event[]>();
  for (const e of events) byKey.set(e.k, [...(byKey.get(e.k) ?? []), e]);
  const groupAggregate = [...byKey].flatMap(([k, es]) => {
    const vs = es.map((e) => e.v).filter((v) => v !== 3);
    return vs.length === 0 ? [] : [{ k, n: vs.length, total: vs.reduce((a, b) => a + b, 0), low: Math.min(...vs), high: Math.max(...vs), distinct_v: new Set(vs).size }];
  });
  const counts = new Map<number, number>();
  for (const es of byKey.values()) counts.set(es.length, (counts.get(es.length) ?? 0) + 1);
  const aggregateOfAggregate = [...counts].map(([n, keys]) => ({ n, keys }));
  const windows = new Map<string, { k: string; window_start: number; n: number; total: number }>();
  for (const e of events) {
    const start = Math.floor(e.ts / 10_000) * 10_000;
    const w = windows.get(`${e.k}/${start}`) ?? { k: e.k, window_start: start, n: 0, total: 0 };
    windows.set(`${e.k}/${start}`, { ...w, n: w.n + 1, total: w.total + e.v });
  }
  const topN = [...byKey].flatMap(([k, es]) =>
    [...es]
      .sort((a, b) => b.v - a.v || a.ts - b.ts)
      .slice(0, 2)
      .map((e, i) => ({ k, v: e.v, r: i + 1 })),
  );
  const topNOfAggregate = [...byKey]
    .map(([k, es]) => ({ k, n: es.length }))
    .sort((a, b) => b.n - a.n || (a.k < b.k ? -1 : 1))
    .slice(0, 2)
    .map((x, i) => ({ ...x, r: i + 1 }));
  const rankTopN = [...byKey].flatMap(([k, es]) => ranked(es.map((e) => ({ k, v: e.v })), (a, b) => b.v - a.v, false));
  const denseRankOfAggregate = ranked([...byKey].map(([k, es]) => ({ k, n: es.length })), (a, b) => b.n - a.n, true);
  const orderByLimitOffset = [...events].sort((a, b) => b.v - a.v || a.ts - b.ts).slice(1, 4);
  const orderByTime = events.filter((e) => e.v > 2);
  return {
    orderByLimitOffset: sortRows(orderByLimitOffset),
    orderByTime: sortRows(orderByTime),
    rankTopN: sortRows(rankTopN),
    denseRankOfAggregate: sortRows(denseRankOfAggregate),
    topNOfAggregate: sortRows(topNOfAggregate), groupAggregate: sortRows(groupAggregate), aggregateOfAggregate: sortRows(aggregateOfAggregate), tumblingWindow: sortRows([...windows.values()]), topN: sortRows(topN) };
}

async function run(events: readonly Event[], sql: string, mode: 'streaming' | 'batch', parallelism: number): Promise<unknown[]> {
  const env = StreamEnvironment.create({ parallelism });
  const tEnv = TableEnvironment.create(env, { mode });
  tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(events), SCHEMA));
  const table = tEnv.sqlQuery(sql);
  // Batch results are final rows only; a stream's are a changelog whose end state is the result.
  if (mode === 'batch') return sortRows(await table.toDataStream().executeAndCollect());
  return foldChangelog(await table.toChangelogStream().executeAndCollect());
}

const eventArbitrary = fc.record({
  k: fc.constantFrom('a', 'b', 'c', 'd'),
  v: fc.integer({ min: 0, max: 9 }),
  // Distinct timestamps keep the Top-N order total, so that the expected ranking is unique.
  ts: fc.integer({ min: 0, max: 59_999 }),
});
const eventsArbitrary = fc.uniqueArray(eventArbitrary, { minLength: 1, maxLength: 60, selector: (e) => e.ts });

describe('sql: the same query over a bounded table (batch) and over the stream gives the same final result', function () {
  this.timeout(120_000);
  for (const [name, sql] of Object.entries(QUERIES) as [keyof typeof QUERIES, string][]) {
    it(`${name}: batch at parallelism 1, stream at parallelism 3, both equal to the reference`, async () => {
      await fc.assert(
        fc.asyncProperty(eventsArbitrary, async (events) => {
          const expected = reference(events)[name];
          expect(await run(events, sql, 'batch', 1)).to.deep.equal(expected);
          expect(await run(events, sql, 'streaming', 3)).to.deep.equal(expected);
        }),
        { numRuns: 12, seed: 10 },
      );
    });
  }
});
