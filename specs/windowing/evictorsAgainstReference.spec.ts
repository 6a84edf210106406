import { expect } from 'chai';
import fc from 'fast-check';
import {
  Collector,
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  EventTimeSessionWindows,
  Evictor,
  GlobalWindows,
  OutputTag,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamEnvironment,
  TimeEvictor,
  TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WindowAssigner,
  WindowContext,
} from '../../src';
import { Event, fixedWindowsOf, orderedStreams, outOfOrderStreams, runSettings, sessionsOf, watermarksAtArrival } from '../support/windowReference';
import { onEachStateBackend } from '../support/keyedBackends';

/** Which evictor, how far it evicts, and whether before or after the window function. */
interface EvictorChoice {
  kind: 'count' | 'time' | 'delta';
  amount: number;
  after: boolean;
}

const evictorChoices = fc.record({ kind: fc.constantFrom<EvictorChoice['kind']>('count', 'time', 'delta'), amount: fc.integer({ min: 0, max: 6 }), after: fc.boolean() });

/** Distance in event time, for the delta evictor. */
const timeDistance = (a: Event, b: Event) => Math.abs(a.t - b.t);

function evictorOf(choice: EvictorChoice): Evictor<Event> {
  if (choice.kind === 'count') return CountEvictor.of(choice.amount, choice.after);
  if (choice.kind === 'time') return TimeEvictor.of(choice.amount, choice.after);
  return DeltaEvictor.of(choice.amount, timeDistance, choice.after);
}

/** Flink's three evictors, written directly over a window's elements in order. */
function evictDirectly(elements: readonly Event[], { kind, amount }: EvictorChoice): Event[] {
  if (elements.length === 0) return [];
  if (kind === 'count') return elements.slice(Math.max(0, elements.length - amount));
  if (kind === 'time') {
    const latest = Math.max(...elements.map((e) => e.t));
    return elements.filter((e) => e.t > latest - amount);
  }
  const last = elements[elements.length - 1];
  return elements.filter((e) => timeDistance(e, last) < amount);
}

/** One firing: the key, the window and the ids the window function saw, in order. */
const firing = (key: string, start: number | string, end: number | string, ids: readonly number[]) => `${key} [${start},${end}) ${ids.join(',')}`;

/**
 * The window's elements as a reference keeps them: firing evicts before (or not), emits what
 * is left, evicts after (or not), and keeps what is left for the next firing.
 */
function fireDirectly(elements: Event[], choice: EvictorChoice, emit: (ids: number[]) => void): Event[] {
  const seen = choice.after ? elements : evictDirectly(elements, choice);
  if (seen.length > 0) emit(seen.map((e) => e.id));
  return choice.after ? evictDirectly(seen, choice) : seen;
}

/**
 * Tumbling or sliding windows with an evictor, as Flink runs them: the window keeps the
 * records that came before the watermark passed its end and fires once with them; each record
 * within the allowed lateness after that is added and fires again; evicted records are gone
 * for later firings. Records late for all their windows go to the late output.
 */
function referenceWithEvictor(events: readonly Event[], windowsOf: (t: number) => Array<[number, number]>, batchSize: number, bound: number, lateness: number, choice: EvictorChoice) {
  const arrival = watermarksAtArrival(events, batchSize, bound);
  const firings: string[] = [];
  const late: number[] = [];
  const windows = new Map<string, { key: string; start: number; end: number; elements: Event[]; firedOnTime: boolean }>();
  events.forEach((e, i) => {
    let accepted = false;
    for (const [start, end] of windowsOf(e.t)) {
      const maxTs = end - 1;
      const id = `${e.key} [${start},${end})`;
      const window = windows.get(id) ?? { key: e.key, start, end, elements: [], firedOnTime: false };
      windows.set(id, window);
      const emit = (ids: number[]) => firings.push(firing(e.key, start, end, ids));
      // The watermark passed the end before this record came: the window fired then.
      if (maxTs <= arrival[i] && !window.firedOnTime) {
        window.firedOnTime = true;
        window.elements = fireDirectly(window.elements, choice, emit);
      }
      if (maxTs + lateness <= arrival[i]) continue;
      accepted = true;
      window.elements.push(e);
      if (maxTs <= arrival[i]) window.elements = fireDirectly(window.elements, choice, emit);
    }
    if (!accepted) late.push(e.id);
  });
  for (const w of windows.values()) {
    if (!w.firedOnTime) fireDirectly(w.elements, choice, (ids) => firings.push(firing(w.key, w.start, w.end, ids)));
  }
  return { firings: firings.sort(), late: late.sort((a, b) => a - b) };
}

/** Emits the ids the window function sees, in order. */
class Ids extends ProcessWindowFunction<Event, string, string, TimeWindow> {
  process(key: string, ctx: WindowContext<TimeWindow>, elements: readonly Event[], out: Collector<string>): void {
    out.collect(firing(key, ctx.window.start, ctx.window.end, elements.map((e) => e.id)));
  }
}

