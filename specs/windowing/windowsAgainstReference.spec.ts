import { expect } from 'chai';
import fc from 'fast-check';
import {
  Collector,
  CollectSink,
  EventTimeSessionWindows,
  OutputTag,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamEnvironment,
  TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WindowAssigner,
  WindowContext,
} from '../../src';
import { Event, fixedWindowsOf, orderedStreams, outOfOrderStreams as streams, runSettings as settings, sessionsOf, watermarksAtArrival } from '../support/windowReference';
import { StateBackendUnderTest, onEachStateBackend } from '../support/keyedBackends';

/** A window's result as emitted: which key and window, and how many records it counted. */
type Emission = string;
const emission = (key: string, start: number, end: number, count: number): Emission => `${key} [${start},${end}) ${count}`;

class Tag<K extends string | number> extends ProcessWindowFunction<number, Emission, K, TimeWindow> {
  process(key: K, ctx: WindowContext<TimeWindow>, counts: readonly number[], out: Collector<Emission>): void {
    out.collect(emission(String(key), ctx.window.start, ctx.window.end, counts[0]));
  }
}

const count = { createAccumulator: () => 0, add: (_e: Event, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b };

/**
 * What Flink emits for tumbling or sliding windows, computed directly: a window fires once the
 * watermark passes its end with the records that came before; each record arriving later but
 * within the allowed lateness is added and fires an update; a record whose every window is past
 * end + lateness goes to the late output.
 */
function referenceFixedWindows(events: readonly Event[], windowsOf: (t: number) => Array<[number, number]>, batchSize: number, bound: number, lateness: number) {
  const arrival = watermarksAtArrival(events, batchSize, bound);
  const emissions: Emission[] = [];
  const late: number[] = [];
  const before = new Map<string, number>();
  const after = new Map<string, number>();
  events.forEach((e, i) => {
    let accepted = false;
    for (const [start, end] of windowsOf(e.t)) {
      const maxTs = end - 1;
      if (maxTs + lateness <= arrival[i]) continue;
      accepted = true;
      const id = `${e.key} [${start},${end})`;
      if (maxTs <= arrival[i]) {
        const n = (before.get(id) ?? 0) + (after.get(id) ?? 0) + 1;
        after.set(id, (after.get(id) ?? 0) + 1);
        emissions.push(emission(e.key, start, end, n));
      } else before.set(id, (before.get(id) ?? 0) + 1);
    }
    if (!accepted) late.push(e.id);
  });
  for (const [id, n] of before) emissions.push(`${id} ${n}`);
  return { emissions: emissions.sort(), late: late.sort((a, b) => a - b) };
}

/** A key's session as the reference keeps it: [start, end), its records, and when it fires next. */
interface Session {
  start: number;
  end: number;
  count: number;
  /** The watermark that fires it (its max timestamp), or undefined once it fired. */
  firesAt: number | undefined;
}

/**
 * What Flink emits for event-time session windows with out-of-order records and allowed
 * lateness, computed directly on intervals: a record opens [t, t + gap) and joins every
 * session of its key it overlaps or touches; a session fires when the watermark passes its
 * max timestamp (at once, when a record joins it after that: an update), and is gone once the
 * watermark passes max timestamp + lateness. A record whose own session would be gone and
 * that joins none goes to the late output.
 */
function referenceSessions(events: readonly Event[], gap: number, batchSize: number, bound: number, lateness: number) {
  const arrival = watermarksAtArrival(events, batchSize, bound);
  const emissions: Emission[] = [];
  const late: number[] = [];
  const sessions = new Map<string, Session[]>();
  const advanceTo = (watermark: number) => {
    for (const [key, open] of sessions) {
      for (const s of open) {
        if (s.firesAt !== undefined && s.firesAt <= watermark) {
          emissions.push(emission(key, s.start, s.end, s.count));
          s.firesAt = undefined;
        }
      }
      sessions.set(key, open.filter((s) => s.end - 1 + lateness > watermark));
    }
  };
  events.forEach((e, i) => {
    const watermark = arrival[i];
    advanceTo(watermark);
    const open = sessions.get(e.key) ?? [];
    const joined = open.filter((s) => s.start <= e.t + gap && s.end >= e.t);
    const start = Math.min(e.t, ...joined.map((s) => s.start));
    const end = Math.max(e.t + gap, ...joined.map((s) => s.end));
    if (joined.length === 0 && end - 1 + lateness <= watermark) {
      late.push(e.id);
      return;
    }
    const unchanged = joined.length === 1 && joined[0].start === start && joined[0].end === end;
    const session: Session = unchanged ? joined[0] : { start, end, count: joined.reduce((n, s) => n + s.count, 0), firesAt: end - 1 };
    session.count++;
    if (end - 1 <= watermark) {
      emissions.push(emission(e.key, start, end, session.count));
      session.firesAt = undefined;
    }
    sessions.set(e.key, [...open.filter((s) => !joined.includes(s)), session]);
  });
  advanceTo(Infinity);
  return { emissions: emissions.sort(), late: late.sort((a, b) => a - b) };
}

/** `all`: windowAll, one window per time range for the whole stream (its key is 0). */
async function run(backend: StateBackendUnderTest, events: readonly Event[], assigner: WindowAssigner<TimeWindow>, batchSize: number, bound: number, lateness: number, all = false) {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize, ...backend.options() });
  const lateTag = new OutputTag<Event>('late');
  const timed = env
    .fromCollection(events)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(bound).withTimestampAssigner((e) => e.t))
    // Chained to the (non-parallel) source: one watermark sequence, the one the reference follows.
    .setParallelism(1);
  const windowed = all
    ? timed.windowAll(assigner).allowedLateness(lateness).sideOutputLateData(lateTag).aggregate(count, new Tag<number>())
    : timed.keyBy((e) => e.key).window(assigner).allowedLateness(lateness).sideOutputLateData(lateTag).aggregate(count, new Tag<string>());
  const lateSink = new CollectSink<Event>();
  windowed.getSideOutput(lateTag).sinkTo(lateSink);
  const emissions = await windowed.executeAndCollect('windows');
  return { emissions: emissions.sort(), late: lateSink.records().map((e) => e.id).sort((a, b) => a - b) };
}

