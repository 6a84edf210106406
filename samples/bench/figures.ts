/**
 * Checkpoint figures the throughput table cannot show: how long a checkpoint takes and how
 * long a task holds input for alignment when a slow sink backs the job up (aligned against
 * unaligned), and how long the job takes to recover from a crashed task. Each measurement
 * runs in a process of its own (runFigure.ts), started by the driver (main.ts).
 */
import { performance } from 'perf_hooks';
import { JobHandle, Sink, StreamEnvironment } from '../../src';
import { CountPerKey } from './cases';
import { ACCOUNTS, accountOf, trade } from './workloads';
import { median } from '../common/median';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, checking every millisecond; fails after `timeoutMs`, saying `what` and `state()`. */
async function waitUntil(done: () => boolean, timeoutMs: number, what: string, state: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${state()})`);
    await sleep(1);
  }
}

// --- checkpoints behind a slow sink -----------------------------------------------------------

/** Milliseconds the slow sink takes per batch (a remote write, say). */
export const SLOW_SINK_MS_PER_BATCH = 3;
const SLOW_SINK_CHECKPOINTS = 8;

export interface SlowSinkFigures {
  readonly unaligned: boolean;
  readonly checkpoints: number;
  /** Trigger to completion, as the coordinator measures it. */
  readonly durationsMs: readonly number[];
  readonly medianDurationMs: number;
  readonly maxDurationMs: number;
  /** Longest time a task held an input for alignment (0 by construction when unaligned: nothing is held). */
  readonly maxAlignmentMs: number;
}

/**
 * The keyed count of the table (p=2, 50,000 keys, default batch size and channel capacity,
 * checkpoints in memory) into a sink that takes SLOW_SINK_MS_PER_BATCH per batch, so every
 * channel is full; once the sink is backed up, SLOW_SINK_CHECKPOINTS checkpoints are
 * triggered one after the other. A checkpoint's duration is then mostly the time its barriers
 * take to reach the keyed tasks: behind the buffered records when aligned, ahead of them when
 * unaligned.
 */
export async function slowSinkCheckpoints(unaligned: boolean): Promise<SlowSinkFigures> {
  let batches = 0;
  const slowSink: Sink<number> = {
    name: 'Slow Sink',
    createWriter: () => ({
      write: () => {
        batches++;
        return sleep(SLOW_SINK_MS_PER_BATCH);
      },
    }),
  };
  const env = StreamEnvironment.create({ parallelism: 2 });
  // Triggered by hand below; the interval only has to be longer than the run.
  env.enableCheckpointing(3_600_000, 'exactly-once', { unaligned });
  env.fromGenerator(Infinity, trade).keyBy(accountOf).process(new CountPerKey()).uid('count-per-key').sinkTo(slowSink);
  const job = env.execute('bench-slow-sink');
  try {
    // Long enough for the buffers to fill and most keys to have state.
    await waitUntil(() => batches >= 200, 30_000, 'the slow sink to be backed up', () => `${batches} batches written, job ${job.status}`);
    const durationsMs: number[] = [];
    for (let i = 0; i < SLOW_SINK_CHECKPOINTS; i++) {
      await job.triggerCheckpoint();
      durationsMs.push((await job.checkpointStats()).lastDurationMs!);
      await sleep(20);
    }
    const { maxAlignmentMs } = await job.checkpointStats();
    return {
      unaligned,
      checkpoints: durationsMs.length,
      durationsMs,
      medianDurationMs: median(durationsMs),
      maxDurationMs: Math.max(...durationsMs),
      maxAlignmentMs,
    };
  } finally {
    await job.cancel();
  }
}

// --- recovery from a crashed task -------------------------------------------------------------

export interface RecoveryFigures {
  /** From `crashTask` until the job's status is 'running' again (tasks rebuilt, state being restored). */
  readonly toRunningMs: number;
  /** From `crashTask` until the sink of the new attempt receives its first records. */
  readonly toFirstRecordsMs: number;
  readonly restarts: number;
  /** Keys in the restored keyed state (about: every key the generator has reached). */
  readonly keys: number;
}

/**
 * The keyed count (p=2, 50,000 keys) with exactly-once checkpoints and restart strategy
 * fixed-delay with no delay: after a checkpoint holding every key, instance 0 of the keyed
 * task is crashed; the job restarts all tasks from that checkpoint.
 */
export async function recoveryAfterCrash(): Promise<RecoveryFigures> {
  /** When the writer of each attempt was created and first wrote; attempts in order. */
  const writers: Array<{ createdAt: number; firstWriteAt: number | undefined }> = [];
  let batches = 0;
  const sink: Sink<number> = {
    name: 'Timing Sink',
    createWriter: () => {
      const writer = { createdAt: performance.now(), firstWriteAt: undefined as number | undefined };
      writers.push(writer);
      return {
        write: () => {
          batches++;
          writer.firstWriteAt ??= performance.now();
        },
      };
    },
  };
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(3_600_000, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 1, delayMs: 0 });
  env.fromGenerator(Infinity, trade).keyBy(accountOf).process(new CountPerKey()).uid('count-per-key').sinkTo(sink);
  const job: JobHandle = env.execute('bench-recovery');
  try {
    // Enough records that every key has state (the generator spreads them evenly), then a checkpoint.
    await waitUntil(() => batches >= 500, 30_000, 'the job to count every key', () => `${batches} batches written, job ${job.status}`);
    await job.triggerCheckpoint();
    await sleep(50);

    const crashedAt = performance.now();
    job.crashTask('Keyed Process', 0, 'crashed by the recovery benchmark');
    // Checked once per turn of the event loop, so that no status is missed: 'restarting' can be short.
    const newWriter = () => writers.find((w) => w.createdAt > crashedAt && w.firstWriteAt !== undefined);
    let restarting = false;
    let runningAt: number | undefined;
    const deadline = crashedAt + 30_000;
    while (runningAt === undefined || newWriter() === undefined) {
      if (performance.now() > deadline) throw new Error(`no recovery 30 s after the crash (status ${job.status})`);
      const status = job.status;
      if (status === 'restarting') restarting = true;
      else if (status === 'running' && restarting) runningAt ??= performance.now();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const toFirstRecordsMs = newWriter()!.firstWriteAt! - crashedAt;
    const { restarts } = await job.cancel();
    return { toRunningMs: runningAt - crashedAt, toFirstRecordsMs, restarts, keys: ACCOUNTS };
  } finally {
    if (job.status !== 'cancelled') await job.cancel();
  }
}
