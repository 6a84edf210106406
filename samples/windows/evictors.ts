/**
 * docs/time-and-windows.md, evictors and triggers on session windows: a count window of the
 * last three readings every two (GlobalWindows + CountTrigger + CountEvictor), a minute
 * window that only looks at its last 10 s (TimeEvictor), a window that drops readings far
 * from the latest (DeltaEvictor), and early results per session that count across merges
 * (CountTrigger on session windows). Each checks its own results.
 * Run: node build/samples/windows/evictors.js
 */
import * as assert from 'node:assert/strict';
import {
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  EventTimeSessionWindows,
  Evictor,
  GlobalWindows,
  StreamEnvironment,
  Time,
  TimeEvictor,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src';

interface Reading {
  sensor: string;
  at: number; // event time, ms
  celsius: number;
}

const readings: Reading[] = [
  { sensor: 'boiler', at: 0, celsius: 60 },
  { sensor: 'boiler', at: 15_000, celsius: 62 },
  { sensor: 'boiler', at: 30_000, celsius: 64 },
  { sensor: 'boiler', at: 52_000, celsius: 90 },
  { sensor: 'boiler', at: 55_000, celsius: 70 },
  { sensor: 'boiler', at: 58_000, celsius: 72 },
];

const byReadingTime = () => WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.seconds(5)).withTimestampAssigner((r) => r.at);

/** The average of a window's readings, as an AggregateFunction. */
const average = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (r: Reading, acc: { sum: number; n: number }) => ({ sum: acc.sum + r.celsius, n: acc.n + 1 }),
  getResult: (acc: { sum: number; n: number }) => acc.sum / acc.n,
  merge: (a: { sum: number; n: number }, b: { sum: number; n: number }) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

// --- the last three readings, every two (Flink's countWindow(3, 2)) ------------------------------
async function lastThreeEveryTwo(): Promise<void> {
  const env = StreamEnvironment.create();
  const averages = await env
    .fromCollection(readings)
    .keyBy((r) => r.sensor)
    .window(GlobalWindows.create())
    .trigger(CountTrigger.of(2))
    .evictor(CountEvictor.of(3))
    .aggregate(average)
    .executeAndCollect('last three every two');
  // After 2 readings: (60+62)/2; after 4: (62+64+90)/3; after 6: (90+70+72)/3.
  assert.deepEqual(averages, [61, 72, 232 / 3]);
}

// --- per minute, with an evictor -----------------------------------------------------------------
/** The average per sensor and minute of event time, of the readings `evictor` leaves. */
function minuteAverages(evictor: Evictor<Reading>): Promise<number[]> {
  const env = StreamEnvironment.create();
  return env
    .fromCollection(readings)
    .assignTimestampsAndWatermarks(byReadingTime())
    .keyBy((r) => r.sensor)
    .window(TumblingEventTimeWindows.of(Time.minutes(1)))
    .evictor(evictor)
    .aggregate(average)
    .executeAndCollect('averages per minute');
}

async function lastTenSecondsOfEachMinute(): Promise<void> {
  const averages = await minuteAverages(TimeEvictor.of(Time.seconds(10)));
  // The latest reading is at 58 s: readings at 48 s or before are evicted; 52, 55 and 58 s stay.
  assert.deepEqual(averages, [(90 + 70 + 72) / 3]);
}

async function closeToTheLatest(): Promise<void> {
  const averages = await minuteAverages(DeltaEvictor.of(10, (a: Reading, b: Reading) => Math.abs(a.celsius - b.celsius)));
  // The latest is 72 °C: 60 and 62 (10 or more away) and 90 are evicted; 64, 70 and 72 stay.
  assert.deepEqual(averages, [(64 + 70 + 72) / 3]);
}

// --- early results per session, counted across merges ----------------------------------------------
async function everyThirdClickOfASession(): Promise<void> {
  const env = StreamEnvironment.create();
  // Out of order: the click at 25 s joins the sessions of 0-10 s and 40 s into one.
  const clicks = [0, 10_000, 40_000, 25_000, 50_000, 55_000, 58_000].map((at) => ({ sensor: 'ann', at, celsius: 0 }));
  const counts = await env
    .fromCollection(clicks)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.seconds(30)).withTimestampAssigner((r) => r.at))
    .keyBy((c) => c.sensor)
    .window(EventTimeSessionWindows.withGap(Time.seconds(20)))
    .trigger(CountTrigger.of(3))
    .aggregate({ createAccumulator: () => 0, add: (_c: Reading, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b })
    .executeAndCollect('every third click of a session');
  // Two clicks in [0, 30 s) and one in [40, 60 s): the click at 25 s merges them into one
  // session (counts 2 + 1, and its own: 4 >= 3, fires with 4 clicks; the count starts again);
  // 50, 55 and 58 s make 3 more: fires with all 7 (CountTrigger does not purge).
  assert.deepEqual(counts, [4, 7]);
}

async function main(): Promise<void> {
  await lastThreeEveryTwo();
  await lastTenSecondsOfEachMinute();
  await closeToTheLatest();
  await everyThirdClickOfASession();
  console.log('count, time and delta evictors and a count trigger on sessions: all as documented');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
