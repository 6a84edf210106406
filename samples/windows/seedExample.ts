/**
 * The seed's example, `keyBy(...).window(Time.seconds(10)).aggregate(...)`, in TypeScript
 * with Flink's names: the average temperature per sensor per 10 seconds of event time.
 * Run: node build/samples/windows/seedExample.js
 */
import * as assert from 'node:assert/strict';
import { AggregateFunction, StreamEnvironment, Time, TumblingEventTimeWindows, WatermarkStrategy } from '../../src';

interface Reading {
  sensor: string;
  celsius: number;
  /** Event time, ms. */
  at: number;
}

/** Sum and count in the accumulator, the average as the result (as Flink's AverageAggregate). */
const average: AggregateFunction<Reading, { sum: number; count: number }, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (r, acc) => ({ sum: acc.sum + r.celsius, count: acc.count + 1 }),
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

// Out of order: the reading at 9 s arrives after the one at 12 s.
const readings: Reading[] = [
  { sensor: 'hall', celsius: 20, at: 1_000 },
  { sensor: 'roof', celsius: 5, at: 2_000 },
  { sensor: 'hall', celsius: 22, at: 12_000 },
  { sensor: 'hall', celsius: 21, at: 9_000 },
  { sensor: 'roof', celsius: 7, at: 15_000 },
  { sensor: 'roof', celsius: 9, at: 18_000 },
];

async function main(): Promise<void> {
  const env = StreamEnvironment.create();
  const averages = await env
    .fromCollection(readings)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.seconds(5)).withTimestampAssigner((r) => r.at))
    .keyBy((r) => r.sensor)
    .window(TumblingEventTimeWindows.of(Time.seconds(10)))
    .aggregate(average)
    .executeAndCollect('average per sensor per 10 s');
  console.log(averages); // [ 20.5, 5, 22, 8 ]: hall [0,10) 20.5, roof [0,10) 5, hall [10,20) 22, roof [10,20) 8
  assert.deepEqual([...averages].sort((a, b) => a - b), [5, 8, 20.5, 22]);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
