import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import { promises as fs } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { CollectSink, Serializers, StreamEnvironment, ValueStateDescriptor } from '../../src';
import { RedisStateInspector } from '../../src/redis';
import { Counted, audit, countingJob, expectedCounts, keyOf } from '../support/countingJob';
import { OwnRedis, dropPrefix, redisUrl, startOwnRedis, uniquePrefix } from '../support/redisService';

const RECORDS = 100_000;
const KEYS = 64;
const count = new ValueStateDescriptor('count', Serializers.number);

type Job = { crashTask(v: string, i: number): void };

interface Run {
  readonly url: string;
  readonly prefix: string;
  readonly jobId: string;
  readonly seed: number;
  readonly cacheSize: number;
  readonly checkpointStorage: string;
  /** Called for every record the source produces, with the running job. */
  readonly fault: (id: number, job: Job) => void;
  readonly unaligned?: boolean;
  /** Between restarts (100 at most): long enough to outlast what the fault takes down. */
  readonly restartDelayMs?: number;
}

async function runCounting(run: Run) {
  const env = StreamEnvironment.create({
    parallelism: 2,
    batchSize: 128,
    jobId: run.jobId,
    checkpointStorage: run.checkpointStorage,
    stateBackend: { type: 'redis', url: run.url, keyPrefix: run.prefix, cacheSize: run.cacheSize },
  });
  env.enableCheckpointing(10, 'exactly-once', { unaligned: run.unaligned ?? false }).setRestartStrategy({ type: 'fixed-delay', attempts: 100, delayMs: run.restartDelayMs ?? 20 });
  const sink = new CollectSink<Counted>();
  let job: Job | undefined;
  const events = env
    .fromGenerator(RECORDS, (id) => {
      run.fault(id, job!);
      return { id, key: keyOf(id, run.seed, KEYS) };
    })
    .setParallelism(1);
  countingJob(events).sinkTo(sink);
  const handle = env.execute(`redis-${run.jobId}`);
  job = handle;
  const result = await handle;
  expect(result.status, String((result as { error?: unknown }).error ?? '')).to.equal('finished');
  return { ...audit(sink.records(), RECORDS, run.seed, KEYS), restarts: result.restarts };
}


/** The job's final keyed state as Redis holds it after the final checkpoint, read from outside. */
async function finalCountsInRedis(url: string, prefix: string, jobId: string): Promise<Map<number, number>> {
  const entries = await new RedisStateInspector(url, prefix).entries(jobId, 'count-per-key', count);
  expect(isRight(entries), isRight(entries) ? '' : String(entries.left)).to.equal(true);
  return new Map(isRight(entries) ? entries.right.map(([k, v]) => [k as number, v as number]) : []);
}

const exact = { lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 };
const pick = (r: typeof exact) => ({ lost: r.lost, duplicated: r.duplicated, stateOver: r.stateOver, stateUnder: r.stateUnder });