describe('windowing: event-time windows against a reference computed from the input', function () {
  this.timeout(120_000);
  onEachStateBackend((backend) => {

    it('tumbling windows: results, updates within allowed lateness, and late records in the side output only', async () => {
      await fc.assert(
        fc.asyncProperty(streams, settings, fc.integer({ min: 1, max: 15 }), async (events, { batchSize, bound, lateness }, size) => {
          const windowsOf = fixedWindowsOf(size, size);
          const actual = await run(backend, events, TumblingEventTimeWindows.of(size), batchSize, bound, lateness);
          expect(actual).to.deep.equal(referenceFixedWindows(events, windowsOf, batchSize, bound, lateness));
        }),
        { numRuns: 60 },
      );
    });

    it('sliding windows: every window an element belongs to, with the same rules', async () => {
      await fc.assert(
        fc.asyncProperty(streams, settings, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), async (events, { batchSize, bound, lateness }, slide, slides) => {
          const size = slide * slides;
          const windowsOf = fixedWindowsOf(size, slide);
          const actual = await run(backend, events, SlidingEventTimeWindows.of(size, slide), batchSize, bound, lateness);
          expect(actual).to.deep.equal(referenceFixedWindows(events, windowsOf, batchSize, bound, lateness));
        }),
        { numRuns: 60 },
      );
    });

    it('windowAll: tumbling windows over the whole stream, with the same rules', async () => {
      await fc.assert(
        fc.asyncProperty(streams, settings, fc.integer({ min: 1, max: 15 }), async (events, { batchSize, bound, lateness }, size) => {
          const actual = await run(backend, events, TumblingEventTimeWindows.of(size), batchSize, bound, lateness, true);
          const asOneKey = events.map((e) => ({ ...e, key: '0' }));
          expect(actual).to.deep.equal(referenceFixedWindows(asOneKey, fixedWindowsOf(size, size), batchSize, bound, lateness));
        }),
        { numRuns: 40 },
      );
    });

    it('session windows with disorder and allowed lateness: merges, updates within the lateness, and late records in the side output only', async () => {
      await fc.assert(
        fc.asyncProperty(streams, settings, fc.integer({ min: 1, max: 8 }), async (events, { batchSize, bound, lateness }, gap) => {
          const actual = await run(backend, events, EventTimeSessionWindows.withGap(gap), batchSize, bound, lateness);
          expect(actual).to.deep.equal(referenceSessions(events, gap, batchSize, bound, lateness));
        }),
        { numRuns: 80 },
      );
    });

    it('session windows: each key\'s sessions are its records split where the gap is exceeded, touching sessions merged', async () => {
      await fc.assert(
        fc.asyncProperty(
          orderedStreams(['a', 'b']),
          fc.integer({ min: 1, max: 8 }),
          fc.integer({ min: 1, max: 6 }),
          async (events, batchSize, gap) => {
            const expected: Emission[] = [];
            for (const key of ['a', 'b']) {
              for (const session of sessionsOf(events, key, gap)) expected.push(emission(key, session[0].t, session[session.length - 1].t + gap, session.length));
            }
            // Watermarks lag by the gap: a session closes only once no record can extend it any more.
            const actual = await run(backend, events, EventTimeSessionWindows.withGap(gap), batchSize, gap, 0);
            expect(actual).to.deep.equal({ emissions: expected.sort(), late: [] });
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
