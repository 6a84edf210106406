/**
 * The benchmarks: each a Sluice job beside a baseline doing the same work — a plain loop (same
 * event generation, same functions, a Map for keyed counts), or the same Sluice job without
 * the feature measured (checkpoints). Each side of a benchmark runs alone in its own process
 * (see main.ts), so that its peak RSS is its own.
 */
import {
  CheckpointStats,
  SlidingEventTimeWindows,
  StreamEnvironment,
  StreamEnvironmentOptions,
  Time,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WindowAssigner,
} from '../../src';
import { TableEnvironment } from '../../src/sql';
import { DiscardingSink } from './DiscardingSink';
import type { TaskManagerUsage } from '../../src/cluster/taskManagerUsage';
import { CountPerKey } from './CountPerKey';
import {
  MAX_DELAY_MS,
  TimedTrade,
  Tally,
  WINDOW_SIZE_MS,
  WINDOW_SLIDE_MS,
  accountOf,
  averageAmount,
  emptyTally,
  isLarge,
  markedTrade,
  net,
  price,
  timedAccountOf,
  timedTrade,
  trade,
  windowLoop,
} from './workloads';

export type Side = 'sluice' | 'baseline';
/** The sides of a run: a benchmark's two, and the program some measure beside them (`Benchmark.reference`). */
export type RunSide = Side | 'reference';

/** What one side of a run reports: what its sink saw, and checkpoint figures if it checkpointed. */
export interface SideOutcome extends Tally {
  readonly checkpoints?: CheckpointFigures;
  /** Of a job on task managers: what each one's thread used. */
  readonly taskManagers?: readonly TaskManagerUsage[];
  /** Removes what the run left in an outside service; runs after the run is timed. */
  readonly cleanup?: () => Promise<void>;
}

/** Checkpoints of one run, the final checkpoint at end of input apart (it only stores the last snapshots). */
export interface CheckpointFigures {
  /** Periodic checkpoints completed while the job ran. */
  readonly completed: number;
  readonly failed: number;
  /** Trigger to completion of each periodic checkpoint seen, in order. */
  readonly durationsMs: readonly number[];
  /** Longest time a task held an input for barrier alignment. */
  readonly maxAlignmentMs: number;
}

export interface Benchmark {
  /** Short id, used on the command line. */
  readonly id: string;
  readonly sluiceName: string;
  readonly baselineName: string;
  readonly parallelism: number;
  /** Events per run at BENCH_SCALE=1; both sides process the same events. */
  readonly events: number;
  /** The ratio (Sluice events/s ÷ baseline events/s) we aim at. */
  readonly aim: number;
  /** Runs only when the benchmarks' Redis answers (redisCases.ts); skipped with a message otherwise. */
  readonly needsRedis?: boolean;
  readonly sluice: (events: number) => Promise<SideOutcome>;
  readonly baseline: (events: number) => Promise<SideOutcome>;
  /** Run once by the driver before the runs (e.g. write the input to Kafka): environment for the runs' processes, or why the benchmark cannot run. */
  readonly prepare?: (events: number) => Promise<PreparedRun>;
  /**
   * A program of another stack measured beside the two sides, in the same run on the same
   * input: the ceiling the baseline is read against (the Kafka rows: the Java client's loop,
   * the ceiling of kafkajs). It prints its own RunResult line.
   */
  readonly reference?: ReferenceProgram;
}

export interface ReferenceProgram {
  readonly name: string;
  /** The command of one run, given the prepared run's environment. */
  readonly command: (events: number, env: Readonly<Record<string, string>>) => { readonly command: string; readonly args: readonly string[] };
}

/** `referenceSkipped`: why the reference program cannot run this time (the two sides still do). */
export type PreparedRun = { readonly env: Readonly<Record<string, string>>; readonly referenceSkipped?: string } | { readonly skipped: string };

/** The keyed benchmarks' function (its own module: job modules import it without the rest). */
export { CountPerKey };

