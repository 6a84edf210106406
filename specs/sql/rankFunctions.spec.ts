import { expect } from 'chai';
import * as fc from 'fast-check';
import { StreamEnvironment } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { foldChangelog, sortRows } from '../support/changelog';

interface Event {
  k: string;
  v: number;
  ts: number;
}

const SCHEMA = "k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND";
type RankName = 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';

function tableEnv(events: readonly Event[], parallelism: number): TableEnvironment {
  const env = StreamEnvironment.create({ parallelism });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('events', tEnv.fromDataStream(env.fromCollection(events), SCHEMA));
  return tEnv;
}

/** Rows in ranking order numbered as `fn` numbers them, those numbered up to `n` kept (a direct reference). */
function topN<T>(fn: RankName, rows: readonly T[], compare: (a: T, b: T) => number, n: number): (T & { r: number })[] {
  const sorted = [...rows].sort(compare);
  const out: (T & { r: number })[] = [];
  let rank = 0;
  sorted.forEach((row, i) => {
    const tie = i > 0 && compare(sorted[i - 1], row) === 0;
    rank = fn === 'ROW_NUMBER' ? i + 1 : fn === 'RANK' ? (tie ? rank : i + 1) : tie ? rank : rank + 1;
    if (rank <= n) out.push({ ...row, r: rank });
  });
  return out;
}

const byKey = (events: readonly Event[]) => {
  const groups = new Map<string, Event[]>();
  for (const e of events) groups.set(e.k, [...(groups.get(e.k) ?? []), e]);
  return groups;
};

/**
 * Checks a changelog of one instance against the reference after each input: the changes
 * come in one block per input, so some cut after the previous one must fold into the
 * reference of the inputs so far, and the last cut must be the end.
 */
function expectEveryPrefix(log: readonly ChangelogRow[], references: readonly unknown[][]): void {
  let cut = 0;
  references.forEach((expected, i) => {
    let end = cut;
    const equalsExpected = (n: number) => JSON.stringify(foldChangelog(log.slice(0, n))) === JSON.stringify(sortRows(expected));
    while (!equalsExpected(end) && end < log.length) end++;
    expect(foldChangelog(log.slice(0, end)), `after input ${i + 1}`).to.deep.equal(sortRows(expected));
    cut = end;
  });
  expect(cut, 'no change after the last input').to.equal(log.length);
}

