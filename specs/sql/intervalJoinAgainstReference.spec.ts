import { expect } from 'chai';
import fc from 'fast-check';
import { StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { sortRows } from '../support/changelog';

/**
 * Interval joins against a direct reference: every pair of rows with equal keys whose times
 * satisfy the bounds, on inputs in time order (so no row is late). Few keys and close times
 * put many rows on one key, whose state must expire row by row while matches go on.
 */
interface Timed {
  k: number;
  ts: number;
}

const START = Date.UTC(2024, 0, 1);
const SCHEMA = "k INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '0' SECOND";

const inOrder = fc
  .array(fc.record({ k: fc.integer({ min: 0, max: 2 }), gap: fc.integer({ min: 0, max: 1500 }) }), { maxLength: 40 })
  .map((steps) => {
    let ts = START;
    return steps.map(({ k, gap }) => ({ k, ts: (ts += gap) }));
  });

async function intervalJoin(left: Timed[], right: Timed[], lowerMs: number, upperMs: number, parallelism: number) {
  // Batches of 2 records: watermarks move between most rows, so each row meets the watermark
  // its neighbours left, as rows do in a long-running job.
  const env = StreamEnvironment.create({ parallelism, batchSize: 2 });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('l', tEnv.fromDataStream(env.fromCollection(left).setParallelism(1), SCHEMA));
  tEnv.createTemporaryView('r', tEnv.fromDataStream(env.fromCollection(right).setParallelism(1), SCHEMA));
  const sql = `SELECT l.k, l.ts AS lt, r.ts AS rt FROM l JOIN r ON l.k = r.k
    AND r.ts BETWEEN l.ts + INTERVAL '${lowerMs}' MILLISECOND AND l.ts + INTERVAL '${upperMs}' MILLISECOND`;
  expect(tEnv.explainSql(sql)).to.contain(`interval=[${lowerMs}ms, ${upperMs}ms]`);
  return sortRows(await tEnv.sqlQuery(sql).toDataStream().executeAndCollect());
}

function reference(left: Timed[], right: Timed[], lowerMs: number, upperMs: number) {
  const pairs: { k: number; lt: number; rt: number }[] = [];
  for (const l of left) for (const r of right) if (l.k === r.k && r.ts >= l.ts + lowerMs && r.ts <= l.ts + upperMs) pairs.push({ k: l.k, lt: l.ts, rt: r.ts });
  return sortRows(pairs);
}

describe('sql: interval joins against a direct reference', () => {
  it('every pair within the bounds, once, for bounds before, around and after the left row', async () => {
    await fc.assert(
      fc.asyncProperty(inOrder, inOrder, fc.constantFrom([0, 2000], [1000, 3000], [-2000, 0], [-1500, 1500]), fc.constantFrom(1, 2), async (left, right, [lower, upper], parallelism) => {
        const got = await intervalJoin(left, right, lower, upper, parallelism);
        expect(got.map((r) => ({ k: r.k, lt: r.lt, rt: r.rt }))).to.deep.equal(reference(left, right, lower, upper));
      }),
      { numRuns: 40 },
    );
  });
});
