/**
 * The benchmark driver (`make bench`): runs every benchmark's Sluice job and its plain-loop
 * baseline, each run in a child process of its own (so peak RSS is per run), alternating the
 * two sides; prints a table of medians and writes the figures to build/bench-results.json.
 *
 * Environment: BENCH_RUNS (runs per side, default 3), BENCH_SCALE (multiplies the event
 * counts, default 1). Arguments: benchmark ids to run (default all).
 */
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Benchmark, Side, benchmarks } from './cases';
import type { RunResult } from './runCase';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-results.json');

function runOnce(benchmark: Benchmark, side: Side, events: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'runCase.js'), benchmark.id, side, String(events)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${benchmark.id}/${side} exited with code ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as RunResult);
      } catch (e) {
        reject(new Error(`${benchmark.id}/${side} printed no result: ${out}`));
      }
    });
  });
}

interface SideSummary {
  readonly name: string;
  readonly events: number;
  /** Of the median run by events/s. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** The highest over the runs. */
  readonly peakRssMb: number;
  readonly runs: readonly RunResult[];
}

function summarize(name: string, runs: readonly RunResult[]): SideSummary {
  const sorted = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)];
  return {
    name,
    events: median.events,
    seconds: median.seconds,
    eventsPerSecond: median.eventsPerSecond,
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    runs,
  };
}

/** Both sides saw the same records: same count, checksums equal up to floating-point summation order. */
function sameResults(a: RunResult, b: RunResult): boolean {
  return a.count === b.count && Math.abs(a.checksum - b.checksum) <= 1e-9 * Math.max(1, Math.abs(b.checksum));
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ratioText = (r: number) => `${r.toFixed(3)} (1/${(1 / r).toFixed(1)})`;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const selected = wanted.length === 0 ? benchmarks : benchmarks.filter((b) => wanted.includes(b.id));
  if (selected.length === 0) throw new Error(`no benchmark matches ${wanted.join(', ')}; known: ${benchmarks.map((b) => b.id).join(', ')}`);
  if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
  if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);

  console.log(`Sluice benchmarks: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${RUNS} run(s) per side, median shown\n`);
  const started = Date.now();
  const rows = [];
  for (const b of selected) {
    const events = Math.max(1, Math.round(b.events * SCALE));
    const runs: Record<Side, RunResult[]> = { sluice: [], baseline: [] };
    process.stderr.write(`  ${b.id}: `);
    for (let i = 0; i < RUNS; i++) {
      for (const side of ['sluice', 'baseline'] as const) {
        runs[side].push(await runOnce(b, side, events));
        process.stderr.write(side === 'sluice' ? 's' : 'b');
      }
    }
    process.stderr.write('\n');
    const sluice = summarize(b.sluiceName, runs.sluice);
    const baseline = summarize(b.baselineName, runs.baseline);
    const ratio = sluice.eventsPerSecond / baseline.eventsPerSecond;
    const resultsMatch = runs.sluice.every((r) => sameResults(r, runs.baseline[0])) && runs.baseline.every((r) => sameResults(r, runs.baseline[0]));
    rows.push({ id: b.id, parallelism: b.parallelism, sluice, baseline, ratio, aim: b.aim, meetsAim: ratio >= b.aim, resultsMatch });
  }

  const header = ['benchmark', 'events', 'seconds', 'events/s', 'peak RSS MB', 'ratio to baseline', 'aim', 'check'];
  const table: string[][] = [header];
  for (const r of rows) {
    const check = `${r.meetsAim ? 'meets aim' : 'MISSES AIM'}${r.resultsMatch ? '' : ', RESULTS DIFFER'}`;
    table.push([r.sluice.name, int(r.sluice.events), r.sluice.seconds.toFixed(2), int(r.sluice.eventsPerSecond), r.sluice.peakRssMb.toFixed(0), ratioText(r.ratio), `>= 1/${Math.round(1 / r.aim)}`, check]);
    table.push([`  baseline: ${r.baseline.name}`, int(r.baseline.events), r.baseline.seconds.toFixed(2), int(r.baseline.eventsPerSecond), r.baseline.peakRssMb.toFixed(0), '', '', r.resultsMatch ? 'same results' : '']);
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const numeric = new Set([1, 2, 3, 4]);
  const line = (row: string[]) => row.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  console.log(`\n${line(table[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of table.slice(1)) console.log(line(row));

  const report = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim(),
    runsPerSide: RUNS,
    scale: SCALE,
    benchmarks: rows,
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
