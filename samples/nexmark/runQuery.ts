/**
 * Runs one Nexmark query once in this process and prints its figures as one JSON line:
 * `node build/samples/nexmark/runQuery.js <query> <memory|redis|sql|rxjs|node-streams> <events>`.
 * The driver (bench.ts) starts one process per run so that peak RSS is per run. `sql` runs the
 * query's SQL version (sql.ts) on the memory backend, its changelog counted as outputs.
 *
 * Sluice runs: parallelism 1 (Flink's figures are per core; one Node process is one core),
 * exactly-once checkpoints every 250 ms, the whole pipeline from the generator source to a
 * sink that counts what it receives.
 */
import { Sink } from '../../src';
import { withRedis } from '../../src/state/redisConnection';
import { StatelessQuery, runWithNodeStreams, runWithRxjs } from './baselines';
import { BENCH_CONFIG, REDIS_URL } from './benchSettings';
import { QueryId, queries } from './queries';
import { runNexmarkJob } from './runNexmarkJob';

export type Runner = 'memory' | 'redis' | 'sql' | 'rxjs' | 'node-streams';

export interface QueryRun {
  readonly query: QueryId;
  readonly runner: Runner;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
  /** Records the query emitted: equal across runners for the same events. */
  readonly outputs: number;
  /** Periodic checkpoints completed (Sluice runs). */
  readonly checkpoints?: number;
  /** CPU time redis-server used during a Redis run (INFO cpu before and after; other clients of a shared server count too). */
  readonly redisCpuSeconds?: number;
  /**
   * Sluice runs: the events from the moment the source generates event events/4 to the job's
   * end, and this process's CPU time over them (start-up and the first JIT warm-up excluded).
   */
  readonly steady?: { readonly events: number; readonly cpuSeconds: number };
}

/** redis-server's CPU time so far (user + system), in seconds. */
async function redisCpuSeconds(): Promise<number> {
  const info = await withRedis(REDIS_URL, (r) => r.info('cpu'));
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Counts records and drops them. */
class CountingSink implements Sink<unknown> {
  readonly name = 'Counting Sink';
  count = 0;
  createWriter() {
    return { write: (records: readonly unknown[]) => void (this.count += records.length) };
  }
}

const cpuSecondsSoFar = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function runSluice(id: QueryId, backend: 'memory' | 'redis', events: number, language: 'datastream' | 'sql' = 'datastream'): Promise<{ outputs: number; checkpoints: number; steady: QueryRun['steady'] }> {
  const sink = new CountingSink();
  const markAt = Math.floor(events / 4);
  let cpuAtMark: number | undefined;
  const { checkpoints } = await runNexmarkJob(id, backend, events, sink, language, { at: markAt, reached: () => (cpuAtMark = cpuSecondsSoFar()) });
  const steady = cpuAtMark === undefined ? undefined : { events: events - markAt, cpuSeconds: cpuSecondsSoFar() - cpuAtMark };
  return { outputs: sink.count, checkpoints, steady };
}

async function main(): Promise<void> {
  const [id, runner, eventsText] = process.argv.slice(2) as [QueryId, Runner, string];
  if (!(id in queries)) throw new Error(`unknown query '${id}'; known: ${Object.keys(queries).join(', ')}`);
  if (!['memory', 'redis', 'sql', 'rxjs', 'node-streams'].includes(runner)) throw new Error(`runner must be memory, redis, sql, rxjs or node-streams, got '${runner}'`);
  const events = Number(eventsText);
  if (!Number.isInteger(events) || events < 1) throw new Error(`events must be a positive integer, got '${eventsText}'`);
  const stateless = (['q0', 'q1', 'q2'] as string[]).includes(id);
  if ((runner === 'rxjs' || runner === 'node-streams') && !stateless) throw new Error(`the ${runner} baseline exists for q0, q1 and q2 only`);

  const redisCpuBefore = runner === 'redis' ? await redisCpuSeconds() : undefined;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let outputs: number;
  let checkpoints: number | undefined;
  let steady: QueryRun['steady'];
  if (runner === 'rxjs') outputs = await runWithRxjs(id as StatelessQuery, events, BENCH_CONFIG);
  else if (runner === 'node-streams') outputs = await runWithNodeStreams(id as StatelessQuery, events, BENCH_CONFIG);
  else if (runner === 'sql') ({ outputs, checkpoints, steady } = await runSluice(id, 'memory', events, 'sql'));
  else ({ outputs, checkpoints, steady } = await runSluice(id, runner, events));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = redisCpuBefore === undefined ? undefined : (await redisCpuSeconds()) - redisCpuBefore;
  const run: QueryRun = {
    query: id,
    runner,
    events,
    seconds,
    eventsPerSecond: events / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    outputs,
    ...(checkpoints !== undefined ? { checkpoints } : {}),
    ...(redisCpu !== undefined ? { redisCpuSeconds: redisCpu } : {}),
    ...(steady !== undefined ? { steady } : {}),
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
