/**
 * What make bench-beside prints (pure: specs/samples/benchBeside.spec.ts): a markdown table, a
 * line a row, of the before build's and this build's figures, the ratio after ÷ before of each
 * round and their median, what the ratio is taken on, a reading of the rounds, the outputs
 * both builds gave and the load average as each round began.
 */
import { roundsCell } from '../common/alternate';
import { median } from '../common/median';

/** What one run of a row gives. */
export interface Sample {
  /** The row's own figure: events (records) per wall-clock second, or a latency in ms. */
  readonly figure: number;
  /** Events per CPU-second, where the row measures CPU: the ratio is taken on it then. */
  readonly perCpuSecond?: number;
  /** What both builds must give alike (a count, a checksum), where the row has one. */
  readonly output?: string;
}

/** The row's figure: a throughput (higher is better) or a latency (lower is better). */
export interface Figure {
  readonly name: string;
  readonly lowerIsBetter: boolean;
}

export type Outcome =
  | { readonly id: string; readonly kind: 'measured'; readonly figure: Figure; readonly before: readonly Sample[]; readonly after: readonly Sample[]; readonly loads: readonly number[] }
  | { readonly id: string; readonly kind: 'not in before' }
  | { readonly id: string; readonly kind: 'skipped'; readonly why: string }
  | { readonly id: string; readonly kind: 'failed'; readonly why: string };

export type Basis = 'per CPU-second' | 'wall-clock' | 'latency';

/** A row is chosen by its id or by a prefix of whole parts (`nexmark/q5` chooses nexmark/q5 and nexmark/q5/redis). */
export const chosen = (id: string, wanted: readonly string[]): boolean => wanted.length === 0 || wanted.some((w) => id === w || id.startsWith(`${w}/`));

/** Rounds whose ratios all lie beyond 1 ± this, on one side, read as a change; anything else as none. */
export const NOISE = 0.03;

export type Reading = 'worse every round' | 'better every round' | 'no clear change';

/** On what the ratio is taken: the latency itself, else CPU where every run measured it, else wall-clock. */
export function basisOf(figure: Figure, samples: readonly Sample[]): Basis {
  if (figure.lowerIsBetter) return 'latency';
  return samples.every((s) => s.perCpuSecond !== undefined) ? 'per CPU-second' : 'wall-clock';
}

/** Each round's after ÷ before, on `basis`. */
export function roundRatios(basis: Basis, before: readonly Sample[], after: readonly Sample[]): number[] {
  const value = (s: Sample) => (basis === 'per CPU-second' ? s.perCpuSecond! : s.figure);
  return after.map((a, i) => value(a) / value(before[i]));
}

/** Worse (or better) only when every round says so by more than NOISE. */
export function reading(ratios: readonly number[], lowerIsBetter: boolean): Reading {
  const worse = (r: number) => (lowerIsBetter ? r > 1 + NOISE : r < 1 - NOISE);
  const better = (r: number) => (lowerIsBetter ? r < 1 - NOISE : r > 1 + NOISE);
  if (ratios.every(worse)) return 'worse every round';
  if (ratios.every(better)) return 'better every round';
  return 'no clear change';
}

/** `same: <output>` when every run of both builds gave it, the distinct outputs of each build when not, `-` for a row without one. */
export function outputsCell(before: readonly Sample[], after: readonly Sample[]): string {
  const distinct = (samples: readonly Sample[]) => [...new Set(samples.map((s) => s.output ?? '-'))];
  const [b, a] = [distinct(before), distinct(after)];
  if (b.length === 1 && a.length === 1 && b[0] === a[0]) return b[0] === '-' ? '-' : `same: ${b[0]}`;
  return `**DIFFER**: before ${b.join(' / ')}; after ${a.join(' / ')}`;
}

/** Whether both builds' runs gave the same output. */
export const outputsAgree = (o: Outcome): boolean => o.kind !== 'measured' || !outputsCell(o.before, o.after).startsWith('**DIFFER**');

const figureText = (x: number, figure: Figure) => (figure.lowerIsBetter ? x.toFixed(2) : Math.round(x).toLocaleString('en-US'));
const int = (x: number) => Math.round(x).toLocaleString('en-US');

export const HEADER = [
  '| row | figure | before | after | per CPU-s before / after | after ÷ before (rounds) | on | reading | outputs | load |',
  '| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- | --- |',
];

/** The row's line of the table. */
export function rowLine(o: Outcome): string {
  if (o.kind === 'not in before') return `| ${o.id} | | | | | | | not in the before build (a newer row) | | |`;
  if (o.kind === 'skipped') return `| ${o.id} | | | | | | | skipped: ${o.why} | | |`;
  if (o.kind === 'failed') return `| ${o.id} | | | | | | | **FAILED**: ${o.why} | | |`;
  const basis = basisOf(o.figure, [...o.before, ...o.after]);
  const ratios = roundRatios(basis, o.before, o.after);
  const mid = (samples: readonly Sample[]) => figureText(median(samples.map((s) => s.figure)), o.figure);
  const perCpu = basis === 'per CPU-second' ? `${int(median(o.before.map((s) => s.perCpuSecond!)))} / ${int(median(o.after.map((s) => s.perCpuSecond!)))}` : '-';
  const on = basis === 'latency' ? 'latency (lower is better)' : basis;
  return `| ${o.id} | ${o.figure.name} | ${mid(o.before)} | ${mid(o.after)} | ${perCpu} | ${roundsCell(ratios)} | ${on} | ${reading(ratios, o.figure.lowerIsBetter)} | ${outputsCell(o.before, o.after)} | ${o.loads.map((l) => l.toFixed(1)).join(', ')} |`;
}

/** The lines after the table: the rows read as worse, those whose outputs differ, failed, skipped and newer ones. */
export function summaryLines(outcomes: readonly Outcome[]): string[] {
  const ids = (keep: (o: Outcome) => boolean) => outcomes.filter(keep).map((o) => o.id);
  const worse = ids((o) => o.kind === 'measured' && reading(roundRatios(basisOf(o.figure, [...o.before, ...o.after]), o.before, o.after), o.figure.lowerIsBetter) === 'worse every round');
  const lines = [
    `${outcomes.filter((o) => o.kind === 'measured').length} rows measured; worse every round (by more than ${NOISE * 100}%): ${worse.length === 0 ? 'none' : worse.join(', ')}`,
    `outputs differ: ${ids((o) => !outputsAgree(o)).join(', ') || 'none'}`,
  ];
  const listed = (label: string, kind: Outcome['kind']) => {
    const these = ids((o) => o.kind === kind);
    if (these.length > 0) lines.push(`${label}: ${these.join(', ')}`);
  };
  listed('failed', 'failed');
  listed('skipped', 'skipped');
  listed('not in the before build', 'not in before');
  return lines;
}
