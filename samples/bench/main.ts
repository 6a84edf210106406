/**
 * The benchmark driver (`make bench`): runs every benchmark's Sluice job and its baseline,
 * each run in a child process of its own (so peak RSS is per run), alternating the two sides
 * (and a benchmark's reference program, the Kafka rows' Java loop);
 * prints a table of medians, then the checkpoint figures (figures.ts), each measurement in a
 * child process too, and writes everything to build/bench-results.json.
 *
 * Environment: BENCH_RUNS (runs per side, default 3), BENCH_SCALE (multiplies the event
 * counts, default 1). Arguments: benchmark ids to run, `redis` for every Redis row, and
 * `figures` for the checkpoint figures (default all).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Benchmark, CheckpointFigures, ReferenceProgram, Side } from './cases';
import { allBenchmarks as benchmarks } from './allBenchmarks';
import { BENCH_REDIS_URL, benchRedisAnswers, redisBenchmarkSetThroughput } from './redisCases';
import { ASYNC_BOUND } from './asyncCases';
import { RecoveryFigures, SLOW_SINK_MS_PER_BATCH, SlowSinkFigures } from './figures';
import type { RunResult } from './runCase';
import type { TaskManagerUsage } from '../../src/cluster/taskManagerUsage';
import type { FigureId } from './runFigure';
import { runChild as runChildProcess, runCommand } from './runChild';
import { BenchProgress } from '../common/benchProgress';
import { median } from '../common/median';

/** The line that shows what runs (on a terminal; the marks alone in a log). */
const progress = new BenchProgress();

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-results.json');
/** Processes per slow-sink measurement (aligned and unaligned alternate) and per recovery measurement. */
const SLOW_SINK_RUNS = 2;
const RECOVERY_RUNS = 5;

/** Runs `script` (in this folder) in a child process and parses the JSON line it prints last. */
const runChild = <T>(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}) => runChildProcess<T>(path.join(__dirname, script), args, env);

const runOnce = (benchmark: Benchmark, side: Side, events: number, env: Readonly<Record<string, string>>) => runChild<RunResult>('runCase.js', [benchmark.id, side, String(events)], env);
const runFigure = <T>(id: FigureId) => runChild<T>('runFigure.js', [id]);
const runReference = (reference: ReferenceProgram, events: number, env: Readonly<Record<string, string>>) => {
  const { command, args } = reference.command(events, env);
  return runCommand<RunResult>(command, args, env);
};

interface SideSummary {
  readonly name: string;
  readonly events: number;
  /** Of the median run by events/s. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The highest over the runs. */
  readonly peakRssMb: number;
  /** Median over the runs. */
  readonly cpuSeconds: number;
  readonly runs: readonly RunResult[];
}

function summarize(name: string, runs: readonly RunResult[]): SideSummary {
  const sorted = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const middle = sorted[Math.floor(sorted.length / 2)];
  return {
    name,
    events: middle.events,
    seconds: middle.seconds,
    eventsPerSecond: middle.eventsPerSecond,
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    runs,
  };
}

