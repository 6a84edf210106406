/**
 * docs/api.md, "Keyed streams": keyBy, and the rolling aggregations reduce, sum, min, max.
 * Run: node build/samples/docs-examples/keyedAggregations.js
 */
import * as assert from 'node:assert/strict';
import { StreamEnvironment } from '../../src';

interface Reading {
  sensor: string;
  celsius: number;
  at: number;
}

const readings: Reading[] = [
  { sensor: 'kitchen', celsius: 21, at: 1 },
  { sensor: 'garage', celsius: 9, at: 2 },
  { sensor: 'kitchen', celsius: 23, at: 3 },
  { sensor: 'garage', celsius: 7, at: 4 },
  { sensor: 'kitchen', celsius: 22, at: 5 },
];

const byKitchen = (rs: Reading[]) => rs.filter((r) => r.sensor === 'kitchen');

async function main(): Promise<void> {
  // Each aggregation emits one record per input: the key's aggregate so far ("rolling").
  const keyed = () => StreamEnvironment.create({ parallelism: 2 }).fromCollection(readings).keyBy((r) => r.sensor);

  // reduce: fold records of a key with your function.
  const latestAndPeak = await keyed()
    .reduce((acc, r) => ({ ...r, celsius: Math.max(acc.celsius, r.celsius) }))
    .executeAndCollect();
  assert.deepEqual(byKitchen(latestAndPeak).map((r) => [r.celsius, r.at]), [[21, 1], [23, 3], [23, 5]]);

  // sum / min / max of a numeric field; the other fields are those of the key's first record.
  const sums = await keyed().sum('celsius').executeAndCollect();
  assert.deepEqual(byKitchen(sums), [
    { sensor: 'kitchen', celsius: 21, at: 1 },
    { sensor: 'kitchen', celsius: 44, at: 1 },
    { sensor: 'kitchen', celsius: 66, at: 1 },
  ]);
  const mins = await keyed().min('celsius').executeAndCollect();
  assert.deepEqual(byKitchen(mins).map((r) => r.celsius), [21, 21, 21]);
  const maxs = await keyed().max('celsius').executeAndCollect();
  assert.deepEqual(byKitchen(maxs).map((r) => r.celsius), [21, 23, 23]);

  // On a stream of numbers, sum() without a field sums the records themselves.
  const env = StreamEnvironment.create();
  const totals = await env.fromCollection([1, 2, 3, 4, 5]).keyBy((n) => (n % 2 === 0 ? 'even' : 'odd')).sum().executeAndCollect();
  assert.deepEqual(totals, [1, 2, 4, 6, 9]);

  // Keys may be strings, numbers, booleans, bigints, arrays or plain objects (composite keys).
  const env2 = StreamEnvironment.create({ parallelism: 2 });
  const perSensorAndParity = await env2
    .fromCollection(readings)
    .keyBy((r) => [r.sensor, r.at % 2] as const)
    .map(() => 1)
    .executeAndCollect();
  assert.equal(perSensorAndParity.length, 5);

  console.log({ sums: sums.map((r) => `${r.sensor}=${r.celsius}`), totals });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
