import { expect } from 'chai';
import fc from 'fast-check';
import {
  Collector,
  CountTrigger,
  EventTimeSessionWindows,
  ProcessWindowFunction,
  PurgingTrigger,
  StreamEnvironment,
  TimeWindow,
  Trigger,
  WatermarkStrategy,
  WindowContext,
} from '../../src';
import { Event, orderedStreams, sessionsOf } from '../support/windowReference';
import { StateBackendUnderTest, onEachStateBackend } from '../support/keyedBackends';

/** One firing: key, window and the number of elements the window held. */
const firing = (key: string, start: number, end: number, count: number) => `${key} [${start},${end}) ${count}`;

class Counted extends ProcessWindowFunction<number, string, string, TimeWindow> {
  process(key: string, ctx: WindowContext<TimeWindow>, [count]: readonly number[], out: Collector<string>): void {
    out.collect(firing(key, ctx.window.start, ctx.window.end, count));
  }
}

const count = { createAccumulator: () => 0, add: (_e: Event, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b };

function sessionCounts(backend: StateBackendUnderTest, events: readonly Event[], gap: number, batchSize: number, bound: number, trigger: Trigger<Event, TimeWindow>): Promise<string[]> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize, ...backend.options() });
  return env
    .fromCollection(events)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(bound).withTimestampAssigner((e) => e.t))
    .setParallelism(1)
    .keyBy((e) => e.key)
    .window(EventTimeSessionWindows.withGap(gap))
    .trigger(trigger)
    .aggregate(count, new Counted())
    .executeAndCollect('triggers on sessions');
}

describe('windowing: triggers on merging (session) windows', function () {
  this.timeout(120_000);
  onEachStateBackend((backend) => {

    it('CountTrigger counts a session across merges (onMerge sums the merged windows\' counts); purging restarts the count, the session goes on', async () => {
      await fc.assert(
        fc.asyncProperty(orderedStreams(['a', 'b']), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (events, batchSize, gap, n, purging) => {
          // Every n-th element of a session fires the session as it is then: from its start to
          // that element's time plus the gap, with all its elements (or the last n, purging).
          const expected: string[] = [];
          for (const key of ['a', 'b']) {
            for (const session of sessionsOf(events, key, gap)) {
              session.forEach((e, i) => {
                if ((i + 1) % n === 0) expected.push(firing(key, session[0].t, e.t + gap, purging ? n : i + 1));
              });
            }
          }
          // Watermarks lag by the gap: a session closes only once no record can extend it any more.
          const actual = await sessionCounts(backend, events, gap, batchSize, gap, purging ? PurgingTrigger.of(CountTrigger.of<Event>(n)) : CountTrigger.of<Event>(n));
          expect(actual.sort()).to.deep.equal(expected.sort());
        }),
        { numRuns: 60 },
      );
    });

    it('an element that bridges two sessions merges both into one, and their counts add up', async () => {
      // Gap 5: sessions [0,5) and [8,13); the element at 4 ([4,9)) touches both: one session [0,13) of 3.
      const events: Event[] = [
        { id: 0, key: 'a', t: 0 },
        { id: 1, key: 'a', t: 8 },
        { id: 2, key: 'a', t: 4 },
      ];
      expect(await sessionCounts(backend, events, 5, 1, 100, CountTrigger.of<Event>(3))).to.deep.equal([firing('a', 0, 13, 3)]);
      // Two: the merged count is already 2, so the bridging element makes 3, which fires (>= 2).
      expect(await sessionCounts(backend, events, 5, 1, 100, CountTrigger.of<Event>(2))).to.deep.equal([firing('a', 0, 13, 3)]);
    });

    it('a custom trigger merges its own state with mergePartitionedState', async () => {
      /** Fires once the session's timestamps add up to more than 20; the sum is per window. */
      const sumAbove20: Trigger<Event, TimeWindow> = {
        onElement(e, _ts, _w, ctx) {
          const sum = ctx.getState<number>('sum');
          const next = (sum.get() ?? 0) + e.t;
          sum.set(next);
          return next > 20 ? 'FIRE' : 'CONTINUE';
        },
        onEventTime: () => 'CONTINUE',
        onProcessingTime: () => 'CONTINUE',
        canMerge: () => true,
        onMerge: (_w, ctx) => ctx.mergePartitionedState<number>('sum', (a, b) => a + b),
        clear: (_w, ctx) => ctx.getState<number>('sum').clear(),
      };
      // Gap 8. Sums: [2,10) 2, [14,22) 14; the element at 6 ([6,14)) bridges them: 2 + 14 + 6 = 22 > 20.
      const events: Event[] = [
        { id: 0, key: 'a', t: 2 },
        { id: 1, key: 'a', t: 14 },
        { id: 2, key: 'a', t: 6 },
      ];
      expect(await sessionCounts(backend, events, 8, 1, 100, sumAbove20)).to.deep.equal([firing('a', 2, 22, 3)]);
    });

    it('refuses, when the job is defined, a trigger that cannot merge on session windows', () => {
      const env = StreamEnvironment.create();
      const noMerge: Trigger<number> = { onElement: () => 'FIRE', onEventTime: () => 'CONTINUE', onProcessingTime: () => 'CONTINUE', clear: () => undefined };
      const windowed = env.fromCollection([1]).keyBy((n) => n).window(EventTimeSessionWindows.withGap(5));
      expect(() => windowed.trigger(noMerge)).to.throw('EventTimeSessionWindows(5) merges windows, so its trigger must support merging: give the trigger canMerge() { return true } and an onMerge(window, ctx)');
    });
  });
});
