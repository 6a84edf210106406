/**
 * A job is checkpointed, stopped, changed and resumed from its checkpoint: operators found by
 * uid keep their state, a derived uid survives an operator inserted before it, and state
 * that would be left without an operator, or that an operator retired, is refused unless the
 * user allows dropping it.
 */
import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import Redis from 'ioredis';
import pino from 'pino';
import { isLeft, isRight, right } from 'fp-ts/Either';
import { CollectSink, DataStream, FileSink, JobHandle, Serializers, StreamEnvironment, StreamEnvironmentOptions, ValueStateDescriptor } from '../../src';
import { KeyedProcessContext, KeyedProcessFunction } from '../../src/api/ProcessFunction';
import type { RuntimeContext } from '../../src/api/RuntimeContext';
import { CompletedCheckpoint } from '../../src/checkpoint/CheckpointTypes';
import { checkpointStoreFor } from '../../src/checkpoint/checkpointStorage';
import { checkpointedState } from '../../src/checkpoint/checkpointedState';
import type { Collector } from '../../src/graph/Collector';
import type { RetiredState } from '../../src/graph/RetiredState';
import type { ValueState } from '../../src/state/State';
import { Counted, Event, audit, countingJob, keyOf } from '../support/countingJob';
import { failureOf } from '../support/failureOf';
import { committedParts } from '../support/killAndRestart';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { HeldSource } from '../support/heldSource';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';

const RECORDS = 20_000;
const KEYS = 37;
const SEED = 11;
let jobs = 0;

const events = (env: StreamEnvironment, records: number): DataStream<Event> =>
  env.fromGenerator(records, (id) => ({ id, key: keyOf(id, SEED, KEYS) })).setParallelism(1);

/** Runs a version of a job until it produced `records` (a third of its input), checkpoints and cancels it. */
async function checkpointMidwayAndCancel(job: JobHandle, records = RECORDS / 3): Promise<void> {
  let produced = 0;
  while (produced < records) produced = (await job.counters()).operators['Generator Source']?.recordsOut ?? 0;
  await job.triggerCheckpoint();
  expect((await job.cancel()).status).to.equal('cancelled');
}

