/**
 * What `make bench-flink` computes and prints, apart from running anything (main.ts runs the
 * processes): the rows, the command line, each side's figures with and without start-up, the
 * Sluice ÷ Flink ratios and the table. Kept free of process handling so a spec can check it.
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
   * Nexmark rows: measured inside the process from the moment the source generated event
   * events/4 to the job's end (start-up and warm-up come before it); on Redis, redis-server's
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
  /** The full run's events at scale 1; the short run has SHORT_SHARE of them. */
  readonly events: number;
}

export const TWIN_ROWS: readonly TwinRow[] = [
  { id: 'stateless', name: 'stateless map/filter/map, p=1', parallelism: 1, events: 20_000_000 },
  { id: 'keyed', name: 'keyed count (ValueState, 50,000 keys), p=2', parallelism: 2, events: 6_000_000 },
  { id: 'keyed-checkpointed', name: 'keyed count, exactly-once checkpoints every 1 s, p=2', parallelism: 2, events: 6_000_000 },
];

/**
 * Steady state is measured as the difference between a full run and a short one of the same
 * job: what both share (process and JVM start-up, MiniCluster or actor system, JIT warm-up of
 * the first events) cancels, and what remains is the cost of the extra events.
 */
export const SHORT_SHARE = 0.25;

export interface TwinOptions<R extends TwinRow = TwinRow> {
  readonly rows: readonly R[];
  /** Pairs of runs per row (each pair: both sides at both event counts). */
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

/** The full and short event counts of a row at `scale`. */
export function eventCounts(row: TwinRow, scale: number): { readonly full: number; readonly short: number } {
  const full = Math.max(4, Math.round(row.events * scale));
  return { full, short: Math.max(1, Math.round(full * SHORT_SHARE)) };
}

/** One pair: both sides, each at both event counts, run one after the other. */
export interface TwinPair {
  readonly full: Readonly<Record<TwinSide, TwinRun>>;
  readonly short: Readonly<Record<TwinSide, TwinRun>>;
}

/** Events per second and per CPU-second of one side in one pair; NaN where the short run took no less than the full one (noise). */
export interface Rates {
  readonly withStartup: { readonly perSecond: number; readonly perCpuSecond: number };
  readonly steady: { readonly perSecond: number; readonly perCpuSecond: number };
}

const perDifference = (events: number, full: number, short: number) => (full > short ? events / (full - short) : NaN);

export function sideRates(pair: TwinPair, side: TwinSide): Rates {
  const full = pair.full[side];
  const short = pair.short[side];
  const extra = full.events - short.events;
  return {
    withStartup: { perSecond: full.events / full.wallSeconds, perCpuSecond: full.events / full.processCpuSeconds },
    steady: { perSecond: perDifference(extra, full.wallSeconds, short.wallSeconds), perCpuSecond: perDifference(extra, full.processCpuSeconds, short.processCpuSeconds) },
  };
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

type Figure = 'perSecond' | 'perCpuSecond';
type Phase = 'withStartup' | 'steady';

export interface RowSummary {
  readonly row: TwinRow;
  readonly events: { readonly full: number; readonly short: number };
  /** Medians over the pairs. */
  readonly rates: Readonly<Record<TwinSide, Rates>>;
  /** Sluice ÷ Flink, the median of the pairs' ratios (each pair's sides ran back to back). */
  readonly ratios: Rates;
  readonly peakRssMb: Readonly<Record<TwinSide, number>>;
  readonly resultsMatch: boolean;
  readonly pairs: readonly TwinPair[];
}

export function summarizeRow(row: TwinRow, pairs: readonly TwinPair[]): RowSummary {
  if (pairs.length === 0) throw new Error(`row ${row.id}: no pair was run`);
  const rates = pairs.map((p) => ({ sluice: sideRates(p, 'sluice'), flink: sideRates(p, 'flink') }));
  const pick = (side: TwinSide | 'ratio', phase: Phase, figure: Figure) =>
    median(rates.map((r) => (side === 'ratio' ? r.sluice[phase][figure] / r.flink[phase][figure] : r[side][phase][figure])));
  const ratesOf = (side: TwinSide | 'ratio'): Rates => ({
    withStartup: { perSecond: pick(side, 'withStartup', 'perSecond'), perCpuSecond: pick(side, 'withStartup', 'perCpuSecond') },
    steady: { perSecond: pick(side, 'steady', 'perSecond'), perCpuSecond: pick(side, 'steady', 'perCpuSecond') },
  });
  const runs = (side: TwinSide) => pairs.flatMap((p) => [p.full[side], p.short[side]]);
  return {
    row,
    events: { full: pairs[0].full.sluice.events, short: pairs[0].short.sluice.events },
    rates: { sluice: ratesOf('sluice'), flink: ratesOf('flink') },
    ratios: ratesOf('ratio'),
    peakRssMb: { sluice: Math.max(...runs('sluice').map((r) => r.peakRssMb)), flink: Math.max(...runs('flink').map((r) => r.peakRssMb)) },
    resultsMatch: pairs.every((p) => sameResults(p.full.sluice, p.full.flink) && sameResults(p.short.sluice, p.short.flink)),
    pairs,
  };
}

const int = (n: number) => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const ratio = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(2));

/** The table: per row, a line per side and a line of ratios; RESULTS DIFFER in capitals where the twins disagree. */
export function formatTable(summaries: readonly RowSummary[]): string[] {
  const header = ['row / side', 'events', 'events/s', 'events/CPU-s', 'steady events/s', 'steady events/CPU-s', 'peak RSS MB', 'check'];
  const table: string[][] = [header];
  for (const s of summaries) {
    const check = s.resultsMatch ? 'same results' : 'RESULTS DIFFER';
    table.push([s.row.name, `${int(s.events.full)} (short ${int(s.events.short)})`, '', '', '', '', '', check]);
    for (const side of ['sluice', 'flink'] as const) {
      const r = s.rates[side];
      table.push([`  ${side === 'sluice' ? 'Sluice' : 'Flink twin'}`, '', int(r.withStartup.perSecond), int(r.withStartup.perCpuSecond), int(r.steady.perSecond), int(r.steady.perCpuSecond), s.peakRssMb[side].toFixed(0), '']);
    }
    const q = s.ratios;
    table.push(['  Sluice ÷ Flink', '', ratio(q.withStartup.perSecond), ratio(q.withStartup.perCpuSecond), ratio(q.steady.perSecond), ratio(q.steady.perCpuSecond), ratio(s.peakRssMb.sluice / s.peakRssMb.flink), '']);
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const numeric = new Set([2, 3, 4, 5, 6]);
  const line = (row: string[]) => row.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)];
}
