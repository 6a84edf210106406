/**
 * Bytes per key of keyed state, measured in this process and printed as one JSON line:
 * `node --expose-gc build/samples/state-bytes/runStateBytes.js <memory|redis> <keys>`.
 * The job (parallelism 1): the keys 0..keys-1, each once -> keyBy -> a count per key in
 * ValueState<number> (Flink's twin: ValueState<Integer>). The source stops at half the keys and
 * at all of them; at each stop (after a checkpoint, on Redis, so that the write-back cache is
 * in Redis) memory is measured after a full garbage collection: the Node heap, and Redis's
 * used_memory. Bytes per key = the growth between the two stops ÷ the keys added, so
 * the job's fixed costs cancel.
 */
import Redis from 'ioredis';
import { Collector, KeyedProcessContext, KeyedProcessFunction, RuntimeContext, Serializers, StreamEnvironment, ValueState, ValueStateDescriptor } from '../../src';
import { RedisStateInspector } from '../../src/redis';
import { StagedSource } from './StagedSource';

const REDIS_URL = process.env.SLUICE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = 'sluice-state-bytes';

export interface StateBytesRun {
  readonly side: 'sluice';
  readonly backend: 'memory' | 'redis';
  readonly keys: number;
  /** Node heap growth per key added (the Redis backend's cache included). */
  readonly heapBytesPerKey: number;
  /** Redis used_memory growth per key added; undefined for memory state. */
  readonly redisBytesPerKey?: number;
}

class CountPerKey extends KeyedProcessFunction<number, number, never> {
  private count!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(_key: number, _ctx: KeyedProcessContext<number>, _out: Collector<never>): void {
    this.count.update(this.count.value()! + 1);
  }
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc: the measure needs a full garbage collection');
  gc();
  gc();
}

async function redisUsedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (match === null) throw new Error(`Redis INFO memory has no used_memory: ${info.slice(0, 200)}`);
  return Number(match[1]);
}

export async function runStateBytes(backend: 'memory' | 'redis', keys: number): Promise<StateBytesRun> {
  const jobId = `state-bytes-${process.pid}-${Date.now().toString(36)}`;
  const source = new StagedSource();
  const env = StreamEnvironment.create({
    parallelism: 1,
    jobId,
    ...(backend === 'redis' ? { stateBackend: { type: 'redis' as const, url: REDIS_URL, keyPrefix: PREFIX, cacheSize: 1024 }, checkpointStorage: `${REDIS_URL}/0?prefix=${PREFIX}` } : {}),
  });
  if (backend === 'redis') env.enableCheckpointing(3_600_000, 'exactly-once');
  env.fromSource(source).uid('keys').keyBy((k) => k).process(new CountPerKey()).uid('count-per-key').sinkTo({ name: 'Discard', createWriter: () => ({ write() {} }) });
  const client = backend === 'redis' ? new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 }) : undefined;
  // Everything after the connection is in the try: a refused job or a failed measure must not
  // leave the client connected (it would keep the process alive).
  let job: ReturnType<StreamEnvironment['execute']> | undefined;
  try {
    await client?.connect();
    job = env.execute(`state bytes ${backend}`);
    const running = job;
    const measureAt = async (end: number) => {
      source.releaseUpTo(end);
      while (((await running.counters()).operators['Keyed Process']?.recordsIn ?? 0) < end) await new Promise((r) => setTimeout(r, 10));
      // Redis: the write-back cache goes to Redis with a checkpoint (whose own keys only reference
      // the state). Memory: no checkpoint, since the memory store would hold a copy of the state.
      if (backend === 'redis') await running.triggerCheckpoint();
      fullGc();
      return { heap: process.memoryUsage().heapUsed, redis: client === undefined ? 0 : await redisUsedMemory(client) };
    };
    const half = Math.floor(keys / 2);
    const atHalf = await measureAt(half);
    const atAll = await measureAt(keys);
    const added = keys - half;
    return {
      side: 'sluice',
      backend,
      keys,
      heapBytesPerKey: (atAll.heap - atHalf.heap) / added,
      ...(client !== undefined ? { redisBytesPerKey: (atAll.redis - atHalf.redis) / added } : {}),
    };
  } finally {
    await job?.cancel();
    if (client !== undefined) {
      await new RedisStateInspector(REDIS_URL, PREFIX).dropJob(jobId);
      client.disconnect();
    }
  }
}

if (require.main === module) {
  const [backend, keysText] = process.argv.slice(2);
  const keys = Number(keysText ?? 1_000_000);
  if (backend !== 'memory' && backend !== 'redis') throw new Error(`backend must be 'memory' or 'redis', got '${backend}'`);
  if (!Number.isInteger(keys) || keys < 2) throw new Error(`keys must be an integer of at least 2, got '${keysText}'`);
  runStateBytes(backend, keys).then(
    (run) => process.stdout.write(`${JSON.stringify(run)}\n`),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