function timed<E extends Event>(env: StreamEnvironment, events: readonly E[], bound: number) {
  return (
    env
      .fromCollection(events)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<E>(bound).withTimestampAssigner((e) => e.t))
      // Chained to the (non-parallel) source: one watermark sequence, the one the reference follows.
      .setParallelism(1)
  );
}

describe('windowing: evictors against a reference computed from the input', function () {
  this.timeout(120_000);
  onEachStateBackend((backend) => {

    it('tumbling and sliding windows with a count, time or delta evictor, before or after the function, with disorder and allowed lateness', async () => {
      await fc.assert(
        fc.asyncProperty(
          outOfOrderStreams,
          runSettings,
          evictorChoices,
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 3 }),
          async (events, { batchSize, bound, lateness }, choice, slide, slides) => {
            const size = slide * slides;
            const assigner: WindowAssigner<TimeWindow> = slides === 1 ? TumblingEventTimeWindows.of(size) : SlidingEventTimeWindows.of(size, slide);
            const env = StreamEnvironment.create({ parallelism: 2, batchSize, ...backend.options() });
            const lateTag = new OutputTag<Event>('late');
            const windowed = timed(env, events, bound)
              .keyBy((e) => e.key)
              .window(assigner)
              .evictor(evictorOf(choice))
              .allowedLateness(lateness)
              .sideOutputLateData(lateTag)
              .process(new Ids());
            const lateIds: number[] = [];
            windowed.getSideOutput(lateTag).sinkTo({ name: 'Late', createWriter: () => ({ write: (es: readonly Event[]) => void lateIds.push(...es.map((e) => e.id)) }) });
            const firings = (await windowed.executeAndCollect('evictors')).sort();
            expect({ firings, late: lateIds.sort((a, b) => a - b) }).to.deep.equal(referenceWithEvictor(events, fixedWindowsOf(size, slide), batchSize, bound, lateness, choice));
          },
        ),
        { numRuns: 60 },
      );
    });

    it("global windows with CountTrigger.of(slide) and CountEvictor.of(size): every slide records of a key, the sum of the key's last size records (aggregate)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 150 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 8 }),
          async (records, size, slide, batchSize) => {
            const expected: string[] = [];
            for (const key of ['a', 'b', 'c']) {
              const values = records.filter((r) => r.key === key).map((r) => r.value);
              for (let n = slide; n <= values.length; n += slide) expected.push(`${key} ${values.slice(Math.max(0, n - size), n).reduce((a, b) => a + b, 0)}`);
            }
            const env = StreamEnvironment.create({ parallelism: 2, batchSize, ...backend.options() });
            const sums = await env
              .fromCollection(records)
              .keyBy((r) => r.key)
              .window(GlobalWindows.create())
              .trigger(CountTrigger.of(slide))
              .evictor(CountEvictor.of(size))
              .aggregate(
                {
                  createAccumulator: () => ({ key: '', sum: 0 }),
                  add: (r: { key: string; value: number }, acc: { key: string; sum: number }) => ({ key: r.key, sum: acc.sum + r.value }),
                  getResult: (acc: { key: string; sum: number }) => `${acc.key} ${acc.sum}`,
                  merge: (a: { key: string; sum: number }, b: { key: string; sum: number }) => ({ key: a.key, sum: a.sum + b.sum }),
                },
              )
              .executeAndCollect('count windows');
            expect(sums.sort()).to.deep.equal(expected.sort());
          },
        ),
        { numRuns: 60 },
      );
    });

    it("session windows with an evictor: merged sessions keep their elements in order, and the evictor sees the whole session (reduce)", async () => {
      await fc.assert(
        fc.asyncProperty(orderedStreams(['a', 'b']), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 }), evictorChoices, async (events, batchSize, gap, choice) => {
          const expected: string[] = [];
          for (const key of ['a', 'b']) {
            for (const session of sessionsOf(events, key, gap)) {
              fireDirectly(session, choice, (ids) => expected.push(firing(key, session[0].t, session[session.length - 1].t + gap, ids)));
            }
          }
          const env = StreamEnvironment.create({ parallelism: 2, batchSize, ...backend.options() });
          // A reduce that lists ids, so the evicted ones show; the window function adds the window.
          type Listed = Event & { ids: number[] };
          class Listing extends ProcessWindowFunction<Listed, string, string, TimeWindow> {
            process(key: string, ctx: WindowContext<TimeWindow>, [listed]: readonly Listed[], out: Collector<string>): void {
              out.collect(firing(key, ctx.window.start, ctx.window.end, listed.ids));
            }
          }
          const listed = events.map((e): Listed => ({ ...e, ids: [e.id] }));
          // Watermarks lag by the gap: a session closes only once no record can extend it any more.
          const actual = await timed(env, listed, gap)
            .keyBy((e) => e.key)
            .window(EventTimeSessionWindows.withGap(gap))
            .evictor(evictorOf(choice) as Evictor<Listed>)
            .reduce((a, b) => ({ ...b, ids: [...a.ids, ...b.ids] }), new Listing())
            .executeAndCollect('sessions with an evictor');
          expect(actual.sort()).to.deep.equal(expected.sort());
        }),
        { numRuns: 60 },
      );
    });
  });
});
