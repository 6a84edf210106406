/**
 * Runs the Sluice side of one Nexmark row of `make bench-flink` in this process and prints its
 * figures as one JSON line, the same fields as the Flink twin's (NexmarkTwin.java):
 * `node build/samples/flink-twins/runNexmarkSide.js <q0..q8> <memory|redis|sql> <events>`.
 * The job is make bench-nexmark's (samples/nexmark/runNexmarkJob.ts), its outputs tallied
 * (nexmarkChecksums.ts). Steady state is measured here, from the moment the source generates
 * event events/4 to the job's end; with REDIS_PID set (the driver's private redis-server),
 * that server's CPU time (/proc/<pid>/stat) is counted too.
 */
import { QUERY_IDS, QueryId } from '../nexmark/queries';
import { runNexmarkJob } from '../nexmark/runNexmarkJob';
import { NexmarkTally } from './nexmarkChecksums';
import { redisServerCpuSeconds } from './privateRedis';
import { SideFigures } from './twinFigures';

async function main(): Promise<void> {
  const [id, runner, eventsText] = process.argv.slice(2) as [QueryId, string, string];
  if (!QUERY_IDS.includes(id)) throw new Error(`unknown query '${id}'; known: ${QUERY_IDS.join(', ')}`);
  if (!['memory', 'redis', 'sql'].includes(runner)) throw new Error(`runner must be memory, redis or sql, got '${runner}'`);
  const events = Number(eventsText);
  if (!Number.isInteger(events) || events < 1) throw new Error(`events must be a positive integer, got '${eventsText}'`);

  const sink = new NexmarkTally(id, runner === 'sql');
  const cpuSeconds = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const redisBefore = redisServerCpuSeconds();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const markAt = Math.floor(events / 4);
  let mark: { readonly cpu: number; readonly redisCpu: number; readonly at: bigint } | undefined;
  const reached = () => (mark = { cpu: cpuSeconds(), redisCpu: redisServerCpuSeconds(), at: process.hrtime.bigint() });
  await runNexmarkJob(id, runner === 'redis' ? 'redis' : 'memory', events, sink, runner === 'sql' ? 'sql' : 'datastream', { at: markAt, reached });
  const ended = process.hrtime.bigint();
  const jobSeconds = Number(ended - started) / 1e9;
  const job = process.cpuUsage(cpuBefore);
  const total = process.cpuUsage();
  const redisAfter = redisServerCpuSeconds();
  if (mark === undefined) throw new Error(`the source never generated event ${markAt}`);
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
    steady: { events: events - markAt, seconds: Number(ended - mark.at) / 1e9, cpuSeconds: (total.user + total.system) / 1e6 - mark.cpu + (redisAfter - mark.redisCpu) },
    ...(process.env.REDIS_PID === undefined ? {} : { redisCpuSeconds: redisAfter - redisBefore }),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