async function runJob(parallelism: number, build: (env: StreamEnvironment, sink: DiscardingSink) => void, options: StreamEnvironmentOptions = {}): Promise<Tally> {
  const env = StreamEnvironment.create({ parallelism, ...options });
  const sink = new DiscardingSink();
  build(env, sink);
  await env.execute('bench');
  return sink.total();
}

/** How often the checkpointed side reads the coordinator's figures, to see each checkpoint's duration. */
const STATS_POLL_MS = 100;

/**
 * The keyed count with exactly-once checkpoints every `intervalMs`. `JobResult.checkpoints`
 * describes the last checkpoint, which is the final one at end of input (no barriers, only a
 * store write); so the periodic checkpoints' durations are read while the job runs.
 */
async function keyedCountCheckpointed(events: number, intervalMs: number): Promise<SideOutcome> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(intervalMs, 'exactly-once');
  const sink = new DiscardingSink();
  env.fromGenerator(events, markedTrade).uid('trades').keyBy(accountOf).process(new CountPerKey()).uid('count-per-key').sinkTo(sink);
  const job = env.execute('bench');
  const durations = new Map<number, number>();
  let latest: CheckpointStats | undefined;
  const poll = setInterval(() => {
    job.checkpointStats().then(
      (stats) => {
        latest = stats;
        if (stats.lastCompletedId !== undefined && stats.lastDurationMs !== undefined) durations.set(stats.lastCompletedId, stats.lastDurationMs);
      },
      () => undefined, // the job is ending
    );
  }, STATS_POLL_MS);
  try {
    const result = await job;
    const end = result.checkpoints!;
    // The final checkpoint is the last completed one; the periodic ones are the others.
    if (end.lastCompletedId !== undefined) durations.delete(end.lastCompletedId);
    return {
      ...sink.total(),
      checkpoints: {
        completed: end.completed - 1,
        failed: end.failed,
        durationsMs: [...durations.entries()].sort((a, b) => a[0] - b[0]).map(([, ms]) => ms),
        maxAlignmentMs: Math.max(end.maxAlignmentMs, latest?.maxAlignmentMs ?? 0),
      },
    };
  } finally {
    clearInterval(poll);
  }
}

/** Average amount per account per window, event time, watermarks generated per source instance. */
function windowedAverages(events: number, windows: WindowAssigner): Promise<Tally> {
  return runJob(2, (env, sink) => {
    env
      .fromGenerator(events, timedTrade)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<TimedTrade>(MAX_DELAY_MS).withTimestampAssigner((t) => t.at))
      .keyBy(timedAccountOf)
      .window(windows)
      .aggregate(averageAmount)
      .sinkTo(sink);
  });
}

/** The same windowed averages written in SQL: a TUMBLE window aggregation planned onto the same window operator. */
function sqlWindowedAverages(events: number): Promise<Tally> {
  return runJob(2, (env, sink) => {
    const tEnv = TableEnvironment.create(env);
    const trades = env.fromGenerator(events, timedTrade);
    tEnv.createTemporaryView('trades', tEnv.fromDataStream(trades, `account INT, amount DOUBLE, \`at\` TIMESTAMP(3), WATERMARK FOR \`at\` AS \`at\` - INTERVAL '${MAX_DELAY_MS}' MILLISECOND`));
    tEnv
      .sqlQuery(`SELECT AVG(amount) AS average FROM TABLE(TUMBLE(TABLE trades, DESCRIPTOR(\`at\`), INTERVAL '${WINDOW_SIZE_MS}' MILLISECOND)) GROUP BY account, window_start, window_end`)
      .toDataStream()
      .map((row) => row.average as number)
      .sinkTo(sink);
  });
}

