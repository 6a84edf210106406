/**
 * The Nexmark benchmark (`make bench-nexmark`, also part of `make bench`): every query over a
 * fixed number of events, each run in a child process of its own (so peak RSS is per run),
 * with exactly-once checkpoints every 250 ms; first on the memory state backend, then the
 * stateful queries on Redis (a fresh key prefix per run, dropped after it); then the stateless ones against the same logic in RxJS and Node
 * streams, measured in the same run. Prints tables and writes build/nexmark-results.json.
 *
 * Throughput is given two ways. events/s is wall-clock. events per CPU-second is the events
 * divided by the CPU time the process used (user + system): that is Nexmark's
 * "Throughput/Core" (throughput over the cores used), and it holds up when other processes
 * share the machine, which wall-clock time does not. The columns marked * set it beside Flink
 * 1.13's published cluster Throughput/Core: context, not like for like (a cluster with RocksDB
 * and a network shuffle); `make bench-flink` measures Flink's twins on this machine.
 *
 * Environment: NEXMARK_RUNS (runs per row, median shown; default 1), NEXMARK_SCALE (multiplies
 * the event counts; default 1). Arguments: query ids to run (default all).
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChild } from '../bench/runChild';
import { BenchProgress } from '../common/benchProgress';
import { median } from '../common/median';

/** The line that shows what runs (on a terminal; a dot a query in a log). */
const progress = new BenchProgress();
import { QUERY_IDS, QueryId, queries } from './queries';
import type { QueryRun, Runner } from './runQuery';
import { BENCH_CONFIG, BENCH_EVENTS, CHECKPOINT_INTERVAL_MS } from './benchSettings';

const RUNS = Number(process.env.NEXMARK_RUNS ?? 1);
const SCALE = Number(process.env.NEXMARK_SCALE ?? 1);
const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'nexmark-results.json');


const runQuery = (id: QueryId, runner: Runner, events: number) => runChild<QueryRun>(path.join(__dirname, 'runQuery.js'), [id, runner, String(events)]);

export interface Row {
  readonly query: QueryId;
  readonly runner: Runner;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
  readonly peakRssMb: number;
  readonly outputs: number;
  readonly checkpoints: number | undefined;
  /** Redis runs: CPU seconds redis-server used meanwhile (median; a shared server's other clients count too). */
  readonly redisCpuSeconds: number | undefined;
  /** undefined: Flink does not run the query (q6). */
  readonly flinkPerCore: number | undefined;
  /** events per CPU-second ÷ Flink 1.13's Throughput/Core. */
  readonly ratioToFlink: number | undefined;
  readonly runs: readonly QueryRun[];
}