describe('scenario: exactly-once with keyed state in Redis (docs/internals.md, invariant 3)', function () {
  this.timeout(120_000);
  let prefix: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(() => {
    prefix = uniquePrefix('scenario');
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  describe('task actors crash (source, keyed operator, sink), state and checkpoints in Redis', () => {
    const crashes: ReadonlyArray<readonly [number, string, number]> = [
      [12_000, 'Generator Source', 0],
      [35_000, 'Keyed Process', 0],
      [58_000, 'Keyed Process', 1],
      [81_000, 'Collect Sink', 1],
    ];
    const injector = () => {
      const left = [...crashes];
      return (id: number, job: Job) => {
        if (left.length > 0 && id === left[0][0]) {
          const [, vertex, index] = left.shift()!;
          job.crashTask(vertex, index);
        }
      };
    };

    it('with unaligned checkpoints (in-flight records replayed through prefetch): nothing lost, nothing repeated', async function () {
      const url = await redisUrl(this);
      cleanups.push(() => dropPrefix(url, prefix));
      const r = await runCounting({ url, prefix, jobId: 'crash-unaligned', seed: 10, cacheSize: 8, checkpointStorage: `${url}/0?prefix=${prefix}`, fault: injector(), unaligned: true });
      expect(r.restarts).to.equal(crashes.length);
      expect(pick(r)).to.deep.equal(exact);
    });

    for (const cacheSize of [100_000, 8]) {
      it(`nothing lost, nothing repeated, and the final state in Redis is exact (cache of ${cacheSize} entries for ${KEYS} keys)`, async function () {
        const url = await redisUrl(this);
        cleanups.push(() => dropPrefix(url, prefix));
        const jobId = `crash-${cacheSize}`;
        const r = await runCounting({ url, prefix, jobId, seed: 7, cacheSize, checkpointStorage: `${url}/0?prefix=${prefix}`, fault: injector() });
        expect(r.restarts).to.equal(crashes.length);
        expect(pick(r)).to.deep.equal(exact);
        // The final checkpoint flushed every key: the working area is the job's final state.
        expect(await finalCountsInRedis(url, prefix, jobId)).to.deep.equal(expectedCounts(RECORDS, 7, KEYS));
        const inspector = new RedisStateInspector(url, prefix);
        expect(await inspector.jobs()).to.deep.equal([jobId]);
        expect(await inspector.operators(jobId)).to.deep.equal(['count-per-key']);
        // Checkpoints were incremental (pieces beside the working hashes); a finished job
        // discards its checkpoints, and their pieces and chains with them.
        expect((await inspector.keysOf(jobId)).filter((k) => /:kg:\d+:/.test(k))).to.deep.equal([]);
        expect(await inspector.dropJob(jobId)).to.be.greaterThan(KEYS / 2);
        expect(await inspector.keysOf(jobId)).to.deep.equal([]);
      });
    }
  });

  describe('Redis itself fails mid-job', () => {
    let own: OwnRedis;
    before(async function () {
      await redisUrl(this); // fails or skips with the usual message when Redis cannot be had
      own = await startOwnRedis();
    });
    after(async () => {
      await own?.stop();
    });

    it('every connection is killed (CLIENT KILL TYPE normal) twice: the job fails over and recovers exactly-once', async () => {
      const killAt = new Set([30_000, 65_000]);
      const kills: Array<Promise<unknown>> = [];
      const admin = new Redis(own.url);
      cleanups.push(async () => admin.disconnect());
      const r = await runCounting({
        url: own.url,
        prefix,
        jobId: 'client-kill',
        seed: 11,
        cacheSize: 16,
        checkpointStorage: `${own.url}/0?prefix=${prefix}`,
        fault: (id) => {
          // Once each: a restarted source produces these ids again.
          if (killAt.delete(id)) kills.push(admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
        },
      });
      await Promise.all(kills);
      expect(r.restarts).to.be.at.least(1);
      expect(pick(r)).to.deep.equal(exact);
    });

    it('redis-server is killed and started again (its state gone): the job waits through restarts and recovers exactly-once from its checkpoint', async () => {
      let restarting: Promise<void> | undefined;
      const r = await runCounting({
        url: own.url,
        prefix,
        jobId: 'server-restart',
        seed: 13,
        cacheSize: 16,
        // Checkpoints elsewhere: a server without persistence loses them with the state.
        checkpointStorage: 'memory',
        fault: (id) => {
          if (id === 40_000 && restarting === undefined) restarting = own.stop(true).then(() => own.start());
        },
      });
      await restarting;
      expect(r.restarts).to.be.at.least(1);
      expect(pick(r)).to.deep.equal(exact);
      expect(await finalCountsInRedis(own.url, prefix, 'server-restart')).to.deep.equal(expectedCounts(RECORDS, 13, KEYS));
    });
  });

  describe('a redis-server that keeps its data (append-only file, fsync always) is killed mid-job', () => {
    let durable: OwnRedis;
    let dir: string;
    before(async function () {
      await redisUrl(this);
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-redis-aof-'));
      durable = await startOwnRedis({ appendOnlyDir: dir });
    });
    after(async () => {
      await durable?.stop();
      if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
    });

    it('twice, with the checkpoints in that Redis too: the job restores the checkpoint Redis kept, and output and final state are exact', async () => {
      const killAt = [30_000, 70_000];
      let restarting: Promise<void> | undefined;
      const kills: Array<Promise<void>> = [];
      const r = await runCounting({
        url: durable.url,
        prefix,
        jobId: 'durable-restart',
        seed: 17,
        cacheSize: 16,
        // The working hashes survive the kill with writes made after the last checkpoint: the restore must drop them.
        checkpointStorage: `${durable.url}/0?prefix=${prefix}`,
        // Loading the append-only file can take seconds on a loaded machine.
        restartDelayMs: 300,
        fault: (id) => {
          if (restarting === undefined && killAt.length > 0 && id >= killAt[0]) {
            killAt.shift();
            restarting = durable.stop(true).then(() => durable.start());
            kills.push(restarting.finally(() => (restarting = undefined)));
          }
        },
      });
      await Promise.all(kills);
      expect(kills.length, 'redis-server kills').to.equal(2);
      expect(r.restarts).to.be.at.least(2);
      expect(pick(r)).to.deep.equal(exact);
      expect(await finalCountsInRedis(durable.url, prefix, 'durable-restart')).to.deep.equal(expectedCounts(RECORDS, 17, KEYS));
    });
  });
});