export const benchmarks: readonly Benchmark[] = [
  {
    id: 'stateless',
    sluiceName: 'stateless map/filter/map, p=1',
    baselineName: 'plain loop',
    parallelism: 1,
    events: 40_000_000,
    aim: 1 / 10,
    sluice: (events) =>
      runJob(1, (env, sink) => {
        env.fromGenerator(events, markedTrade).map(price).filter(isLarge).map(net).sinkTo(sink);
      }),
    baseline: async (events) => {
      const tally = emptyTally();
      for (let i = 0; i < events; i++) {
        const priced = price(trade(i));
        if (!isLarge(priced)) continue;
        tally.count++;
        tally.checksum += net(priced);
      }
      return tally;
    },
  },
  {
    id: 'keyed',
    sluiceName: 'keyed count (ValueState), p=2',
    baselineName: 'plain loop + Map',
    parallelism: 2,
    events: 10_000_000,
    aim: 1 / 25,
    sluice: (events) =>
      runJob(2, (env, sink) => {
        env.fromGenerator(events, markedTrade).keyBy(accountOf).process(new CountPerKey()).sinkTo(sink);
      }),
    baseline: async (events) => {
      const tally = emptyTally();
      const counts = new Map<number, number>();
      for (let i = 0; i < events; i++) {
        const key = accountOf(trade(i));
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        tally.count++;
        tally.checksum += n;
      }
      return tally;
    },
  },
  {
    id: 'keyed-metrics',
    sluiceName: 'keyed count with metrics on (time accounting, sampled every 1 s), p=2',
    baselineName: 'the same job with metrics off',
    parallelism: 2,
    events: 7_000_000,
    aim: 0.95,
    sluice: (events) =>
      runJob(2, (env, sink) => {
        env.fromGenerator(events, trade).keyBy(accountOf).process(new CountPerKey()).sinkTo(sink);
      }, { metrics: true }),
    baseline: (events) =>
      runJob(2, (env, sink) => {
        env.fromGenerator(events, trade).keyBy(accountOf).process(new CountPerKey()).sinkTo(sink);
      }),
  },
  {
    id: 'keyed-checkpointed',
    sluiceName: 'keyed count, exactly-once checkpoints every 1 s, p=2',
    baselineName: 'the same job without checkpoints',
    parallelism: 2,
    // About 6 s on a 2-core VM: several checkpoints per run.
    events: 7_000_000,
    aim: 0.9,
    sluice: (events) => keyedCountCheckpointed(events, 1000),
    baseline: (events) =>
      runJob(2, (env, sink) => {
        env.fromGenerator(events, trade).keyBy(accountOf).process(new CountPerKey()).uid('count-per-key').sinkTo(sink);
      }),
  },
  {
    id: 'window-tumbling',
    sluiceName: 'tumbling 10 s event-time windows, average per key, p=2',
    baselineName: 'plain loop + Map of windows',
    parallelism: 2,
    // About 9 s for the Sluice side on a 2-core VM: 150 s of event time, 15 windows per key.
    events: 1_500_000,
    aim: 1 / 25,
    sluice: (events) => windowedAverages(events, TumblingEventTimeWindows.of(Time.milliseconds(WINDOW_SIZE_MS))),
    baseline: async (events) => windowLoop(events, WINDOW_SIZE_MS, WINDOW_SIZE_MS),
  },
  {
    id: 'window-sliding',
    sluiceName: 'sliding 10 s / 2 s event-time windows, average per key, p=2',
    baselineName: 'plain loop + Map of windows',
    parallelism: 2,
    // Each trade is in 5 windows: about 10 s for the Sluice side, 60 s of event time.
    events: 600_000,
    aim: 1 / 25,
    sluice: (events) => windowedAverages(events, SlidingEventTimeWindows.of(Time.milliseconds(WINDOW_SIZE_MS), Time.milliseconds(WINDOW_SLIDE_MS))),
    baseline: async (events) => windowLoop(events, WINDOW_SIZE_MS, WINDOW_SLIDE_MS),
  },
  {
    id: 'sql-window-tumbling',
    sluiceName: 'SQL: TUMBLE 10 s, AVG per key, p=2',
    baselineName: 'the same job written with the DataStream API',
    parallelism: 2,
    events: 1_500_000,
    // The aim: the SQL plan within 1.5 times of the hand-written one.
    aim: 0.67,
    sluice: (events) => sqlWindowedAverages(events),
    baseline: (events) => windowedAverages(events, TumblingEventTimeWindows.of(Time.milliseconds(WINDOW_SIZE_MS))),
  },
];
