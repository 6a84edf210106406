import { expect } from 'chai';
import {
  Collector,
  CollectSink,
  KeyedProcessContext,
  KeyedProcessFunction,
  OnTimerContext,
  StreamEnvironment,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
} from '../../src';
import { StateBackendUnderTest, onEachStateBackend } from '../support/keyedBackends';

import { Click, QuietAfter, clicks } from '../support/quietAfter';

function job(backend: StateBackendUnderTest, events: Click[], crashAt?: number) {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 16, ...backend.options() });
  env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
  const sink = new CollectSink<string>();
  let handle: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  env
    .fromGenerator(events.length, (i) => {
      if (i === crashAt && !crashed) {
        crashed = true;
        handle!.crashTask('Keyed Process', 0);
      }
      return events[i];
    })
    .setParallelism(1)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Click>(45).withTimestampAssigner((c) => c.at))
    .setParallelism(1)
    .keyBy((c) => c.user)
    .process(new QuietAfter())
    .sinkTo(sink);
  const running = env.execute('timers');
  handle = running;
  return { running, sink };
}

describe('windowing: timers in a KeyedProcessFunction', function () {
  this.timeout(60_000);
  onEachStateBackend((backend) => {

    it('fires an event-time timer once the watermark passes it, with the timer time as the output timestamp; a deleted timer never fires', async () => {
      // One source batch: the watermark (54) comes after all four clicks, so a's timer at 15 was
      // deleted by the click at 100 before event time reached it.
      const { running, sink } = job(backend, [
        { user: 'a', at: 0 },
        { user: 'a', at: 5 },
        { user: 'b', at: 6 },
        { user: 'a', at: 100 },
      ]);
      await running;
      expect(sink.records().sort()).to.deep.equal([
        'a 3 clicks, quiet at 110 (event, output timestamp 110)',
        'b 1 clicks, quiet at 16 (event, output timestamp 16)',
      ]);
    });

    it('restores timers from the checkpoint after a task crash: the output equals an uninterrupted run', async () => {
      const events = clicks(20_000);
      const uninterrupted = job(backend, events);
      await uninterrupted.running;
      const expected = uninterrupted.sink.records().sort();
      expect(expected.length).to.be.greaterThan(100);
      const crashed = job(backend, events, 10_000);
      const result = await crashed.running;
      expect(result.restarts).to.equal(1);
      expect(crashed.sink.records().sort()).to.deep.equal(expected);
    });

    it('fires processing-time timers with the clock', async () => {
      class Later extends KeyedProcessFunction<number, number, string> {
        processElement(n: number, ctx: KeyedProcessContext<number>): void {
          ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 20);
        }
        onTimer(_t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
          out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()}`);
        }
      }
      const env = StreamEnvironment.create({ parallelism: 1, ...backend.options() });
      const seen: string[] = [];
      env.fromGenerator(Infinity, (i) => i % 3).keyBy((n) => n).process(new Later()).sinkTo({ name: 'Seen', createWriter: () => ({ write: (rs: readonly string[]) => void seen.push(...rs) }) });
      const running = env.execute('processing-time timers');
      while (seen.length < 3) await new Promise((r) => setTimeout(r, 5));
      await running.cancel();
      expect(new Set(seen.slice(0, 3).map((s) => s.split(' ')[1]))).to.deep.equal(new Set(['processing']));
    });

    it('processing-time windows fire with the clock while the job runs', async () => {
      const env = StreamEnvironment.create({ parallelism: 1, ...backend.options() });
      const fired: number[] = [];
      env
        .fromGenerator(Infinity, (i) => i)
        .keyBy(() => 'all')
        .window(TumblingProcessingTimeWindows.of(20))
        .aggregate({ createAccumulator: () => 0, add: (_n: number, c: number) => c + 1, getResult: (c: number) => c, merge: (a: number, b: number) => a + b })
        .sinkTo({ name: 'Fired', createWriter: () => ({ write: (rs: readonly number[]) => void fired.push(...rs) }) });
      const running = env.execute('processing-time windows');
      while (fired.length < 3) await new Promise((r) => setTimeout(r, 5));
      await running.cancel();
      expect(fired.slice(0, 3).every((n) => n > 0)).to.equal(true);
    });
  });
});