describe('scenario: a job changed between a checkpoint and its restore', function () {
  this.timeout(60_000);
  let dir: string;
  let jobId: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-job-change-'));
    jobId = `job-change-${++jobs}-${process.pid}`;
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const env = (options: StreamEnvironmentOptions = {}) => {
    const e = StreamEnvironment.create({ parallelism: 2, batchSize: 64, jobId, ...options });
    // Checkpoints only when the spec asks for one.
    e.enableCheckpointing(3_600_000, 'exactly-once');
    return e;
  };

  it('an operator inserted before an exactly-once FileSink without a uid: every line is committed exactly once', async () => {
    const out = path.join(dir, 'out');
    const first = env();
    countingJob(events(first, Infinity)).sinkTo(new FileSink(out));
    await checkpointMidwayAndCancel(first.execute('before the change'));

    const second = env();
    countingJob(events(second, RECORDS))
      .map((c) => c)
      .sinkTo(new FileSink(out));
    expect((await second.execute('after the change')).status).to.equal('finished');
    expect(audit(await committedParts(out), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    expect((await fs.readdir(out)).filter((n) => n.endsWith('.inprogress'))).to.deep.equal([]);
  });

  describe('when a stateful operator got another uid', () => {
    /** The counting job, and beside it a running sum of ids per key under the given uid. */
    const job = (e: StreamEnvironment, records: number, sumUid: string, counted: CollectSink<Counted>) => {
      const input = events(e, records);
      countingJob(input).sinkTo(counted).uid('counted');
      input
        .keyBy((ev) => ev.key)
        .sum('id')
        .uid(sumUid)
        .sinkTo(new CollectSink<Event>())
        .uid('sums');
      return e;
    };

    it('refuses the restore before the job runs, naming the uid whose state would be dropped', async () => {
      const counted = new CollectSink<Counted>();
      await checkpointMidwayAndCancel(job(env(), Infinity, 'sum-v1', counted).execute('before the rename'));
      const before = counted.records().length;
      const error = (await failureOf(job(env(), RECORDS, 'sum-v2', counted).execute('after the rename'))) as Error;
      expect(error.message).to.equal(
        `cannot restore job '${jobId}': checkpoint 1 holds state of operators this job does not have: uid 'sum-v1'. ` +
          'Give the operators back their former uids with .uid(...), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state',
      );
      expect(counted.records(), 'nothing ran').to.have.lengthOf(before);
    });

    it('refuses a savepoint (restoreFrom) the same way, and starts from it with allowNonRestoredState', async () => {
      const counted = new CollectSink<Counted>();
      const first = job(env(), Infinity, 'sum-v1', counted).execute('before the rename');
      while (counted.records().length === 0) await first.triggerCheckpoint();
      const savepoint = await first.stopWithSavepoint(path.join(dir, 'savepoint'), { drain: false });
      jobId = `${jobId}-v2`;
      const error = (await failureOf(job(env({ restoreFrom: savepoint.path }), RECORDS, 'sum-v2', counted).execute('after the rename'))) as Error;
      expect(error.message).to.include("holds state of operators this job does not have: uid 'sum-v1'");
      const result = await job(env({ restoreFrom: savepoint.path, allowNonRestoredState: true }), RECORDS, 'sum-v2', counted).execute('after the rename');
      expect(result.status).to.equal('finished');
      expect(audit(counted.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });

    it('with allowNonRestoredState, restores the state of every other operator exactly', async () => {
      const counted = new CollectSink<Counted>();
      await checkpointMidwayAndCancel(job(env(), Infinity, 'sum-v1', counted).execute('before the rename'));
      const result = await job(env({ allowNonRestoredState: true }), RECORDS, 'sum-v2', counted).execute('after the rename');
      expect(result.status).to.equal('finished');
      expect(audit(counted.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });
  });

  describe('when an operator retired one of its states, with Redis state', () => {
    let url: string;
    let prefix: string;
    before(async function () {
      url = await redisUrl(this);
    });
    beforeEach(() => {
      prefix = uniquePrefix('retired-state');
    });
    afterEach(async () => {
      await dropPrefix(url, prefix);
    });

    const sumOfIds = new ValueStateDescriptor('sum-of-ids', Serializers.number, 0);
    const RETIRED: RetiredState = { names: ['sum-of-ids'], why: 'it summed the ids, which this version no longer keeps' };

    /** Counts per key (its output), and in the first version also sums the ids per key in a second state. */
    class CountAndSum extends KeyedProcessFunction<number, Event, Counted> {
      private count!: ValueState<number>;
      private sum: ValueState<number> | undefined;
      constructor(private readonly sums: boolean) {
        super();
      }
      open(ctx: RuntimeContext): void {
        this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
        if (this.sums) this.sum = ctx.getState(sumOfIds);
      }
      processElement(e: Event, _ctx: KeyedProcessContext<number>, out: Collector<Counted>): void {
        const count = this.count.value()! + 1;
        this.count.update(count);
        this.sum?.update(this.sum.value()! + e.id);
        out.collect({ id: e.id, key: e.key, count });
      }
    }

    /** The first version (sums, nothing retired) or the second (no sum, the sum's state retired), reading `input`. */
    const job = (e: StreamEnvironment, input: (e: StreamEnvironment) => DataStream<Event>, version: 1 | 2, counted: CollectSink<Counted>) => {
      const counts = input(e)
        .keyBy((ev) => ev.key)
        .process(new CountAndSum(version === 1))
        .name('Count and sum')
        .uid('count-and-sum');
      if (version === 2) counts.node.retiredState = RETIRED;
      counts.sinkTo(counted).uid('counted');
      return e;
    };
    const endless = (e: StreamEnvironment) => events(e, Infinity);
    const bounded = (e: StreamEnvironment) => events(e, RECORDS);
    /** Endless, but holding after `n` records: a checkpoint then finds most keys unchanged. */
    const holdingAfter = (n: number) => (e: StreamEnvironment) => e.fromSource(new HeldSource(new GeneratorSource(Infinity, (id) => ({ id, key: keyOf(id, SEED, KEYS) })), n)).setParallelism(1);

    /** Where the checkpoints go decides the snapshots: incremental pieces when in the state's Redis, the entries themselves elsewhere. */
    const storages = [
      { snapshots: 'incremental checkpoints in the same Redis', storage: () => `${url}/0?prefix=${prefix}` },
      { snapshots: 'full snapshots in checkpoint files', storage: () => `file:${dir}/checkpoints` },
    ];
    for (const { snapshots, storage } of storages) {
      describe(snapshots, () => {
        // A small cache: most entries live only in Redis.
        const onRedis = (options: StreamEnvironmentOptions = {}) => env({ stateBackend: { type: 'redis', url, keyPrefix: prefix, cacheSize: 8 }, checkpointStorage: storage(), ...options });
        const store = () => {
          const s = checkpointStoreFor(storage(), jobId, 1);
          if (isLeft(s)) throw new Error(s.left);
          return s.right;
        };
        const latest = async () => {
          const c = await store().latest();
          if (isLeft(c) || c.right === undefined) throw new Error('no checkpoint');
          return c.right;
        };
        /** Per task of the operator, the states its snapshot holds: named by an incremental one, found in the entries of a full one. */
        const statesIn = (c: CompletedCheckpoint) =>
          c.tasks.flatMap((t) => {
            const keyed = t.nodes['count-and-sum']?.keyed;
            if (keyed === undefined) return [];
            const withEntries = Object.values(keyed.keyGroups).flatMap((states) => Object.keys(states).filter((name) => states[name].length > 0));
            return [keyed.redis?.states ?? [...new Set(withEntries)].sort()];
          });
        const sumInLatest = (key: number) => checkpointedState(store(), 'count-and-sum', sumOfIds, key);

        it('refuses the restore from its own checkpoint before the job runs, naming the operator, its uid and the retired state', async () => {
          const counted = new CollectSink<Counted>();
          await checkpointMidwayAndCancel(job(onRedis(), endless, 1, counted).execute('summing'));
          const first = await latest();
          expect(first.tasks.some((t) => t.nodes['count-and-sum']?.keyed?.redis !== undefined), 'snapshots reference pieces in Redis').to.equal(snapshots.startsWith('incremental'));
          expect(statesIn(first)).to.deep.equal([['count', 'sum-of-ids'], ['count', 'sum-of-ids']]);
          const before = counted.records().length;
          const error = (await failureOf(job(onRedis(), bounded, 2, counted).execute('no longer summing'))) as Error;
          expect(error.message).to.equal(
            `cannot restore job '${jobId}': checkpoint 1 cannot be restored: operator 'Count and sum' (uid 'count-and-sum') holds state 'sum-of-ids' of an earlier shape: ${RETIRED.why}. ` +
              'Start the job afresh (without restoreFrom and without its former checkpoints), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state (those operators then start empty)',
          );
          expect(counted.records(), 'nothing ran').to.have.lengthOf(before);
        });

        it('with allowNonRestoredState, starts without the retired state and every other state exact, and its next checkpoint no longer holds it', async () => {
          const counted = new CollectSink<Counted>();
          await checkpointMidwayAndCancel(job(onRedis(), endless, 1, counted).execute('summing'));
          const keys = [...Array(KEYS).keys()];
          const summed = await Promise.all(keys.map(sumInLatest));
          expect(summed.filter((s) => isRight(s) && typeof s.right === 'number').length, 'the first checkpoint holds sums').to.be.greaterThan(KEYS / 2);

          // A few records only: most key groups are unchanged at the next checkpoint, and must not keep their pieces, which hold the sums.
          await checkpointMidwayAndCancel(job(onRedis({ allowNonRestoredState: true }), holdingAfter(5), 2, counted).execute('no longer summing'), 5);
          const second = await latest();
          expect(second.id).to.equal(2);
          expect(statesIn(second)).to.deep.equal([['count'], ['count']]);
          expect(await Promise.all(keys.map(sumInLatest)), 'no sum in checkpoint 2').to.deep.equal(keys.map(() => right(undefined)));

          // Restored from checkpoint 2 without allowNonRestoredState: nothing retired is left to refuse.
          const result = await job(onRedis(), bounded, 2, counted).execute('no longer summing');
          expect(result.status).to.equal('finished');
          expect(audit(counted.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
        });

        if (snapshots.startsWith('incremental')) {
          describe('from a checkpoint taken before checkpoints named their states', () => {
            /** Runs the first version to checkpoint 1, then rewrites it as an earlier Sluice wrote it: chains without the names of their states. */
            const checkpointOfEarlierBuild = async (counted: CollectSink<Counted>) => {
              await checkpointMidwayAndCancel(job(onRedis(), endless, 1, counted).execute('summing'));
              const redis = new Redis(url);
              try {
                const key = `${prefix}:${jobId}:chk:1`;
                const former = JSON.parse((await redis.get(key))!) as { tasks: Array<{ nodes: Record<string, { keyed?: { redis?: { states?: string[] } } }> }> };
                for (const t of former.tasks) delete t.nodes['count-and-sum']?.keyed?.redis?.states;
                await redis.set(key, JSON.stringify(former));
              } finally {
                redis.disconnect();
              }
            };

            it('restores it unchecked; its next checkpoint names the retired state, which the restore after it refuses', async () => {
              const counted = new CollectSink<Counted>();
              await checkpointOfEarlierBuild(counted);
              await checkpointMidwayAndCancel(job(onRedis(), holdingAfter(5), 2, counted).execute('no longer summing, unchecked'), 5);
              expect(statesIn(await latest())).to.deep.equal([['count', 'sum-of-ids'], ['count', 'sum-of-ids']]);
              const error = (await failureOf(job(onRedis(), bounded, 2, counted).execute('no longer summing'))) as Error;
              expect(error.message).to.include("checkpoint 2 cannot be restored: operator 'Count and sum' (uid 'count-and-sum') holds state 'sum-of-ids' of an earlier shape");
            });

            it('with allowNonRestoredState, drops the retired names all the same: its next checkpoint holds none of them', async () => {
              const counted = new CollectSink<Counted>();
              await checkpointOfEarlierBuild(counted);
              await checkpointMidwayAndCancel(job(onRedis({ allowNonRestoredState: true }), holdingAfter(5), 2, counted).execute('no longer summing'), 5);
              expect(statesIn(await latest())).to.deep.equal([['count'], ['count']]);
              expect(await Promise.all([...Array(KEYS).keys()].map(sumInLatest))).to.deep.equal([...Array(KEYS).keys()].map(() => right(undefined)));
              const result = await job(onRedis(), bounded, 2, counted).execute('no longer summing');
              expect(result.status).to.equal('finished');
              expect(audit(counted.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
            });
          });
        }
      });
    }
  });

  it('a stateful operator without a uid is reported once, as the job starts, as a warning naming its derived uid', async () => {
    const lines: Array<{ level: number; uid?: string; msg: string }> = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()));
          done();
        },
      }),
    );
    const e = env({ logging: logger });
    const input = events(e, Infinity);
    // Stateful without uid: the source and the sum; the count has one; the map keeps nothing.
    countingJob(input).sinkTo(new CollectSink<Counted>()).uid('counted');
    input
      .map((ev) => ev)
      .keyBy((ev) => ev.key)
      .sum('id')
      .sinkTo(new CollectSink<Event>())
      .uid('sums');
    const job = e.execute('without uids');
    await job.triggerCheckpoint();
    // A restart deploys every task again: no new warning.
    job.crashTask('Keyed Sum', 1);
    while ((await job.checkpointStats()).completed < 2) await job.triggerCheckpoint().catch(() => undefined);
    await job.cancel();
    const warnings = lines.filter((l) => l.level === 40 && l.msg.includes('has no uid'));
    expect(warnings.map((w) => w.uid).sort()).to.deep.equal(['Generator Source#1', 'Keyed Sum#1']);
    expect(warnings[0].msg).to.include('give it one with .uid(...)');
  });
});
