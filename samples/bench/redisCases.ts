/**
 * The Redis benchmarks: the keyed count with its state in Redis (write-back cache, pipelined
 * prefetch, checkpoints every second in Redis), beside the same count done the naive way, one
 * GET and one SET per record with plain ioredis, against the same server in the same run. One
 * row where the key space fits the cache, one where it is 20 times the cache (so most records
 * miss it and peak RSS shows whether memory stays bounded), and one comparing the cache-fits
 * job with the same job on memory state (what keeping the state in Redis costs). `redisBenchmarkSetThroughput`
 * measures the server's pipelined SET throughput with `redis-benchmark`, the ceiling to compare with.
 */
import { spawnSync } from 'child_process';
import Redis from 'ioredis';
import { StreamEnvironment } from '../../src';
import { RedisStateInspector } from '../../src/redis';
import { redisAnswers, scanKeys } from '../../src/state/redisConnection';
import type { Benchmark, SideOutcome } from './cases';
import { CountPerKey } from './cases';
import { DiscardingSink } from './DiscardingSink';
import { emptyTally } from './workloads';

/** The server the Redis benchmarks use (the development machines' one by default). */
export const BENCH_REDIS_URL = process.env.SLUICE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = 'sluice-bench';
/** Events per run: the naive side does two round trips per event, about 15 s for these. */
const EVENTS = 200_000;

export interface CountedEvent {
  readonly id: number;
  readonly key: number;
}

/** Event `index` of a key space of `keys` keys (a multiplicative hash: every key recurs). */
export function countedEvent(index: number, keys: number): CountedEvent {
  return { id: index, key: (Math.imul(index, 0x9e3779b1) >>> 0) % keys };
}

const keyOfEvent = (e: CountedEvent) => e.key;

/** The keyed count with state and checkpoints in Redis, p=2; the job's keys are dropped afterwards (not timed). */
async function countOnRedisState(events: number, keys: number, cacheSize: number): Promise<SideOutcome> {
  const jobId = `bench-${process.pid}-${Date.now().toString(36)}`;
  const env = StreamEnvironment.create({
    parallelism: 2,
    jobId,
    stateBackend: { type: 'redis', url: BENCH_REDIS_URL, keyPrefix: PREFIX, cacheSize },
    checkpointStorage: `${BENCH_REDIS_URL}/0?prefix=${PREFIX}`,
  });
  const outcome = await runCount(env, events, keys);
  return { ...outcome, cleanup: async () => void (await new RedisStateInspector(BENCH_REDIS_URL, PREFIX).dropJob(jobId)) };
}

/** The same job with its state and checkpoints in memory (the default backend). */
const countOnMemoryState = (events: number, keys: number) => runCount(StreamEnvironment.create({ parallelism: 2 }), events, keys);

/** The keyed count over `keys` keys with exactly-once checkpoints every second, on `env`'s backend. */
async function runCount(env: StreamEnvironment, events: number, keys: number): Promise<SideOutcome> {
  env.enableCheckpointing(1000, 'exactly-once');
  const sink = new DiscardingSink();
  env
    .fromGenerator(events, (i) => countedEvent(i, keys))
    .keyBy(keyOfEvent)
    .process(new CountPerKey<CountedEvent>())
    .uid('count-per-key')
    .sinkTo(sink);
  const result = await env.execute('bench-keyed-count');
  if (result.status !== 'finished') throw new Error(`the keyed count ended ${result.status}`);
  return sink.total();
}

/** The naive way: per record, GET the key's count and SET the new one, awaiting each. */
async function countWithGetAndSet(events: number, keys: number): Promise<SideOutcome> {
  const prefix = `${PREFIX}:naive-${process.pid}-${Date.now().toString(36)}`;
  const client = new Redis(BENCH_REDIS_URL);
  const tally = emptyTally();
  for (let i = 0; i < events; i++) {
    const key = `${prefix}:${countedEvent(i, keys).key}`;
    const stored = await client.get(key);
    const n = (stored === null ? 0 : Number(stored)) + 1;
    await client.set(key, String(n));
    tally.count++;
    tally.checksum += n;
  }
  const cleanup = async () => {
    const written = await scanKeys(client, `${prefix}:*`);
    for (let i = 0; i < written.length; i += 10_000) await client.unlink(...written.slice(i, i + 10_000));
    client.disconnect();
  };
  return { ...tally, cleanup };
}

/** Whether the benchmarks' Redis answers PING within a second. */
export const benchRedisAnswers = () => redisAnswers(BENCH_REDIS_URL);

export interface RedisBenchmarkFigure {
  readonly command: string;
  readonly setsPerSecond: number;
}

/**
 * `redis-benchmark -t set -P 16 -q -n <n>` against the benchmarks' server (in a database of its
 * own, 9, whose one key it deletes afterwards); undefined when the binary is missing.
 */
export function redisBenchmarkSetThroughput(requests = 1_000_000): RedisBenchmarkFigure | undefined {
  const { hostname, port } = new URL(BENCH_REDIS_URL);
  const args = ['-h', hostname, '-p', port || '6379', '--dbnum', '9', '-t', 'set', '-P', '16', '-q', '-n', String(requests)];
  const run = spawnSync('redis-benchmark', args, { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) return undefined;
  const match = /SET: ([\d.]+) requests per second/.exec(run.stdout);
  if (match === null) throw new Error(`cannot read redis-benchmark's output: ${run.stdout}`);
  spawnSync('redis-cli', ['-h', hostname, '-p', port || '6379', '-n', '9', 'DEL', 'key:__rand_int__'], { encoding: 'utf8' });
  return { command: `redis-benchmark ${args.join(' ')}`, setsPerSecond: Number(match[1]) };
}

const NAIVE = 'the same count with one GET and one SET per record (plain ioredis)';

export const redisBenchmarks: readonly Benchmark[] = [
  {
    id: 'redis-keyed',
    sluiceName: 'keyed count on Redis state, 10,000 keys (cache fits), checkpoints 1 s, p=2',
    baselineName: NAIVE,
    parallelism: 2,
    events: EVENTS,
    aim: 20,
    needsRedis: true,
    sluice: (events) => countOnRedisState(events, 10_000, 100_000),
    baseline: (events) => countWithGetAndSet(events, 10_000),
  },
  {
    id: 'redis-keyed-evicting',
    sluiceName: 'keyed count on Redis state, 100,000 keys, cache 5,000 per task, checkpoints 1 s, p=2',
    baselineName: NAIVE,
    parallelism: 2,
    events: EVENTS,
    aim: 20,
    needsRedis: true,
    sluice: (events) => countOnRedisState(events, 100_000, 5_000),
    baseline: (events) => countWithGetAndSet(events, 100_000),
  },
  {
    id: 'redis-keyed-vs-memory',
    sluiceName: 'keyed count on Redis state, 10,000 keys (cache fits), checkpoints 1 s, p=2',
    baselineName: 'the same job on memory state (checkpoints 1 s in memory)',
    parallelism: 2,
    // Ten times the naive rows' events: both sides are fast, and the time to start is not what is measured.
    events: 10 * EVENTS,
    aim: 0.5,
    needsRedis: true,
    sluice: (events) => countOnRedisState(events, 10_000, 100_000),
    baseline: (events) => countOnMemoryState(events, 10_000),
  },
];
