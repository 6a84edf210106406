import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { RedisStateInspector } from '../../src/state/RedisStateInspector';
import { Serializers } from '../../src/state/Serializer';
import { ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { audit, expectedCounts } from '../support/countingJob';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { FaultyParams, faultyCountingJob } from './fixtures/faultyCountingJob';

const RECORDS = 36_000;
const KEYS = 64;
const SEED = 23;
const count = new ValueStateDescriptor('count', Serializers.number);


describe('cluster/taskManagers: keyed state in Redis on task managers (real threads, real Redis; docs/internals.md, invariant 3)', function () {
  this.timeout(120_000);
  let url: string;
  let prefix: string;
  let dir: string;
  before(async function () {
    url = await redisUrl(this);
  });
  beforeEach(() => {
    prefix = uniquePrefix('tm-redis');
    dir = mkdtempSync(path.join(tmpdir(), 'sluice-tm-redis-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropPrefix(url, prefix);
  });

  /** The counting job with its state in Redis (a cache of 8 entries for 64 keys: most reads and writes go to Redis). */
  async function run(jobId: string, options: { taskManagers: number; checkpointStorage: string; fault?: FaultyParams['fault'] }, during?: (job: { taskManagers: { terminate(i: number): Promise<void> } | undefined }, marker: string) => Promise<void>) {
    const marker = path.join(dir, `fault-${jobId}`);
    // 'signal' with nothing to terminate is a run without a fault.
    const params: FaultyParams = { records: RECORDS, seed: SEED, keys: KEYS, fault: options.fault ?? 'signal', at: RECORDS / 3, marker };
    const env = StreamEnvironment.create({
      parallelism: 2,
      batchSize: 128,
      taskManagers: options.taskManagers,
      jobId,
      checkpointStorage: options.checkpointStorage,
      stateBackend: { type: 'redis', url, keyPrefix: prefix, cacheSize: 8 },
    });
    const job = env.executeJob(faultyCountingJob, params, `redis-${jobId}`);
    const injected = during?.(job, marker);
    const result = await job;
    await injected;
    expect(result.status, String((result as { error?: unknown }).error ?? '')).to.equal('finished');
    const entries = await new RedisStateInspector(url, prefix).entries(jobId, 'count-per-key', count);
    expect(isRight(entries), isRight(entries) ? '' : String(entries.left)).to.equal(true);
    const inRedis = new Map(isRight(entries) ? entries.right.map(([k, v]) => [k as number, v as number]) : []);
    const outputs = job.built.records();
    return { audit: audit(outputs, RECORDS, SEED, KEYS), outputs, inRedis, restarts: result.restarts, struck: existsSync(marker), failures: job.failures().map((f) => f.error.message) };
  }

  const exact = { lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 };
  const countsByKey = (outputs: ReadonlyArray<{ key: number; count: number }>) => outputs.map((o) => `${o.key}:${o.count}`).sort();

  it('counts per key on 2 task managers exactly as in one thread: the same counts per key, the same final state in Redis', async () => {
    const one = await run('one-thread', { taskManagers: 1, checkpointStorage: 'memory' });
    const two = await run('two-threads', { taskManagers: 2, checkpointStorage: 'memory' });
    expect(two.audit).to.deep.equal(exact);
    // Which count an input gets depends on how the two sources interleave; each key's counts 1..n do not.
    expect(countsByKey(two.outputs)).to.deep.equal(countsByKey(one.outputs));
    expect(two.inRedis).to.deep.equal(expectedCounts(RECORDS, SEED, KEYS));
    expect(one.inRedis).to.deep.equal(expectedCounts(RECORDS, SEED, KEYS));
    expect(two.restarts).to.equal(0);
  });

  it('a task manager terminated mid-stream (full snapshots, checkpoints in memory): restored from the last checkpoint, nothing lost, nothing repeated, the state in Redis exact', async () => {
    const r = await run('terminated', { taskManagers: 2, checkpointStorage: 'memory' }, async (job, marker) => {
      while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 2));
      await job.taskManagers!.terminate(1);
    });
    expect(r.struck).to.equal(true);
    expect(r.audit).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.failures).to.include('task manager 1 exited with code 1');
    expect(r.inRedis).to.deep.equal(expectedCounts(RECORDS, SEED, KEYS));
  });

  it('a task manager crashing (an uncaught exception) with incremental snapshots (checkpoints in the same Redis): nothing lost, nothing repeated, the state in Redis exact', async () => {
    const r = await run('crashed', { taskManagers: 2, checkpointStorage: `${url}/0?prefix=${prefix}`, fault: 'uncaught' });
    expect(r.struck).to.equal(true);
    expect(r.audit).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.failures).to.include(`task manager ${(RECORDS / 3) % 2} failed: injected crash of the task manager at record ${RECORDS / 3}`);
    expect(r.inRedis).to.deep.equal(expectedCounts(RECORDS, SEED, KEYS));
    // A finished job discards its checkpoints, and their incremental pieces with them.
    expect((await new RedisStateInspector(url, prefix).keysOf('crashed')).filter((k) => /:kg:\d+:/.test(k))).to.deep.equal([]);
  });
});