describe('sql: RANK() and DENSE_RANK() beside ROW_NUMBER() in Top-N', function () {
  this.timeout(120_000);

  const t = (seconds: number) => Date.UTC(2024, 0, 1) + seconds * 1000;
  /** Window [0, 10): ann 5, cid 5, bob 1 (a tie at the top); window [10, 20): bob 4, cid 2, ann 2. */
  const ORDERS: Event[] = [
    { k: 'ann', v: 3, ts: t(1) },
    { k: 'bob', v: 1, ts: t(2) },
    { k: 'ann', v: 2, ts: t(4) },
    { k: 'cid', v: 5, ts: t(7) },
    { k: 'bob', v: 4, ts: t(11) },
    { k: 'ann', v: 2, ts: t(12) },
    { k: 'cid', v: 2, ts: t(16) },
  ];
  const windowTopN = (fn: RankName) => `SELECT k, window_start, units, r FROM (
      SELECT *, ${fn}() OVER (PARTITION BY window_start, window_end ORDER BY units DESC) AS r
      FROM (SELECT k, window_start, window_end, SUM(v) AS units FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end))
    WHERE r <= 2`;

  it('window Top-N: RANK gives ties one number and leaves a gap after them, DENSE_RANK leaves none', async () => {
    const rank = await tableEnv(ORDERS, 2).sqlQuery(windowTopN('RANK')).toDataStream().executeAndCollect();
    expect(sortRows(rank)).to.deep.equal(
      sortRows([
        { k: 'ann', window_start: t(0), units: 5, r: 1 },
        { k: 'cid', window_start: t(0), units: 5, r: 1 },
        { k: 'bob', window_start: t(10), units: 4, r: 1 },
        { k: 'ann', window_start: t(10), units: 2, r: 2 },
        { k: 'cid', window_start: t(10), units: 2, r: 2 },
      ]),
    );
    const dense = await tableEnv(ORDERS, 2).sqlQuery(windowTopN('DENSE_RANK')).toDataStream().executeAndCollect();
    expect(sortRows(dense)).to.deep.equal(
      sortRows([
        { k: 'ann', window_start: t(0), units: 5, r: 1 },
        { k: 'cid', window_start: t(0), units: 5, r: 1 },
        { k: 'bob', window_start: t(0), units: 1, r: 2 },
        { k: 'bob', window_start: t(10), units: 4, r: 1 },
        { k: 'ann', window_start: t(10), units: 2, r: 2 },
        { k: 'cid', window_start: t(10), units: 2, r: 2 },
      ]),
    );
    expect(tableEnv(ORDERS, 1).explainSql(windowTopN('DENSE_RANK'))).to.contain('WindowRank(partitionBy=[window_start, window_end], orderBy=[units DESC], rankRange=[1..2], rankType=[DENSE_RANK])');
  });

  it('continuous RANK: a row whose number changes is updated (-U/+U), a row pushed out of range deleted', async () => {
    const events: Event[] = [
      { k: 'x', v: 5, ts: t(1) },
      { k: 'x', v: 3, ts: t(2) },
      { k: 'x', v: 5, ts: t(3) }, // ties with the first: the 3 becomes third, out of range
      { k: 'x', v: 9, ts: t(4) }, // above both 5s: they become 2 and 2
    ];
    const sql = 'SELECT v, ts, r FROM (SELECT v, ts, RANK() OVER (PARTITION BY k ORDER BY v DESC) AS r FROM events) WHERE r <= 2';
    const log = await tableEnv(events, 1).sqlQuery(sql).toChangelogStream().executeAndCollect();
    const row = (v: number, s: number, r: number) => ({ v, ts: t(s), r });
    expect(log).to.deep.equal([
      { kind: '+I', row: row(5, 1, 1) },
      { kind: '+I', row: row(3, 2, 2) },
      { kind: '-D', row: row(3, 2, 2) },
      { kind: '+I', row: row(5, 3, 1) },
      // Deletes first, then the rows in ranking order.
      { kind: '+I', row: row(9, 4, 1) },
      { kind: '-U', row: row(5, 1, 1) },
      { kind: '+U', row: row(5, 1, 2) },
      { kind: '-U', row: row(5, 3, 1) },
      { kind: '+U', row: row(5, 3, 2) },
    ]);
  });

  // Few keys and values: many ties.
  const eventsArbitrary = fc.array(fc.record({ k: fc.constantFrom('a', 'b', 'c'), v: fc.integer({ min: 0, max: 4 }), ts: fc.integer({ min: 0, max: 59_999 }) }), { minLength: 1, maxLength: 30 });
  const byValue = (a: Event, b: Event) => b.v - a.v;

  for (const fn of ['RANK', 'DENSE_RANK'] as const) {
    it(`continuous ${fn} over an append-only input: after every input, the changelog folds into the reference Top-N`, async () => {
      const sql = `SELECT k, v, ts, r FROM (SELECT k, v, ts, ${fn}() OVER (PARTITION BY k ORDER BY v DESC) AS r FROM events) WHERE r <= 2`;
      await fc.assert(
        fc.asyncProperty(eventsArbitrary, async (events) => {
          const log = await tableEnv(events, 1).sqlQuery(sql).toChangelogStream().executeAndCollect();
          const references = events.map((_, i) => [...byKey(events.slice(0, i + 1))].flatMap(([, es]) => topN(fn, es, byValue, 2)));
          expectEveryPrefix(log, references);
        }),
        { numRuns: 25, seed: 11 },
      );
    });

    it(`continuous ${fn} over an updating input (counts per key): after every input, the changelog folds into the reference Top-N`, async () => {
      const sql = `SELECT k, n, r FROM (SELECT k, n, ${fn}() OVER (ORDER BY n DESC) AS r FROM (SELECT k, COUNT(*) AS n FROM events GROUP BY k)) WHERE r <= 2`;
      await fc.assert(
        fc.asyncProperty(eventsArbitrary, async (events) => {
          const log = await tableEnv(events, 1).sqlQuery(sql).toChangelogStream().executeAndCollect();
          const references = events.map((_, i) => {
            const counts = [...byKey(events.slice(0, i + 1))].map(([k, es]) => ({ k, n: es.length }));
            return topN(fn, counts, (a, b) => b.n - a.n, 2);
          });
          expectEveryPrefix(log, references);
        }),
        { numRuns: 25, seed: 12 },
      );
    });

    it(`window ${fn} at parallelism 2 equals the reference for every window`, async () => {
      await fc.assert(
        fc.asyncProperty(eventsArbitrary, async (events) => {
          const rows = await tableEnv(events, 2).sqlQuery(windowTopN(fn)).toDataStream().executeAndCollect();
          const windows = new Map<number, Map<string, number>>();
          for (const e of events) {
            const start = Math.floor(e.ts / 10_000) * 10_000;
            const units = windows.get(start) ?? new Map<string, number>();
            windows.set(start, units.set(e.k, (units.get(e.k) ?? 0) + e.v));
          }
          const expected = [...windows].flatMap(([start, units]) =>
            topN(fn, [...units].map(([k, u]) => ({ k, window_start: start, units: u })), (a, b) => b.units - a.units, 2),
          );
          expect(sortRows(rows)).to.deep.equal(sortRows(expected));
        }),
        { numRuns: 20, seed: 13 },
      );
    });
  }
});
