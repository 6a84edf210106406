/**
 * docs/time-and-windows.md, the examples beyond the sample: session windows with a
 * ProcessWindowFunction, a global window with a purging count trigger, a custom trigger that
 * fires early, reduce, and windowAll. Each checks its own results.
 * Run: node build/samples/windows/moreWindows.js
 */
import * as assert from 'node:assert/strict';
import {
  Collector,
  CountTrigger,
  EventTimeSessionWindows,
  GlobalWindows,
  ProcessWindowFunction,
  PurgingTrigger,
  StreamEnvironment,
  Time,
  TimeWindow,
  Trigger,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WindowContext,
} from '../../src';

interface Click {
  user: string;
  at: number; // event time, ms
}

const clicks: Click[] = [
  { user: 'ann', at: 0 },
  { user: 'ann', at: 20_000 },
  { user: 'bob', at: 25_000 },
  { user: 'ann', at: 45_000 }, // 25 s after the last: same session (gap 30 s)
  { user: 'ann', at: 120_000 }, // 75 s after: a new session
  { user: 'bob', at: 50_000 },
];

const byClickTime = () => WatermarkStrategy.forBoundedOutOfOrderness<Click>(Time.seconds(5)).withTimestampAssigner((c) => c.at);

// --- session windows -----------------------------------------------------------------------
/** One line per session: user, start, clicks and length; sees all of the session's clicks. */
class DescribeSession extends ProcessWindowFunction<Click, string, string, TimeWindow> {
  process(user: string, ctx: WindowContext<TimeWindow>, session: readonly Click[], out: Collector<string>): void {
    const last = Math.max(...session.map((c) => c.at));
    out.collect(`${user} from ${ctx.window.start / 1000} s: ${session.length} clicks over ${(last - ctx.window.start) / 1000} s`);
  }
}

async function sessions(): Promise<void> {
  const env = StreamEnvironment.create();
  const result = await env
    .fromCollection(clicks)
    .assignTimestampsAndWatermarks(byClickTime())
    .keyBy((c) => c.user)
    .window(EventTimeSessionWindows.withGap(Time.seconds(30)))
    .process(new DescribeSession())
    .executeAndCollect('sessions');
  assert.deepEqual(result.sort(), ['ann from 0 s: 3 clicks over 45 s', 'ann from 120 s: 1 clicks over 0 s', 'bob from 25 s: 2 clicks over 25 s']);
}

// --- a global window with a count trigger -----------------------------------------------------
async function everyThree(): Promise<void> {
  const env = StreamEnvironment.create();
  const sums = await env
    .fromCollection([1, 2, 3, 4, 5, 6, 7, 8])
    .keyBy((n) => n % 2) // odd and even numbers apart
    .window(GlobalWindows.create())
    .trigger(PurgingTrigger.of(CountTrigger.of(3)))
    .reduce((a, b) => a + b)
    .executeAndCollect('sum of every 3 per key');
  // odd: 1+3+5 = 9 (7 waits for two more); even: 2+4+6 = 12 (8 waits). A global window has no
  // end, so what is left at the end of input is never emitted.
  assert.deepEqual(sums.sort((a, b) => a - b), [9, 12]);
}

// --- a custom trigger ---------------------------------------------------------------------------
/**
 * Fires early every `n` elements (without purging, so a later firing includes them), and once
 * more when the watermark passes the window's end, as EventTimeTrigger does.
 */
function earlyEvery<T>(n: number): Trigger<T, TimeWindow> {
  return {
    onElement(_element, _timestamp, window, ctx) {
      ctx.registerEventTimeTimer(window.maxTimestamp());
      const seen = ctx.getState<number>('seen');
      const count = (seen.get() ?? 0) + 1;
      seen.set(count);
      return count % n === 0 ? 'FIRE' : 'CONTINUE';
    },
    onEventTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
    onProcessingTime: () => 'CONTINUE',
    clear(window, ctx) {
      ctx.deleteEventTimeTimer(window.maxTimestamp());
      ctx.getState<number>('seen').clear();
    },
  };
}

async function earlyResults(): Promise<void> {
  const env = StreamEnvironment.create();
  const counts = await env
    .fromCollection(clicks)
    .assignTimestampsAndWatermarks(byClickTime())
    .keyBy((c) => c.user)
    .window(TumblingEventTimeWindows.of(Time.minutes(1)))
    .trigger(earlyEvery<Click>(2))
    .aggregate({ createAccumulator: () => 0, add: (_c: Click, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b })
    .executeAndCollect('early results');
  // ann [0, 60 s): early at 2 clicks, final 3; ann [60, 120 s) is empty; ann [120, 180 s): final 1;
  // bob [0, 60 s): early at 2, final 2.
  assert.deepEqual(counts.sort((a, b) => a - b), [1, 2, 2, 2, 3]);
}

// --- windowAll ------------------------------------------------------------------------------------
async function allUsers(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const perMinute = await env
    .fromCollection(clicks)
    .assignTimestampsAndWatermarks(byClickTime())
    .map((c) => ({ ...c, clicks: 1 }))
    .windowAll(TumblingEventTimeWindows.of(Time.minutes(1)))
    .reduce((a, b) => ({ ...a, clicks: a.clicks + b.clicks })) // one instance sees every click
    .map((r) => r.clicks)
    .executeAndCollect('clicks per minute, all users');
  assert.deepEqual(perMinute.sort((a, b) => a - b), [1, 5]);
}

async function main(): Promise<void> {
  await sessions();
  await everyThree();
  await earlyResults();
  await allUsers();
  console.log('sessions, count trigger, custom trigger and windowAll: all as documented');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
