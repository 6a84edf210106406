import { expect } from 'chai';
import {
  Collector,
  CollectSink,
  CountEvictor,
  CountTrigger,
  DataStream,
  EventTimeSessionWindows,
  GlobalWindows,
  KeyedStream,
  ProcessWindowFunction,
  PurgingTrigger,
  Source,
  StreamEnvironment,
  Time,
  TimeWindow,
  TumblingEventTimeWindows,
  SlidingEventTimeWindows,
  WatermarkStrategy,
  WindowContext,
} from '../../src';
import { RecordingSink } from '../support/RecordingSink';
import { StateBackendUnderTest, onEachStateBackend } from '../support/keyedBackends';

interface View {
  page: string;
  at: number;
}

const VIEWS = 30_000;
const view = (i: number): View => ({ page: `page-${(i * 7) % 13}`, at: i * 3 + ((i * 7919) % 11) });
const countViews = { createAccumulator: () => 0, add: (_v: View, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b };

/** The windows a run counts views in, and what each keeps in state. */
type WindowsOf = (views: KeyedStream<View, string>) => DataStream<number>;

/** Sliding windows keep an accumulator per window. */
const slidingCounts: WindowsOf = (views) => views.window(SlidingEventTimeWindows.of(Time.milliseconds(300), Time.milliseconds(100))).aggregate(countViews);

/** Session windows with an evictor keep their views (a list per window), merged as sessions grow. */
const sessionsOfLastViews: WindowsOf = (views) =>
  views
    .window(EventTimeSessionWindows.withGap(Time.milliseconds(30)))
    .evictor(CountEvictor.of(5))
    .process(new SumOfLastViews());

class SumOfLastViews extends ProcessWindowFunction<View, number, string, TimeWindow> {
  process(_page: string, ctx: WindowContext<TimeWindow>, views: readonly View[], out: Collector<number>): void {
    out.collect(ctx.window.start * 1000 + views.reduce((sum, v) => sum + (v.at % 97), 0));
  }
}

async function pageCounts(backend: StateBackendUnderTest, crashAt: number | undefined, windowsOf: WindowsOf = slidingCounts): Promise<string[]> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64, ...backend.options() });
  env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 5, delayMs: 0 });
  const sink = new CollectSink<string>();
  let job: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  const windowed = env
    .fromGenerator(VIEWS, (i) => {
      if (i === crashAt && !crashed) {
        crashed = true;
        job!.crashTask('Window ', 1);
      }
      return view(i);
    })
    .setParallelism(1)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<View>(Time.milliseconds(20)).withTimestampAssigner((v) => v.at))
    .setParallelism(1)
    .keyBy((v) => v.page);
  windowsOf(windowed)
    .map((n) => String(n)).sinkTo(sink);
  const handle = env.execute('windows under failure');
  job = handle;
  const result = await handle;
  if (crashAt !== undefined) expect(result.restarts).to.equal(1);
  return sink.records().sort();
}

describe('windowing: windows in flight across a failure (exactly-once)', function () {
  this.timeout(60_000);
  onEachStateBackend((backend) => {
    it('a window task crashing with windows open gives the results of an uninterrupted run', async () => {
      const uninterrupted = await pageCounts(backend, undefined);
      expect(uninterrupted.length).to.be.greaterThan(1000);
      expect(await pageCounts(backend, VIEWS / 2)).to.deep.equal(uninterrupted);
    });

    it('session windows with an evictor (their views in state, merging) crashing mid-run give the results of an uninterrupted run', async () => {
      const uninterrupted = await pageCounts(backend, undefined, sessionsOfLastViews);
      expect(uninterrupted.length).to.be.greaterThan(100);
      expect(await pageCounts(backend, VIEWS / 2, sessionsOfLastViews)).to.deep.equal(uninterrupted);
    });
  });
});

describe('windowing: an idle input', function () {
  this.timeout(30_000);

  /** A source that never emits and never ends, as a quiet Kafka partition. */
  const quiet: Source<View> = {
    name: 'Quiet Source',
    parallel: false,
    createReader: () => ({
      poll: () => new Promise((resolve) => setTimeout(() => resolve('more'), 5)),
      position: () => 0,
    }),
  };

  async function windowsBeforeCancel(idleness: boolean): Promise<number> {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const strategy = WatermarkStrategy.forMonotonousTimestamps<View>().withTimestampAssigner((v) => v.at);
    const busy = env.fromGenerator(1000, view).assignTimestampsAndWatermarks(strategy);
    const idle = env.fromSource(quiet).assignTimestampsAndWatermarks(idleness ? strategy.withIdleness(Time.milliseconds(30)) : strategy);
    // Not the collect sink: it commits at the end, and this job never ends, it is cancelled.
    const sink = new RecordingSink<number>();
    busy
      .union(idle)
      .keyBy((v) => v.page)
      .window(TumblingEventTimeWindows.of(Time.milliseconds(100)))
      .aggregate(countViews)
      .sinkTo(sink);
    const job = env.execute('idle input');
    // Long enough for the busy source to finish and for idleness to be declared many times over.
    while (((await job.counters()).operators['Generator Source']?.recordsOut ?? 0) < 1000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    await job.cancel();
    return sink.all().length;
  }

  it('does not hold the watermark back once idleness is declared: windows fire', async () => {
    expect(await windowsBeforeCancel(true)).to.be.greaterThan(0);
  });

  it('without idleness declared, the quiet input holds every window back', async () => {
    expect(await windowsBeforeCancel(false)).to.equal(0);
  });
});

describe('windowing: global windows with a count trigger', () => {
  it('fires every n records of a key and purges', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const out = await env
      .fromCollection([1, 2, 3, 4, 5, 6, 7])
      .keyBy((n) => n % 2)
      .window(GlobalWindows.create())
      .trigger(PurgingTrigger.of(CountTrigger.of(2)))
      .reduce((a, b) => a + b)
      .executeAndCollect();
    // Odd: 1+3, 5+7; even: 2+4, and 6 waits for a partner that never comes.
    expect(out.sort((a, b) => a - b)).to.deep.equal([4, 6, 12]);
  });
});
