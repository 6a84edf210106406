import { expect } from 'chai';
import fc from 'fast-check';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  AsyncDataStream,
  AsyncRetryStrategies,
  AsyncTimeoutError,
  CollectSink,
  DeadLetter,
  FileSink,
  Supervision,
  StreamEnvironment,
  UserFunctionFailed,
  WatermarkStrategy,
  supervisionDeadLetters,
} from '../../src';
import { Output, StreamOperator } from '../../src/graph/StreamOperator';
import { failureOf } from '../support/failureOf';

/** What the sink sees: records, and the watermarks that passed between them. */
type Seen = { readonly record: number } | { readonly watermark: number };

/** Emits each record and each watermark it receives as a record, in the order they came. */
class WatermarkRecorder implements StreamOperator<number, Seen> {
  private out!: Output<Seen>;
  open(_context: unknown, output: Output<Seen>): void {
    this.out = output;
  }
  processElement(record: number): void {
    this.out.collect({ record });
  }
  processWatermark(watermark: number): void {
    if (watermark !== Infinity) this.out.collect({ watermark });
    this.out.emitWatermark(watermark);
  }
}

/** Counts the calls in flight at once, and the most seen. */
class InFlight {
  now = 0;
  max = 0;
  /** Resolves `value` after `ms`, counting the call in flight meanwhile. */
  after<T>(ms: number, value: T): Promise<T> {
    this.now++;
    this.max = Math.max(this.max, this.now);
    return new Promise<T>((resolve) =>
      setTimeout(() => {
        this.now--;
        resolve(value);
      }, ms),
    );
  }
}

interface RunOptions {
  readonly mode: 'ordered' | 'unordered';
  readonly records: number;
  readonly capacity: number;
  /** Latency of the call for record i. */
  readonly latencies: readonly number[];
  /** The record whose first call crashes the task (-1: none). */
  readonly crashAt: number;
  /** Unaligned checkpoints, with the source in a task of its own (barriers overtake records in flight to the operator). */
  readonly unaligned?: boolean;
}

/**
 * source (timestamp = record, a watermark after each batch) -> Async I/O (the record times
 * ten, after its latency) -> recorder -> exactly-once CollectSink, all chained in one task;
 * checkpoints every 5 ms; the restart delay (20 ms) outlasts any call, so the crashed
 * attempt's calls have settled before the next attempt makes its own.
 */
async function run(o: RunOptions): Promise<{ seen: Seen[]; restarts: number; maxInFlight: number }> {
  const env = StreamEnvironment.create({ parallelism: 1, batchSize: 16 });
  env.enableCheckpointing(5, 'exactly-once', { unaligned: o.unaligned === true }).setRestartStrategy({ type: 'fixed-delay', attempts: 5, delayMs: 20 });
  const inFlight = new InFlight();
  const sink = new CollectSink<Seen>();
  let job: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  const timed = env.fromGenerator(o.records, (i) => i).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i) => i));
  const call = (i: number) => {
    if (i === o.crashAt && !crashed) {
      crashed = true;
      job!.crashTask('Async I/O', 0);
    }
    return inFlight.after(o.latencies[i % o.latencies.length], i * 10);
  };
  const options = { timeoutMs: 10_000, capacity: o.capacity };
  const input = o.unaligned === true ? timed.rebalance() : timed;
  const results = o.mode === 'ordered' ? AsyncDataStream.orderedWait(input, call, options) : AsyncDataStream.unorderedWait(input, call, options);
  results.transform<Seen>('Watermark Recorder', () => new WatermarkRecorder()).sinkTo(sink);
  const handle = env.execute(`async-io-${o.mode}`);
  job = handle;
  const result = await handle;
  return { seen: sink.records(), restarts: result.restarts, maxInFlight: inFlight.max };
}

const recordsOf = (seen: readonly Seen[]) => seen.flatMap((s) => ('record' in s ? [s.record] : []));

/** Every watermark comes after all records at or before it, and before every record past it. */
function watermarkOrderProblems(seen: readonly Seen[]): string[] {
  const problems: string[] = [];
  const emitted = new Set<number>();
  let watermark = -Infinity;
  for (const s of seen) {
    if ('watermark' in s) {
      for (let r = 0; r <= s.watermark; r++) if (!emitted.has(r * 10)) problems.push(`watermark ${s.watermark} before record ${r}`);
      watermark = Math.max(watermark, s.watermark);
    } else {
      if (s.record / 10 <= watermark) problems.push(`record ${s.record / 10} after watermark ${watermark}`);
      emitted.add(s.record);
    }
  }
  return problems;
}

const scenario = fc.record({
  records: fc.integer({ min: 50, max: 400 }),
  capacity: fc.integer({ min: 1, max: 24 }),
  latencies: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 50 }),
  crash: fc.option(fc.double({ min: 0.1, max: 0.9, noNaN: true }), { nil: undefined }),
});

