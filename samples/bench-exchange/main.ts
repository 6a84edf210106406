/**
 * The exchange benchmark (`make bench` runs it after the others): batches of records sent
 * between two worker threads, for each payload, batch serializer and transport, each
 * configuration in a process of its own, alternating configurations from run to run. Prints
 * per payload the median of each configuration and its ratio to the baseline measured in the
 * same run: structured clone over a MessagePort (what `postMessage` of a plain batch does).
 * Writes every run's figures to build/bench-exchange-results.json.
 *
 * Environment: BENCH_RUNS (runs per configuration, default 3), BENCH_SCALE (multiplies the
 * record counts, default 1). Arguments: payloads to run (default all).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChild } from '../bench/runChild';
import { BenchProgress } from '../common/benchProgress';
import { median } from '../common/median';
import { CODECS } from './codecs';
import { PAYLOADS, PayloadId } from './payloads';
import type { ExchangeResult } from './runExchange';
import { BATCH_SIZE, RECORDS, TRANSPORTS, WINDOW_BATCHES } from './settings';

/** The line that shows what runs (on a terminal; a dot a run in a log). */
const progress = new BenchProgress();

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-exchange-results.json');


const int = (n: number) => Math.round(n).toLocaleString('en-US');

function printTable(payload: PayloadId, rows: readonly (readonly ExchangeResult[])[]): void {
  const baseline = rows.find((runs) => runs[0].codec === 'clone' && runs[0].transport === 'port')!;
  const baseRate = median(baseline.map((r) => r.recordsPerSecond));
  const threadsCpu = (runs: readonly ExchangeResult[]) => median(runs.map((r) => r.producerUs + r.consumerUs));
  const baseCpu = threadsCpu(baseline);
  const header = ['codec', 'transport', 'records/s', 'ratio', 'bytes/rec', 'send µs/rec', 'recv µs/rec', 'CPU ratio', 'process µs/rec', 'latency ms', 'loaded p50/p99 ms', 'peak RSS MB', 'check'];
  const table = [header];
  for (const runs of rows) {
    const rate = median(runs.map((r) => r.recordsPerSecond));
    const m = (f: (r: ExchangeResult) => number) => median(runs.map(f));
    table.push([
      runs[0].codec,
      runs[0].transport,
      int(rate),
      (rate / baseRate).toFixed(2),
      runs[0].bytesPerRecord.toFixed(1),
      m((r) => r.producerUs).toFixed(3),
      m((r) => r.consumerUs).toFixed(3),
      (baseCpu / threadsCpu(runs)).toFixed(2),
      m((r) => r.processCpuUs).toFixed(3),
      m((r) => r.unloadedLatencyMs).toFixed(3),
      `${m((r) => r.loadedLatencyP50Ms).toFixed(2)}/${m((r) => r.loadedLatencyP99Ms).toFixed(2)}`,
      Math.max(...runs.map((r) => r.peakRssMb)).toFixed(0),
      runs.every((r) => r.checksumsMatch) ? 'same records' : 'RECORDS DIFFER',
    ]);
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c < 2 || c === header.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  console.log(`\n${payload} (${int(rows[0][0].records)} records a run)\n${line(table[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of table.slice(1)) console.log(line(row));
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2) as PayloadId[];
  const unknown = wanted.filter((w) => !PAYLOADS.includes(w));
  if (unknown.length > 0) throw new Error(`unknown payload ${unknown.join(', ')}; known: ${PAYLOADS.join(', ')}`);
  if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
  if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
  const payloads = wanted.length === 0 ? PAYLOADS : wanted;
  console.log(`\nExchange between threads: node ${process.version}, ${os.cpus().length} CPUs, batches of ${BATCH_SIZE} records, ${WINDOW_BATCHES} batches in flight at most, ${RUNS} run(s) per configuration, median shown`);
  console.log('ratio: records/s against clone over port in the same run; send/recv µs/rec: CPU time of the producer / consumer thread per record; CPU ratio: the baseline\'s send + recv against this one\'s (above 1: cheaper);');
  console.log('process µs/rec: the whole process\'s CPU (both threads, GC); latency: one batch alone, send to decoded; loaded: under full credit');
  const all: ExchangeResult[] = [];
  for (const payload of payloads) {
    const configs = CODECS.flatMap((codec) => TRANSPORTS.map((transport) => ({ codec, transport })));
    const runs = configs.map(() => [] as ExchangeResult[]);
    const records = Math.max(BATCH_SIZE, Math.round(RECORDS[payload] * SCALE));
    progress.begin(payload);
    for (let i = 0; i < RUNS; i++) {
      for (let c = 0; c < configs.length; c++) {
        progress.run(`${configs[c].codec} over ${configs[c].transport}, run ${i + 1} of ${RUNS}`);
        runs[c].push(await runChild<ExchangeResult>(path.join(__dirname, 'runExchange.js'), [payload, configs[c].codec, configs[c].transport, String(records)]));
        progress.ran('.');
      }
    }
    progress.end();
    printTable(payload, runs);
    all.push(...runs.flat());
  }
  await fs.writeFile(RESULTS_FILE, JSON.stringify({ at: new Date().toISOString(), node: process.version, runs: all }, null, 2));
  console.log(`\nEvery run's figures: ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