/** Both sides saw the same records: same count, checksums equal up to floating-point summation order. */
function sameResults(a: RunResult, b: RunResult): boolean {
  return a.count === b.count && Math.abs(a.checksum - b.checksum) <= 1e-9 * Math.max(1, Math.abs(b.checksum));
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ratioText = (r: number) => (r >= 0.5 ? r.toFixed(3) : `${r.toFixed(3)} (1/${(1 / r).toFixed(1)})`);
const aimText = (aim: number) => (aim >= 0.5 ? `>= ${aim}` : `>= 1/${Math.round(1 / aim)}`);
const ms = (n: number) => `${Math.round(n)} ms`;

/** One line on the checkpoints of a benchmark's checkpointing runs. */
function checkpointNote(runs: readonly RunResult[]): string | undefined {
  const figures = runs.map((r) => r.checkpoints).filter((c): c is CheckpointFigures => c !== undefined);
  if (figures.length === 0) return undefined;
  const durations = figures.flatMap((f) => f.durationsMs);
  const completed = figures.map((f) => f.completed).join(', ');
  const failed = figures.reduce((n, f) => n + f.failed, 0);
  const duration = durations.length === 0 ? 'none seen' : `median ${ms(median(durations))}, max ${ms(Math.max(...durations))}`;
  return `checkpoints completed per run ${completed} (${failed} failed); duration ${duration}; longest alignment ${ms(Math.max(...figures.map((f) => f.maxAlignmentMs)))}`;
}

/** One line on the task managers of a benchmark's runs on worker threads: each one's thread CPU and peak heap. */
function taskManagerNote(runs: readonly RunResult[]): string | undefined {
  const usages = runs.map((r) => r.taskManagers).filter((u): u is readonly TaskManagerUsage[] => u !== undefined);
  if (usages.length === 0) return undefined;
  const indexes = [...new Set(usages.flat().map((u) => u.index))].sort((a, b) => a - b);
  const each = indexes.map((i) => {
    const of = usages.flatMap((u) => u.filter((x) => x.index === i));
    const cpu = of.flatMap((u) => (u.cpuSeconds === null ? [] : [u.cpuSeconds]));
    const heap = Math.max(...of.map((u) => u.peakHeapMb));
    const external = Math.max(...of.map((u) => u.peakExternalMb));
    return `task manager ${i}: thread CPU ${cpu.length === 0 ? 'n/a' : `${median(cpu).toFixed(2)} s`} (median), peak heap ${heap.toFixed(0)} MB + ${external.toFixed(0)} MB outside it (max)`;
  });
  return `${each.join('; ')}; over ${usages.length} run(s)`;
}

interface Figures {
  readonly slowSink: { readonly msPerBatch: number; readonly aligned: readonly SlowSinkFigures[]; readonly unaligned: readonly SlowSinkFigures[] };
  readonly recovery: { readonly runs: readonly RecoveryFigures[]; readonly medianToRunningMs: number; readonly medianToFirstRecordsMs: number };
}

async function measureFigures(): Promise<Figures> {
  progress.begin('checkpoint figures');
  const aligned: SlowSinkFigures[] = [];
  const unaligned: SlowSinkFigures[] = [];
  for (let i = 0; i < SLOW_SINK_RUNS; i++) {
    progress.run(`slow sink, aligned, ${i + 1} of ${SLOW_SINK_RUNS}`);
    aligned.push(await runFigure<SlowSinkFigures>('slow-sink-aligned'));
    progress.ran('a');
    progress.run(`slow sink, unaligned, ${i + 1} of ${SLOW_SINK_RUNS}`);
    unaligned.push(await runFigure<SlowSinkFigures>('slow-sink-unaligned'));
    progress.ran('u');
  }
  const recovery: RecoveryFigures[] = [];
  for (let i = 0; i < RECOVERY_RUNS; i++) {
    progress.run(`recovery ${i + 1} of ${RECOVERY_RUNS}`);
    recovery.push(await runFigure<RecoveryFigures>('recovery'));
    progress.ran('r');
  }
  progress.end();
  return {
    slowSink: { msPerBatch: SLOW_SINK_MS_PER_BATCH, aligned, unaligned },
    recovery: {
      runs: recovery,
      medianToRunningMs: median(recovery.map((r) => r.toRunningMs)),
      medianToFirstRecordsMs: median(recovery.map((r) => r.toFirstRecordsMs)),
    },
  };
}

function printFigures(f: Figures): void {
  console.log(`\nCheckpoint figures (each measurement a process of its own)`);
  console.log(`\nCheckpoints behind a slow sink (${f.slowSink.msPerBatch} ms per batch): keyed count, p=2, 50,000 keys, checkpoints triggered one after the other`);
  const rows = [['', 'checkpoints', 'median duration ms', 'max duration ms', 'max alignment ms']];
  for (const [name, runs] of [['aligned', f.slowSink.aligned], ['unaligned', f.slowSink.unaligned]] as const) {
    const durations = runs.flatMap((r) => r.durationsMs);
    rows.push([`  ${name}`, String(durations.length), String(Math.round(median(durations))), String(Math.max(...durations)), String(Math.max(...runs.map((r) => r.maxAlignmentMs)))]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  const list = (values: readonly number[]) => values.map((v) => Math.round(v)).join(', ');
  console.log(`\nRecovery from a crashed keyed task (crashTask, fixed-delay restart with delay 0, 50,000 keys restored), median of ${f.recovery.runs.length}:`);
  console.log(`  crash -> job running again:           ${ms(f.recovery.medianToRunningMs)}  (runs: ${list(f.recovery.runs.map((r) => r.toRunningMs))})`);
  console.log(`  crash -> sink receives records again: ${ms(f.recovery.medianToFirstRecordsMs)}  (runs: ${list(f.recovery.runs.map((r) => r.toFirstRecordsMs))})`);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const selected = wanted.length === 0 ? benchmarks : benchmarks.filter((b) => wanted.includes(b.id) || (wanted.includes('redis') && b.needsRedis === true));
  const withFigures = wanted.length === 0 || wanted.includes('figures');
  if (selected.length === 0 && !withFigures) throw new Error(`no benchmark matches ${wanted.join(', ')}; known: ${benchmarks.map((b) => b.id).join(', ')}, redis, figures`);
  if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
  if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);

  console.log(`Sluice benchmarks: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${RUNS} run(s) per side, median shown\n`);
  const started = Date.now();
  const rows = [];
  const skipped: string[] = [];
  for (const [n, b] of selected.entries()) {
    if (b.needsRedis === true && !(await benchRedisAnswers())) {
      console.log(`${b.id}: skipped, no Redis answers at ${BENCH_REDIS_URL} (start one with \`redis-server --port 6379 --save '' --appendonly no\`, or set SLUICE_REDIS_URL)`);
      continue;
    }
    const events = Math.max(1, Math.round(b.events * SCALE));
    const runs: Record<Side, RunResult[]> = { sluice: [], baseline: [] };
    const prepared = b.prepare === undefined ? { env: {} } : await b.prepare(events);
    if ('skipped' in prepared) {
      skipped.push(`${b.id}: not run: ${prepared.skipped}`);
      process.stderr.write(`  ${b.id}: not run: ${prepared.skipped}\n`);
      continue;
    }
    progress.begin(`${b.id} [${n + 1}/${selected.length}]`);
    const reference = prepared.referenceSkipped === undefined ? b.reference : undefined;
    if (b.reference !== undefined && reference === undefined) skipped.push(`${b.id}: ${b.reference.name} not run: ${prepared.referenceSkipped}`);
    const referenceRuns: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const side of ['sluice', 'baseline'] as const) {
        progress.run(`run ${i + 1} of ${RUNS}, ${side === 'sluice' ? 'Sluice' : 'baseline'}`);
        runs[side].push(await runOnce(b, side, events, prepared.env));
        progress.ran(side === 'sluice' ? 's' : 'b');
      }
      if (reference !== undefined) {
        progress.run(`run ${i + 1} of ${RUNS}, ${reference.name}`);
        referenceRuns.push(await runReference(reference, events, prepared.env));
        progress.ran('r');
      }
    }
    progress.end();
    const sluice = summarize(b.sluiceName, runs.sluice);
    const baseline = summarize(b.baselineName, runs.baseline);
    const measuredReference = reference === undefined ? undefined : summarize(reference.name, referenceRuns);
    const ratio = sluice.eventsPerSecond / baseline.eventsPerSecond;
    const resultsMatch = [...runs.sluice, ...runs.baseline, ...referenceRuns].every((r) => sameResults(r, runs.baseline[0]));
    // Work per event by CPU time: a cross-check when other processes share the machine.
    const ratioByCpuTime = baseline.cpuSeconds / baseline.events / (sluice.cpuSeconds / sluice.events);
    rows.push({ id: b.id, parallelism: b.parallelism, sluice, baseline, reference: measuredReference, ratio, ratioByCpuTime, aim: b.aim, meetsAim: ratio >= b.aim, resultsMatch });
  }
  const figures = withFigures ? await measureFigures() : undefined;
  // The server's own pipelined SET throughput: the ceiling for the Redis rows, measured in the same run.
  const redisCeiling = rows.some((r) => r.id.startsWith('redis-')) ? redisBenchmarkSetThroughput() : undefined;

  const header = ['benchmark', 'events', 'seconds', 'events/s', 'peak RSS MB', 'ratio to baseline', 'aim', 'check'];
  const table: string[][] = [header];
  for (const r of rows) {
    const check = `${r.meetsAim ? 'meets aim' : 'MISSES AIM'}${r.resultsMatch ? '' : ', RESULTS DIFFER'}`;
    table.push([r.sluice.name, int(r.sluice.events), r.sluice.seconds.toFixed(2), int(r.sluice.eventsPerSecond), r.sluice.peakRssMb.toFixed(0), ratioText(r.ratio), aimText(r.aim), check]);
    table.push([`  baseline: ${r.baseline.name}`, int(r.baseline.events), r.baseline.seconds.toFixed(2), int(r.baseline.eventsPerSecond), r.baseline.peakRssMb.toFixed(0), '', '', r.resultsMatch ? 'same results' : '']);
    const ref = r.reference;
    if (ref !== undefined) table.push([`  reference: ${ref.name}`, int(ref.events), ref.seconds.toFixed(2), int(ref.eventsPerSecond), ref.peakRssMb.toFixed(0), '', '', r.resultsMatch ? 'same results' : '']);
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const numeric = new Set([1, 2, 3, 4]);
  const line = (row: string[]) => row.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  console.log(`\n${line(table[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of table.slice(1)) console.log(line(row));
  if (rows.length > 0) console.log('');
  for (const line of skipped) console.log(line);
  for (const r of rows) {
    const paired = r.sluice.runs.map((run, i) => run.eventsPerSecond / r.baseline.runs[i].eventsPerSecond);
    console.log(`${r.id}: ratio by CPU time ${ratioText(r.ratioByCpuTime)}; paired ratios (each Sluice run ÷ the baseline run right after it) ${paired.map((p) => p.toFixed(2)).join(', ')}`);
    const ref = r.reference;
    if (ref !== undefined) {
      // Events per CPU-second of each side against the reference's: what each client costs, load aside.
      const perCpu = (side: SideSummary) => side.events / side.cpuSeconds;
      console.log(
        `${' '.repeat(r.id.length + 2)}against the reference (${ref.name}): baseline ${(r.baseline.eventsPerSecond / ref.eventsPerSecond).toFixed(2)}, Sluice ${(r.sluice.eventsPerSecond / ref.eventsPerSecond).toFixed(2)} of its events/s; ` +
          `per CPU-second baseline ${(perCpu(r.baseline) / perCpu(ref)).toFixed(2)}, Sluice ${(perCpu(r.sluice) / perCpu(ref)).toFixed(2)} of its events (broker not counted)`,
      );
    }
    const note = checkpointNote(r.sluice.runs);
    if (note !== undefined) console.log(`${' '.repeat(r.id.length + 2)}${note}`);
    const usage = taskManagerNote(r.sluice.runs);
    if (usage !== undefined) console.log(`${' '.repeat(r.id.length + 2)}${usage}`);
  }
  for (const r of rows.filter((row) => row.id === 'async-io')) {
    const share = (eventsPerSecond: number) => `${(eventsPerSecond / ASYNC_BOUND).toFixed(3)}`;
    console.log(`${r.id}: ${share(r.sluice.eventsPerSecond)} of the bound capacity / latency (${int(ASYNC_BOUND)} records/s); the loop reaches ${share(r.baseline.eventsPerSecond)} of it`);
  }
  for (const r of rows.filter((row) => row.id.startsWith('redis-'))) {
    const ceiling = redisCeiling === undefined ? 'redis-benchmark not found' : `${(r.sluice.eventsPerSecond / redisCeiling.setsPerSecond * 100).toFixed(1)}% of redis-benchmark's pipelined SET throughput (${int(redisCeiling.setsPerSecond)} SET/s, ${redisCeiling.command})`;
    const against = r.id.endsWith('-vs-memory') ? `${r.ratio.toFixed(2)} of the throughput on memory state` : `${r.ratio.toFixed(1)} times the naive GET+SET per record`;
    console.log(`${r.id}: ${against}; ${ceiling}`);
  }
  if (figures !== undefined) printFigures(figures);

  const report = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim(),
    runsPerSide: RUNS,
    scale: SCALE,
    benchmarks: rows,
    skipped,
    checkpointFigures: figures,
    redisBenchmark: redisCeiling,
  };
  await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await fs.writeFile(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all; figures written to ${path.relative(process.cwd(), RESULTS_FILE)}`);
  if (rows.some((r) => !r.resultsMatch)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
