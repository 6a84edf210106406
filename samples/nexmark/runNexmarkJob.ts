/**
 * One Nexmark query as the benchmark runs it, in this process, its outputs into `sink`:
 * parallelism 1, exactly-once checkpoints every 250 ms, the generator's events from the
 * source, on the memory or the Redis state backend (a fresh key prefix per run, dropped after
 * it), in DataStream or SQL. On Redis the checkpoints go to the state's own Redis, so that the
 * snapshots are incremental (docs/redis.md), as the RocksDB twin's are in make bench-flink;
 * with memory checkpoints every snapshot would read the whole state back from Redis. runQuery.ts (make bench-nexmark) counts the outputs;
 * samples/flink-twins/runNexmarkSide.ts tallies them against Flink's twin.
 */
import { Sink, StreamEnvironment } from '../../src';
import { RedisStateInspector } from '../../src/redis';
import { TableEnvironment } from '../../src/sql';
import { BENCH_CONFIG, CHECKPOINT_INTERVAL_MS, REDIS_URL } from './benchSettings';
import { NexmarkSourceOptions, nexmarkEvents } from './NexmarkSource';
import { QueryId, queries } from './queries';
import { NEXMARK_SQL, NEXMARK_SQL_TABLES, registerNexmarkTables } from './sql';

const REDIS_PREFIX = 'sluice-nexmark-bench';

/** Runs query `id` over `events` events (calling `mark.reached` as event `mark.at` is generated); resolves with the periodic checkpoints completed. */
export async function runNexmarkJob(
  id: QueryId,
  backend: 'memory' | 'redis',
  events: number,
  sink: Sink<unknown>,
  language: 'datastream' | 'sql' = 'datastream',
  mark?: NexmarkSourceOptions['mark'],
): Promise<{ checkpoints: number }> {
  const jobId = `nexmark-${id}-${process.pid}-${Date.now()}`;
  const env = StreamEnvironment.create({
    parallelism: 1,
    jobId,
    ...(backend === 'redis' ? { stateBackend: { type: 'redis' as const, url: REDIS_URL, keyPrefix: REDIS_PREFIX }, checkpointStorage: sameRedis(REDIS_URL, REDIS_PREFIX) } : {}),
  });
  env.enableCheckpointing(CHECKPOINT_INTERVAL_MS, 'exactly-once');
  const input = nexmarkEvents(env, { ...BENCH_CONFIG, events, ...(mark ? { mark } : {}) });
  if (language === 'sql') {
    const tEnv = TableEnvironment.create(env);
    registerNexmarkTables(tEnv, input, NEXMARK_SQL_TABLES[id]);
    tEnv.sqlQuery(NEXMARK_SQL[id]).toChangelogStream().sinkTo(sink);
  } else (queries[id].query(input) as { sinkTo(s: Sink<unknown>): unknown }).sinkTo(sink);
  try {
    const result = await env.execute(`nexmark ${id}`);
    // The last completed checkpoint is the final one at end of input; the others were periodic.
    return { checkpoints: Math.max(0, (result.checkpoints?.completed ?? 1) - 1) };
  } finally {
    if (backend === 'redis') await new RedisStateInspector(REDIS_URL, REDIS_PREFIX).dropJob(jobId);
  }
}

/** The checkpoint storage in the state's own server and database (its number, 0 when the URL names none), under `prefix`. */
function sameRedis(url: string, prefix: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/0';
  parsed.searchParams.set('prefix', prefix);
  return parsed.toString();
}