async function measure(id: QueryId, runner: Runner): Promise<Row> {
  const events = Math.max(1, Math.round(BENCH_EVENTS[id] * SCALE));
  const runs: QueryRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    progress.run(`${id} on ${runner}, run ${i + 1} of ${RUNS}`);
    runs.push(await runQuery(id, runner, events));
  }
  progress.ran('.');
  const perCpu = runs.map((r) => r.events / r.cpuSeconds);
  const middle = [...runs].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)[Math.floor(runs.length / 2)];
  const eventsPerCpuSecond = median(perCpu);
  return {
    query: id,
    runner,
    events,
    seconds: middle.seconds,
    eventsPerSecond: middle.eventsPerSecond,
    eventsPerCpuSecond,
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    outputs: middle.outputs,
    checkpoints: middle.checkpoints,
    redisCpuSeconds: runner === 'redis' ? median(runs.map((r) => r.redisCpuSeconds ?? NaN)) : undefined,
    flinkPerCore: queries[id].flinkPerCore,
    ratioToFlink: queries[id].flinkPerCore === undefined ? undefined : eventsPerCpuSecond / queries[id].flinkPerCore,
    runs,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const k = (n: number) => `${Math.round(n / 1000)}K`;

function printTable(header: string[], rows: string[][]): void {
  const table = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c <= 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

const sluiceRow = (r: Row) => [
  r.query,
  queries[r.query].description,
  int(r.events),
  r.seconds.toFixed(2),
  int(r.eventsPerSecond),
  int(r.eventsPerCpuSecond),
  r.peakRssMb.toFixed(0),
  r.flinkPerCore === undefined ? '-' : k(r.flinkPerCore),
  r.ratioToFlink === undefined ? '-' : r.ratioToFlink.toFixed(2),
  String(r.checkpoints ?? ''),
];
const SLUICE_HEADER = ['query', '', 'events', 'seconds', 'events/s', 'events/CPU-s', 'peak RSS MB', 'Flink 1.13/core*', '÷ Flink 1.13*', 'checkpoints'];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(QUERY_IDS as string[]).includes(w));
  if (unknown.length > 0) throw new Error(`unknown queries ${unknown.join(', ')}; known: ${QUERY_IDS.join(', ')}`);
  if (!(Number.isInteger(RUNS) && RUNS >= 1)) throw new Error(`NEXMARK_RUNS must be a positive integer, got ${process.env.NEXMARK_RUNS}`);
  if (!(SCALE > 0)) throw new Error(`NEXMARK_SCALE must be a positive number, got ${process.env.NEXMARK_SCALE}`);
  const selected = wanted.length === 0 ? QUERY_IDS : (wanted as QueryId[]);
  const started = Date.now();
  const load = os.loadavg()[0];

  console.log(
    `\nNexmark: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load average ${load.toFixed(1)} at start; ` +
      `parallelism 1, exactly-once checkpoints every ${CHECKPOINT_INTERVAL_MS} ms, generator seed ${BENCH_CONFIG.seed}, ` +
      `${BENCH_CONFIG.eventsPerSecond} events per event-time second, ${RUNS} run(s) per row\n`,
  );
  progress.begin('memory');
  const memory: Row[] = [];
  for (const id of selected) memory.push(await measure(id, 'memory'));
  progress.end();
  progress.begin('redis');
  const redis: Row[] = [];
  for (const id of selected.filter((q) => queries[q].state !== undefined)) redis.push(await measure(id, 'redis'));
  progress.end();
  progress.begin('baselines');
  const baselines: Row[] = [];
  for (const id of selected.filter((q) => queries[q].state === undefined)) {
    for (const runner of ['rxjs', 'node-streams'] as const) baselines.push(await measure(id, runner));
  }
  progress.end();

  console.log('Memory state backend (*: events per CPU-second ÷ Flink 1.13\'s published cluster Throughput/Core, context only, not like for like: `make bench-flink` runs Flink beside Sluice)\n');
  printTable(SLUICE_HEADER, memory.map(sluiceRow));
  console.log('\nRedis state backend (127.0.0.1:6379), stateful queries (events/CPU-s counts this process only; redis-server\'s CPU is the last column)\n');
  printTable([...SLUICE_HEADER, 'redis-server CPU s'], redis.map((r) => [...sluiceRow(r), (r.redisCpuSeconds ?? NaN).toFixed(2)]));

  const comparisons = selected
    .filter((q) => queries[q].state === undefined)
    .map((q) => {
      const sluice = memory.find((r) => r.query === q)!;
      const others = baselines.filter((r) => r.query === q);
      return { query: q, sluice, others, sameOutputs: others.every((o) => o.outputs === sluice.outputs) };
    });
  if (comparisons.length > 0) {
    console.log('\nStateless queries, the same logic in RxJS and Node streams (same generator, same run; ratio: Sluice ÷ other, by events per CPU-second)\n');
    printTable(
      ['query', 'runner', 'events', 'seconds', 'events/s', 'events/CPU-s', 'peak RSS MB', 'Sluice ÷ it', 'outputs'],
      comparisons.flatMap((c) =>
        [c.sluice, ...c.others].map((r) => [
          r.query,
          r.runner === 'memory' ? 'sluice' : r.runner,
          int(r.events),
          r.seconds.toFixed(2),
          int(r.eventsPerSecond),
          int(r.eventsPerCpuSecond),
          r.peakRssMb.toFixed(0),
          r === c.sluice ? '' : (c.sluice.eventsPerCpuSecond / r.eventsPerCpuSecond).toFixed(2),
          `${int(r.outputs)}${r !== c.sluice && r.outputs !== c.sluice.outputs ? ' DIFFERS' : ''}`,
        ]),
      ),
    );
  }

  const report = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim(),
    loadAverageAtStart: load,
    runsPerRow: RUNS,
    scale: SCALE,
    checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
    generator: BENCH_CONFIG,
    memory,
    redis,
    baselines,
  };
  await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await fs.writeFile(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all; results written to ${path.relative(process.cwd(), RESULTS_FILE)}`);
  if (comparisons.some((c) => !c.sameOutputs)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
