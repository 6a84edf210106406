/**
 * `make bench-flink`, Nexmark: each query of samples/nexmark beside its Flink twin
 * (src/sluice/twins/nexmark, built by build.sh). First the check that the Java generator makes
 * the same events (nexmarkGeneratorCheck.ts); then per row and pair one run of each side, in
 * child processes of their own, back to back; each side measures its own steady state, from
 * the moment its source generates event events/4 to the job's end (steadyFigures.ts); outputs
 * are checked equal by count and checksum (nexmarkChecksums.ts). Rows: q0-q8 on memory state
 * beside Flink's heap state; the stateful ones on Redis beside RocksDB, redis-server's CPU
 * counted with Sluice's (a private server, privateRedis.ts); q0, q1, q2 and q5 in SQL beside
 * Flink SQL running the same text. As make bench-nexmark: parallelism 1, exactly-once
 * checkpoints every 250 ms. Prints each row's ratio as soon as it is known, then the table and
 * the load average, writes build/bench-flink-nexmark-results.json, and fails if a pair's
 * results differ.
 *
 * Arguments: row ids (default all). Environment: FLINK_BENCH_PAIRS (default 2),
 * FLINK_BENCH_SCALE (multiplies the event counts, default 1), FLINK_TWINS_JAVA (default java).
 */
import { execFile } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { QueryId, queries } from '../nexmark/queries';
import { NEXMARK_SQL } from '../nexmark/sql';
import { flinkTwinCommand, requireTwinBuilt } from './flinkCommand';
import { generatorChecksum } from './nexmarkGeneratorCheck';
import { PrivateRedis, startPrivateRedis } from './privateRedis';
import { runTwinSide } from './runTwinSide';
import { endTwinRun, loadText } from './endTwinRun';
import { SteadyPair, SteadySummary, formatSteadyTable, int, pairRatios, ratio, summarizeSteadyRow } from './steadyFigures';
import { TwinRow, TwinRun, eventCount, parseTwinOptions } from './twinFigures';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RESULTS_FILE = path.join(ROOT, 'build', 'bench-flink-nexmark-results.json');

export interface NexmarkTwinRow extends TwinRow {
  readonly query: QueryId;
  /** runNexmarkSide.ts's runner and NexmarkTwin.java's backend. */
  readonly sluice: 'memory' | 'redis' | 'sql';
  readonly flink: 'heap' | 'rocksdb' | 'sql';
}

/**
 * Events per run at scale 1: at least about 5 s of steady work for the faster side. At the
 * counts before (a third of q0–q2's, half of the others') the steady state lasted 1.5–4 s,
 * before Flink's JIT had finished warming up (docs/benchmarks.md, "Every row again").
 */
const EVENTS: Record<QueryId, number> = {
  q0: 24_000_000,
  q1: 24_000_000,
  q2: 24_000_000,
  q3: 12_000_000,
  q4: 4_000_000,
  q5: 2_000_000,
  q6: 4_000_000,
  q7: 3_000_000,
  q8: 6_000_000,
};
/** q3 and q8 doubled for the same reason; the others run 3–5 s of steady state already. */
const REDIS_EVENTS: Partial<Record<QueryId, number>> = { q3: 8_000_000, q4: 1_000_000, q5: 500_000, q6: 1_000_000, q7: 1_000_000, q8: 4_000_000 };
/** The SQL twins (SqlQueries.java); q0–q2 four times their first counts, whose steady state lasted under 1.5 s. */
const SQL_EVENTS: Partial<Record<QueryId, number>> = { q0: 6_000_000, q1: 6_000_000, q2: 6_000_000, q5: 400_000 };

const row = (query: QueryId, sluice: NexmarkTwinRow['sluice'], flink: NexmarkTwinRow['flink'], events: number): NexmarkTwinRow => ({
  id: sluice === 'memory' ? query : `${query}-${sluice}`,
  name: `${query} ${queries[query].description}: ${sluice === 'memory' ? 'memory state vs heap' : sluice === 'redis' ? 'Redis (+ redis-server CPU) vs RocksDB' : 'SQL vs Flink SQL'}`,
  parallelism: 1,
  events,
  query,
  sluice,
  flink,
});

export const NEXMARK_ROWS: readonly NexmarkTwinRow[] = [
  ...(Object.keys(EVENTS) as QueryId[]).map((q) => row(q, 'memory', 'heap', EVENTS[q])),
  ...(Object.keys(REDIS_EVENTS) as QueryId[]).map((q) => row(q, 'redis', 'rocksdb', REDIS_EVENTS[q]!)),
  ...(Object.keys(SQL_EVENTS) as QueryId[]).map((q) => row(q, 'sql', 'sql', SQL_EVENTS[q]!)),
];

