/**
 * What `make bench-flink`'s runs print and share, apart from running anything (main.ts and
 * nexmark.ts run the processes): each side's figures, the rows of samples/bench that have a
 * twin, the command line. The ratios and the table are steadyFigures.ts's.
 */

export type TwinSide = 'sluice' | 'flink';

/** What one side's process prints (runSluiceSide.ts, BenchTwin.java): one JSON line. */
export interface SideFigures {
  readonly side: TwinSide;
  readonly benchmark: string;
  readonly events: number;
  /** Records the sink saw and the sum of their values: both twins must agree. */
  readonly count: number;
  readonly checksum: number;
  /** From submitting the job to its end, in the process (JVM or Node start-up excluded). */
  readonly jobSeconds: number;
  readonly jobCpuSeconds: number;
  /** User + system CPU of the whole process, from its start to the job's end (all threads: GC, JIT). */
  readonly processCpuSeconds: number;
  readonly peakRssMb: number;
  /**
   * Measured inside the process from the moment the source generated event events/4 to the
   * job's end (start-up and warm-up come before it); for Nexmark rows on Redis, redis-server's
   * CPU over that span included.
   */
  readonly steady?: { readonly events: number; readonly seconds: number; readonly cpuSeconds: number };
  /** Nexmark rows on Redis: redis-server's CPU seconds over the whole run. */
  readonly redisCpuSeconds?: number;
}

/** A side's run as the driver saw it: its figures and the wall time from spawning it to its exit. */
export interface TwinRun extends SideFigures {
  readonly wallSeconds: number;
}

export interface TwinRow {
  /** The samples/bench benchmark id; the Flink twin takes the same id. */
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  /** Events at scale 1. */
  readonly events: number;
}

/**
 * Three times the events of the first table, so that the faster side's steady state lasts
 * several seconds: at the counts before it lasted 1–2 s, and one build's Sluice side moved by a
 * third from run to run on a quiet machine (docs/benchmarks.md).
 */
export const TWIN_ROWS: readonly TwinRow[] = [
  { id: 'stateless', name: 'stateless map/filter/map, p=1', parallelism: 1, events: 60_000_000 },
  { id: 'keyed', name: 'keyed count (ValueState, 50,000 keys), p=2', parallelism: 2, events: 18_000_000 },
  { id: 'keyed-checkpointed', name: 'keyed count, exactly-once checkpoints every 1 s, p=2', parallelism: 2, events: 18_000_000 },
];

export interface TwinOptions<R extends TwinRow = TwinRow> {
  readonly rows: readonly R[];
  /** Pairs of runs per row (each pair: one run of each side, back to back). */
  readonly pairs: number;
  readonly scale: number;
}

/** The command line (ids of `known` rows, default all) and FLINK_BENCH_PAIRS / FLINK_BENCH_SCALE; refuses what it does not know. */
export function parseTwinOptions<R extends TwinRow = TwinRow>(args: readonly string[], env: Readonly<Record<string, string | undefined>>, known: readonly R[] = TWIN_ROWS as readonly R[]): TwinOptions<R> {
  const unknown = args.filter((a) => !known.some((r) => r.id === a));
  if (unknown.length > 0) throw new Error(`unknown row ${unknown.map((u) => `'${u}'`).join(', ')}; known: ${known.map((r) => r.id).join(', ')}`);
  const pairs = Number(env.FLINK_BENCH_PAIRS ?? 2);
  if (!(Number.isInteger(pairs) && pairs >= 1)) throw new Error(`FLINK_BENCH_PAIRS must be a positive integer, got '${env.FLINK_BENCH_PAIRS}'`);
  const scale = Number(env.FLINK_BENCH_SCALE ?? 1);
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`FLINK_BENCH_SCALE must be a positive number, got '${env.FLINK_BENCH_SCALE}'`);
  return { rows: args.length === 0 ? known : known.filter((r) => args.includes(r.id)), pairs, scale };
}

/** A row's event count at `scale`. */
export function eventCount(row: TwinRow, scale: number): number {
  return Math.max(4, Math.round(row.events * scale));
}

/** Both twins saw the same records: same count, checksums equal up to floating-point summation order. */
export function sameResults(a: SideFigures, b: SideFigures): boolean {
  return a.count === b.count && Math.abs(a.checksum - b.checksum) <= 1e-9 * Math.max(1, Math.abs(b.checksum));
}

/** The median; of an even number of values, the mean of the middle two. NaN values are left out (NaN if none is left). */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
