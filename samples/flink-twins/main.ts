/**
 * `make bench-flink`: Sluice beside Apache Flink on this machine. For each row, a job of
 * samples/bench and its Flink twin (src/sluice/twins, built by build.sh) process the same
 * events with the same parallelism and checkpoint settings, each side in a child process of
 * its own, back to back. Each side measures its steady state itself, from the moment its
 * generator reaches event events/4 to the job's end (steadyFigures.ts). Prints the table with
 * Sluice ÷ Flink ratios and the load average, writes build/bench-flink-results.json, and fails
 * loudly if the twins' results differ.
 *
 * Arguments: row ids (default all). Environment: FLINK_BENCH_PAIRS (default 2),
 * FLINK_BENCH_SCALE (multiplies the event counts, default 1), FLINK_TWINS_JAVA (default java).
 */
import * as os from 'os';
import * as path from 'path';
import { flinkTwinCommand, requireTwinBuilt } from './flinkCommand';
import { runTwinSide } from './runTwinSide';
import { endTwinRun, loadText } from './endTwinRun';
import { SteadyPair, SteadySummary, formatSteadyTable, pairRatios, ratio, summarizeSteadyRow } from './steadyFigures';
import { TwinRow, TwinRun, TwinSide, eventCount, parseTwinOptions } from './twinFigures';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RESULTS_FILE = path.join(ROOT, 'build', 'bench-flink-results.json');

/** Each side's command; Sluice logs only warnings, as the twin (slf4j-nop) logs nothing. */
function commandOf(side: TwinSide, id: string, events: number): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (side === 'sluice') return { command: process.execPath, args: [path.join(__dirname, 'runSluiceSide.js'), id, String(events)], env: { ...process.env, SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'warn' } };
  return { ...flinkTwinCommand('BenchTwin', [id, String(events)]), env: process.env };
}

function runSide(side: TwinSide, id: string, events: number): Promise<TwinRun> {
  const { command, args, env } = commandOf(side, id, events);
  return runTwinSide(`${side} ${id} ${events}`, command, args, env);
}

async function runPair(row: TwinRow, events: number): Promise<SteadyPair> {
  const sluice = await runSide('sluice', row.id, events);
  process.stderr.write('s');
  const flink = await runSide('flink', row.id, events);
  process.stderr.write('f');
  return { sluice, flink };
}


async function main(): Promise<void> {
  const options = parseTwinOptions(process.argv.slice(2), process.env);
  requireTwinBuilt('BenchTwin');
  const loadBefore = loadText();
  console.log(`Sluice beside Apache Flink (local MiniCluster, twins in samples/flink-twins): node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${options.pairs} pair(s) per row, medians shown`);
  console.log(`load average before: ${loadBefore}\n`);
  const summaries: SteadySummary[] = [];
  for (const row of options.rows) {
    const events = eventCount(row, options.scale);
    process.stderr.write(`  ${row.id}: `);
    const pairs: SteadyPair[] = [];
    for (let i = 0; i < options.pairs; i++) pairs.push(await runPair(row, events));
    const summary = summarizeSteadyRow(row, pairs);
    process.stderr.write(` steady per CPU-s ${ratio(summary.ratios.steady.perCpuSecond)} (pairs: ${pairRatios(summary).map(ratio).join(', ')}), load ${os.loadavg()[0].toFixed(1)}\n`);
    summaries.push(summary);
  }
  for (const line of formatSteadyTable(summaries)) console.log(line);
  const loadAfter = loadText();
  console.log(`\nsteady: from the moment each side's generator reached event events/4 to the job's end, measured in its process; with start-up: from spawning the process to its exit, CPU of the whole process. Ratios: median of the pairs' Sluice ÷ Flink.`);
  console.log(`load average after: ${loadAfter}`);
  await endTwinRun(RESULTS_FILE, { loadBefore, loadAfter, ...options }, summaries);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