/** Sluice's side of a row; on Redis, runNexmarkSide counts the private redis-server's CPU (REDIS_PID). */
function runSluice(row: NexmarkTwinRow, events: number, redis: PrivateRedis | undefined): Promise<TwinRun> {
  const args = [path.join(__dirname, 'runNexmarkSide.js'), row.query, row.sluice, String(events)];
  const env = { ...process.env, SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'error', ...(redis ? { REDIS_URL: redis.url, REDIS_PID: String(redis.pid) } : {}) };
  return runTwinSide(`sluice ${row.id} ${events}`, process.execPath, args, env);
}

function runFlink(row: NexmarkTwinRow, events: number): Promise<TwinRun> {
  const sql = row.flink === 'sql' ? [NEXMARK_SQL[row.query]] : [];
  const { command, args } = flinkTwinCommand('nexmark.NexmarkTwin', [row.query, row.flink, String(events), ...sql]);
  return runTwinSide(`flink ${row.id} ${events}`, command, args, process.env);
}

async function runPair(row: NexmarkTwinRow, events: number, redis: PrivateRedis | undefined): Promise<SteadyPair> {
  const sluice = await runSluice(row, events, redis);
  process.stderr.write('s');
  const flink = await runFlink(row, events);
  process.stderr.write('f');
  return { sluice, flink };
}

/** Fails unless the Java generator's sample hashes as the TypeScript one's. */
async function checkGenerator(): Promise<string> {
  const { command, args } = flinkTwinCommand('nexmark.GeneratorCheck', []);
  const java = await new Promise<string>((resolve, reject) => {
    execFile(command, args, (e, stdout) => (e ? reject(new Error(`GeneratorCheck failed: ${e.message}`)) : resolve(stdout)));
  });
  const flink = JSON.parse(java) as { events: number; checksum: number };
  const sluice = generatorChecksum();
  if (flink.events !== sluice.events || flink.checksum !== sluice.checksum) {
    throw new Error(`the Java generator's events differ from generator.ts's: ${flink.events} events hash to ${flink.checksum} in Java, ${sluice.events} to ${sluice.checksum} in TypeScript`);
  }
  return `${sluice.events.toLocaleString('en-US')} events, FNV-1a ${sluice.checksum} on both sides`;
}


async function main(): Promise<void> {
  const options = parseTwinOptions(process.argv.slice(2), process.env, NEXMARK_ROWS);
  requireTwinBuilt('nexmark.NexmarkTwin');
  const loadBefore = loadText();
  console.log(`\nNexmark, Sluice beside its Flink twins (local MiniCluster): node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), parallelism 1, exactly-once checkpoints every 250 ms, ${options.pairs} pair(s) per row, medians shown`);
  console.log(`generator: ${await checkGenerator()}`);
  console.log(`load average before: ${loadBefore}\n`);
  const redis = options.rows.some((r) => r.sluice === 'redis') ? await startPrivateRedis() : undefined;
  // Stopped (Ctrl-C, kill): the private redis-server goes too.
  const stop = () => void (redis?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const summaries: SteadySummary[] = [];
  try {
    for (const row of options.rows) {
      const events = eventCount(row, options.scale);
      process.stderr.write(`  ${row.id}: `);
      const pairs: SteadyPair[] = [];
      for (let i = 0; i < options.pairs; i++) pairs.push(await runPair(row, events, row.sluice === 'redis' ? redis : undefined));
      const summary = summarizeSteadyRow(row, pairs);
      summaries.push(summary);
      // The row's result as soon as it is known: a long run stopped early keeps what it measured.
      const { sluice, flink } = summary.rates;
      process.stderr.write(
        ` steady events/CPU-s Sluice ${int(sluice.steady.perCpuSecond)}, Flink ${int(flink.steady.perCpuSecond)}, ratio ${ratio(summary.ratios.steady.perCpuSecond)}` +
          ` (pairs: ${pairRatios(summary).map(ratio).join(', ')}), outputs ${summary.resultsMatch ? 'same' : 'DIFFER'}, load ${os.loadavg()[0].toFixed(1)}\n`,
      );
    }
  } finally {
    await redis?.stop();
  }
  for (const line of formatSteadyTable(summaries)) console.log(line);
  const loadAfter = loadText();
  console.log(`\nsteady ev/CPU-s: the events after the source's event events/4 over the CPU time (all threads of the process; Redis rows add redis-server's, a private server) from that moment to the job's end; start-up and warm-up come before it.`);
  console.log(`Sluice ÷ Flink: the median of the pairs' ratios (pairs: each pair's); with start-up: the whole run's events per CPU-second; steady, wall: per second of wall-clock time.`);
  console.log(`Flink: heap = HashMap state, full snapshots; RocksDB incremental; checkpoints to files in a temporary directory; object reuse on. q4 counts each category's last average.`);
  console.log(`load average after: ${loadAfter}`);
  await endTwinRun(RESULTS_FILE, { loadBefore, loadAfter, ...options }, summaries);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
