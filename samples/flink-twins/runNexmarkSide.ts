/**
 * Runs the Sluice side of one Nexmark row of `make bench-flink` in this process and prints its
 * figures as one JSON line, the same fields as the Flink twin's (NexmarkTwin.java):
 * `node build/samples/flink-twins/runNexmarkSide.js <q0..q8> <memory|redis|sql> <events>`.
 * The job is make bench-nexmark's (samples/nexmark/runNexmarkJob.ts), its outputs tallied
 * (nexmarkChecksums.ts). On Redis, redis-server's CPU is not counted here: the driver reads it.
 */
import { QUERY_IDS, QueryId } from '../nexmark/queries';
import { runNexmarkJob } from '../nexmark/runNexmarkJob';
import { NexmarkTally } from './nexmarkChecksums';
import { SideFigures } from './twinFigures';

async function main(): Promise<void> {
  const [id, runner, eventsText] = process.argv.slice(2) as [QueryId, string, string];
  if (!QUERY_IDS.includes(id)) throw new Error(`unknown query '${id}'; known: ${QUERY_IDS.join(', ')}`);
  if (!['memory', 'redis', 'sql'].includes(runner)) throw new Error(`runner must be memory, redis or sql, got '${runner}'`);
  const events = Number(eventsText);
  if (!Number.isInteger(events) || events < 1) throw new Error(`events must be a positive integer, got '${eventsText}'`);

  const sink = new NexmarkTally(id, runner === 'sql');
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await runNexmarkJob(id, runner === 'redis' ? 'redis' : 'memory', events, sink, runner === 'sql' ? 'sql' : 'datastream');
  const jobSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const job = process.cpuUsage(cpuBefore);
  const total = process.cpuUsage();
  const figures: SideFigures = {
    side: 'sluice',
    benchmark: `${id} ${runner}`,
    events,
    count: sink.count,
    checksum: sink.checksum,
    jobSeconds,
    jobCpuSeconds: (job.user + job.system) / 1e6,
    processCpuSeconds: (total.user + total.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
