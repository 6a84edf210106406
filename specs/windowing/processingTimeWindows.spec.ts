import { expect } from 'chai';
import {
  Collector,
  ProcessingTimeSessionWindows,
  ProcessWindowFunction,
  SlidingProcessingTimeWindows,
  Source,
  StreamEnvironment,
  TimeWindow,
  TumblingProcessingTimeWindows,
  WindowAssigner,
  WindowContext,
} from '../../src';
import { RecordingSink } from '../support/RecordingSink';

/** A window's result: its key, bounds and the ids of its records. */
interface Fired {
  key: number;
  start: number;
  end: number;
  ids: number[];
}

class Describe extends ProcessWindowFunction<number, Fired, number, TimeWindow> {
  process(key: number, ctx: WindowContext<TimeWindow>, ids: readonly number[], out: Collector<Fired>): void {
    out.collect({ key, start: ctx.window.start, end: ctx.window.end, ids: [...ids] });
  }
}

/**
 * `n` records, a few per poll with pauses between (so they spread over several windows of
 * processing time), then nothing, without ending: processing-time windows only fire with the
 * clock, and a bounded input's end would leave the last ones open.
 */
function trickle(n: number, perPoll: number, pauseMs: number): Source<number> {
  return {
    name: 'Trickle',
    parallel: false,
    createReader: () => {
      let next = 0;
      return {
        poll: (max, emit) => {
          for (let i = 0; i < Math.min(max, perPoll) && next < n; i++) emit(next++);
          return new Promise((resolve) => setTimeout(() => resolve('more'), pauseMs));
        },
        position: () => next,
      };
    },
  };
}

async function fireAll(assigner: WindowAssigner<TimeWindow>, n: number, expectedIds: number, settleMs: number): Promise<Fired[]> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const sink = new RecordingSink<Fired>();
  env
    .fromSource(trickle(n, 7, 3))
    .keyBy((id) => id % 3)
    .window(assigner)
    .process(new Describe())
    .sinkTo(sink);
  const job = env.execute('processing-time windows');
  const seen = () => sink.all().reduce((k, f) => k + f.ids.length, 0);
  while (seen() < expectedIds) await new Promise((r) => setTimeout(r, 5));
  // Long enough for any window fired twice, or a record counted twice, to show.
  await new Promise((r) => setTimeout(r, settleMs));
  await job.cancel();
  return sink.all();
}

describe('windowing: processing-time windows', function () {
  this.timeout(30_000);

  it('tumbling: every record is in exactly one window of its key, of the window\'s size and alignment', async () => {
    const fired = await fireAll(TumblingProcessingTimeWindows.of(20), 300, 300, 100);
    const ids = fired.flatMap((f) => f.ids).sort((a, b) => a - b);
    expect(ids).to.deep.equal(Array.from({ length: 300 }, (_, i) => i));
    for (const f of fired) {
      expect(f.end - f.start).to.equal(20);
      expect(f.start % 20).to.equal(0);
      expect(f.ids.every((id) => id % 3 === f.key)).to.equal(true);
    }
    // Records come in order, windows cut them in order: each window holds a run of its key's ids.
    const windows = new Set(fired.map((f) => `${f.key} ${f.start}`));
    expect(windows.size).to.equal(fired.length);
  });

  it('sliding: every record is in each of its size / slide windows exactly once', async () => {
    const fired = await fireAll(SlidingProcessingTimeWindows.of(30, 10), 200, 600, 100);
    const times = new Map<number, number>();
    for (const f of fired) {
      expect(f.end - f.start).to.equal(30);
      expect(f.start % 10).to.equal(0);
      for (const id of f.ids) times.set(id, (times.get(id) ?? 0) + 1);
    }
    expect([...times.keys()].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
    expect(new Set(times.values())).to.deep.equal(new Set([3]));
  });

  it('sessions: each record is in exactly one session of its key, and a key\'s sessions are at least a gap long and a gap apart', async () => {
    const fired = await fireAll(ProcessingTimeSessionWindows.withGap(50), 150, 150, 150);
    expect(fired.flatMap((f) => f.ids).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 150 }, (_, i) => i));
    for (const key of [0, 1, 2]) {
      const sessions = fired.filter((f) => f.key === key).sort((a, b) => a.start - b.start);
      sessions.forEach((s, i) => {
        expect(s.end - s.start).to.be.at.least(50);
        expect(s.ids.every((id) => id % 3 === key)).to.equal(true);
        // Sessions that touched would have merged.
        if (i > 0) expect(s.start).to.be.greaterThan(sessions[i - 1].end);
      });
    }
  });
});
