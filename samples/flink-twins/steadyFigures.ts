/**
 * The figures of `make bench-flink`'s rows (main.ts and nexmark.ts run the processes). Each
 * pair is one run of each side at the row's event count; each side measures its steady state
 * itself, from the moment its source generates event events/4 to the job's end (SideFigures'
 * `steady`), so start-up, class loading and the first JIT warm-up fall before it. (The first
 * rows took the difference of a full and a short run instead: for cheap jobs, Flink's start-up
 * noise drowned the difference — a pair of q2 gave 0.03, the next 1.15.)
 */
import { TwinRow, TwinRun, TwinSide, median, sameResults } from './twinFigures';

/** One run of each side, back to back. */
export type SteadyPair = Readonly<Record<TwinSide, TwinRun>>;

export interface SteadyRates {
  /** The whole run: events over the time from spawning the process to its exit, and over its CPU time (Redis rows: with redis-server's). */
  readonly withStartup: { readonly perSecond: number; readonly perCpuSecond: number };
  readonly steady: { readonly perSecond: number; readonly perCpuSecond: number };
}

export interface SteadySummary {
  readonly row: TwinRow;
  readonly events: number;
  /** Medians over the pairs. */
  readonly rates: Readonly<Record<TwinSide, SteadyRates>>;
  /** Sluice ÷ Flink, the median of the pairs' ratios. */
  readonly ratios: SteadyRates;
  readonly peakRssMb: Readonly<Record<TwinSide, number>>;
  readonly resultsMatch: boolean;
  readonly pairs: readonly SteadyPair[];
}

function ratesOf(run: TwinRun): SteadyRates {
  if (run.steady === undefined) throw new Error(`${run.side} ${run.benchmark}: no steady figures in its result line`);
  return {
    withStartup: { perSecond: run.events / run.wallSeconds, perCpuSecond: run.events / (run.processCpuSeconds + (run.redisCpuSeconds ?? 0)) },
    steady: { perSecond: run.steady.events / run.steady.seconds, perCpuSecond: run.steady.events / run.steady.cpuSeconds },
  };
}

type Phase = keyof SteadyRates;
type Figure = 'perSecond' | 'perCpuSecond';

export function summarizeSteadyRow(row: TwinRow, pairs: readonly SteadyPair[]): SteadySummary {
  if (pairs.length === 0) throw new Error(`row ${row.id}: no pair was run`);
  const rates = pairs.map((p) => ({ sluice: ratesOf(p.sluice), flink: ratesOf(p.flink) }));
  const pick = (side: TwinSide | 'ratio', phase: Phase, figure: Figure) =>
    median(rates.map((r) => (side === 'ratio' ? r.sluice[phase][figure] / r.flink[phase][figure] : r[side][phase][figure])));
  const of = (side: TwinSide | 'ratio'): SteadyRates => ({
    withStartup: { perSecond: pick(side, 'withStartup', 'perSecond'), perCpuSecond: pick(side, 'withStartup', 'perCpuSecond') },
    steady: { perSecond: pick(side, 'steady', 'perSecond'), perCpuSecond: pick(side, 'steady', 'perCpuSecond') },
  });
  return {
    row,
    events: pairs[0].sluice.events,
    rates: { sluice: of('sluice'), flink: of('flink') },
    ratios: of('ratio'),
    peakRssMb: { sluice: Math.max(...pairs.map((p) => p.sluice.peakRssMb)), flink: Math.max(...pairs.map((p) => p.flink.peakRssMb)) },
    resultsMatch: pairs.every((p) => sameResults(p.sluice, p.flink)),
    pairs,
  };
}

/** Each pair's Sluice ÷ Flink steady events per CPU-second. */
export const pairRatios = (s: SteadySummary): number[] => s.pairs.map((p) => ratesOf(p.sluice).steady.perCpuSecond / ratesOf(p.flink).steady.perCpuSecond);

/** A figure as the tables print it: a whole number with separators, or n/a. */
export const int = (n: number) => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
/** A ratio as the tables print it: two decimals, or n/a. */
export const ratio = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(2));

/** The table: a line per row with both sides' steady events per CPU-second, the ratio (and each pair's), with start-up, peak RSS and the check. */
export function formatSteadyTable(summaries: readonly SteadySummary[]): string[] {
  const header = ['row', 'events', 'Sluice steady ev/CPU-s', 'Flink steady ev/CPU-s', 'Sluice ÷ Flink', 'pairs', 'with start-up', 'steady, wall', 'peak RSS MB S / F', 'outputs'];
  const rows = summaries.map((s) => [
    s.row.name,
    int(s.events),
    int(s.rates.sluice.steady.perCpuSecond),
    int(s.rates.flink.steady.perCpuSecond),
    ratio(s.ratios.steady.perCpuSecond),
    pairRatios(s).map(ratio).join(' '),
    ratio(s.ratios.withStartup.perCpuSecond),
    ratio(s.ratios.steady.perSecond),
    `${s.peakRssMb.sluice.toFixed(0)} / ${s.peakRssMb.flink.toFixed(0)}`,
    s.resultsMatch ? `same (${int(s.pairs[0].sluice.count)})` : 'RESULTS DIFFER',
  ]);
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c].length)));
  const numeric = new Set([1, 2, 3, 4, 6, 7, 8]);
  const line = (r: string[]) => r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}