describe('api/AsyncDataStream', function () {
  this.timeout(120_000);

  const outputs = {
    ordered: { name: 'every result exactly once in input order', results: (seen: readonly Seen[]) => recordsOf(seen) },
    unordered: { name: 'every result exactly once', results: (seen: readonly Seen[]) => [...recordsOf(seen)].sort((a, b) => a - b) },
  };
  for (const mode of ['ordered', 'unordered'] as const) {
    describe(`${mode}Wait, random latencies and capacities, a task crash in some runs (fast-check)`, () => {
      it(`emits ${outputs[mode].name}, no record across a watermark, never more calls in flight than capacity`, async () => {
        await fc.assert(
          fc.asyncProperty(scenario, async (s) => {
            const crashAt = s.crash === undefined ? -1 : Math.floor(s.crash * s.records);
            const r = await run({ mode, records: s.records, capacity: s.capacity, latencies: s.latencies, crashAt });
            expect(outputs[mode].results(r.seen)).to.deep.equal(Array.from({ length: s.records }, (_, i) => i * 10));
            expect(r.seen.some((seen) => 'watermark' in seen)).to.equal(true);
            expect(watermarkOrderProblems(r.seen)).to.deep.equal([]);
            expect(r.maxInFlight).to.be.at.most(s.capacity);
            expect(r.restarts).to.equal(crashAt < 0 ? 0 : 1);
          }),
          { numRuns: 8 },
        );
      });
    });
  }

  describe('orderedWait under unaligned checkpoints, the source in another task, a task crash', () => {
    it('emits every result exactly once in input order', async () => {
      const r = await run({ mode: 'ordered', records: 400, capacity: 8, latencies: [1, 3, 0, 2], crashAt: 250, unaligned: true });
      expect(recordsOf(r.seen)).to.deep.equal(Array.from({ length: 400 }, (_, i) => i * 10));
      expect(watermarkOrderProblems(r.seen)).to.deep.equal([]);
      expect(r.restarts).to.equal(1);
    });
  });

  describe('unorderedWait', () => {
    it('emits a fast result before a slow one that came first', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const out = await AsyncDataStream.unorderedWait(env.fromCollection([30, 1]), (ms) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms)), { timeoutMs: 1_000 }).executeAndCollect();
      expect(out).to.deep.equal([1, 30]);
    });
  });

  describe('at capacity, upstream of another task', () => {
    it('holds the source back through credits: it runs ahead of the calls by at most the channel, its output and one batch', async () => {
      const batchSize = 8;
      const channelCapacity = 16;
      const env = StreamEnvironment.create({ parallelism: 1, batchSize, channelCapacity });
      const inFlight = new InFlight();
      let generated = 0;
      let called = 0;
      let ahead = 0;
      const source = env.fromGenerator(2_000, (i) => {
        generated++;
        return i;
      });
      const call = (i: number) => {
        called++;
        ahead = Math.max(ahead, generated - called);
        return inFlight.after(1, i);
      };
      const out = await AsyncDataStream.orderedWait(source.rebalance(), call, { timeoutMs: 5_000, capacity: 4 }).executeAndCollect();
      expect(out).to.have.length(2_000);
      expect(inFlight.max).to.equal(4);
      // The source's gate (a batch plus one poll), the channel's credits, and one batch waiting in the operator.
      expect(ahead).to.be.at.most(channelCapacity + 3 * batchSize);
    });
  });

  describe('a job writing into a FileSink, crashed with records in flight', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-async-io-'));
    });
    afterEach(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('writes each result exactly once, in order (exactly-once checkpoints)', async () => {
      const records = 600;
      const env = StreamEnvironment.create({ parallelism: 1, batchSize: 32 });
      env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 5, delayMs: 20 });
      const inFlight = new InFlight();
      let job: { crashTask(vertex: string, index: number): void } | undefined;
      const crashes = new Set([150, 420]);
      let heldAtCrash = 0;
      const call = (i: number) => {
        if (crashes.delete(i)) {
          heldAtCrash = Math.max(heldAtCrash, inFlight.now);
          job!.crashTask('Async I/O', 0);
        }
        return inFlight.after(1 + (i % 3), `line-${i}`);
      };
      AsyncDataStream.orderedWait(env.fromGenerator(records, (i) => i), call, { timeoutMs: 5_000, capacity: 20 }).sinkTo(new FileSink<string>(dir));
      const handle = env.execute('async-io-file-sink');
      job = handle;
      const result = await handle;
      const files = (await fs.readdir(dir)).filter((f) => !f.startsWith('.')).sort();
      const lines = (await Promise.all(files.map((f) => fs.readFile(path.join(dir, f), 'utf8')))).join('').split('\n').filter((l) => l !== '');
      expect(result.restarts).to.equal(2);
      expect(heldAtCrash, 'calls in flight when a crash was injected').to.be.greaterThan(1);
      expect(lines).to.deep.equal(Array.from({ length: records }, (_, i) => `line-${i}`));
    });
  });

  describe('timeouts', () => {
    const slowAt = (slow: number) => (i: number) => new Promise<string>((resolve) => setTimeout(() => resolve(`ok-${i}`), i === slow ? 200 : 1));

    it('sends a request that timed out to the timeout handler, whose result takes its place', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const out = await AsyncDataStream.orderedWait(env.fromCollection([0, 1, 2, 3]), slowAt(2), { timeoutMs: 40, timeout: (i) => `default-${i}` }).executeAndCollect();
      expect(out).to.deep.equal(['ok-0', 'ok-1', 'default-2', 'ok-3']);
    });

    it('uses the timeout method of an AsyncFunction, which may emit several records', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const fn = {
        asyncInvoke: (i: number) => slowAt(1)(i).then((s) => [s, s]),
        timeout: (i: number) => [`late-${i}`],
      };
      const out = await AsyncDataStream.orderedWait(env.fromCollection([0, 1, 2]), fn, { timeoutMs: 40 }).executeAndCollect();
      expect(out).to.deep.equal(['ok-0', 'ok-0', 'late-1', 'ok-2', 'ok-2']);
    });

    it('without a handler, fails the job with the record and an AsyncTimeoutError', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      env.setRestartStrategy({ type: 'none' });
      const error = await failureOf(AsyncDataStream.orderedWait(env.fromCollection([0, 1, 2]), slowAt(1), { timeoutMs: 40 }).executeAndCollect());
      expect(error).to.be.instanceOf(UserFunctionFailed);
      const failure = error as UserFunctionFailed;
      expect(failure.record).to.equal(1);
      expect(failure.operator).to.equal('Async I/O');
      expect(failure.cause).to.be.instanceOf(AsyncTimeoutError);
    });

    it('under resume supervision, sends the record to the dead letters and goes on', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const results = new CollectSink<string>();
      const dead = new CollectSink<DeadLetter>();
      const enriched = AsyncDataStream.orderedWait(env.fromCollection([0, 1, 2]), slowAt(1), { timeoutMs: 40 }).withSupervisionStrategy(Supervision.resume());
      enriched.sinkTo(results);
      enriched.getSideOutput(supervisionDeadLetters).sinkTo(dead);
      await env.execute('async-io-timeout-resume');
      expect(results.records()).to.deep.equal(['ok-0', 'ok-2']);
      expect(dead.records().map((d) => [d.operator, d.record])).to.deep.equal([['Async I/O', 1]]);
      expect(dead.records()[0].reason).to.match(/timed out after 40 ms/);
    });
  });

  describe('retries', () => {
    it('calls again after failures, with a fixed delay, and emits the result of the attempt that succeeds', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const attempts = new Map<number, number>();
      const flaky = async (i: number) => {
        const n = (attempts.get(i) ?? 0) + 1;
        attempts.set(i, n);
        if (n < 3) throw new Error(`attempt ${n} of ${i} fails`);
        return `${i} after ${n}`;
      };
      const out = await AsyncDataStream.orderedWait(env.fromCollection([0, 1, 2]), flaky, {
        timeoutMs: 1_000,
        retry: AsyncRetryStrategies.fixedDelay({ maxAttempts: 3, delayMs: 2 }),
      }).executeAndCollect();
      expect(out).to.deep.equal(['0 after 3', '1 after 3', '2 after 3']);
    });

    it('calls again while the result matches ifResult, with exponential backoff, and emits the last result once attempts run out', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const calls: number[] = [];
      const lookUp = async (i: number) => {
        calls.push(i);
        return calls.filter((c) => c === i).length >= 2 || i === 1 ? (i === 1 ? undefined : `found ${i}`) : undefined;
      };
      const out = await AsyncDataStream.orderedWait(env.fromCollection([0, 1]), lookUp, {
        timeoutMs: 1_000,
        retry: AsyncRetryStrategies.exponentialBackoff<string | undefined>({ maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 4, ifResult: (r) => r === undefined }),
      }).executeAndCollect();
      expect(out).to.deep.equal(['found 0', undefined]);
      expect(calls.filter((c) => c === 0)).to.have.length(2);
      expect(calls.filter((c) => c === 1)).to.have.length(4);
    });

    it('fails the record once the attempts run out', async () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      env.setRestartStrategy({ type: 'none' });
      const failing = AsyncDataStream.orderedWait(env.fromCollection([7]), () => Promise.reject(new Error('service down')), {
        timeoutMs: 1_000,
        retry: AsyncRetryStrategies.fixedDelay({ maxAttempts: 2, delayMs: 1 }),
      });
      const error = await failureOf(failing.executeAndCollect());
      expect(error).to.be.instanceOf(UserFunctionFailed);
      expect((error as UserFunctionFailed).record).to.equal(7);
      expect((error as UserFunctionFailed).message).to.match(/service down/);
    });
  });

  describe('refused when the job is defined', () => {
    it('lists a capacity below 1, a missing timeout and a bad retry strategy', () => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      AsyncDataStream.orderedWait(env.fromCollection([1]), async (i: number) => i, {
        timeoutMs: 0,
        capacity: 0,
        retry: AsyncRetryStrategies.fixedDelay({ maxAttempts: 0, delayMs: 1 }),
      }).print();
      expect(() => env.plan()).to.throw(/capacity must be an integer >= 1[\s\S]*timeoutMs must be[\s\S]*maxAttempts must be/);
    });
  });
});
