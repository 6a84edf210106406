import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import Redis from 'ioredis';
import { KeyedStateSnapshot } from '../../src/state/KeyedStateBackend';
import { RedisKeyedStateBackend } from '../../src/state/RedisKeyedStateBackend';
import { FencedStateWriteError, StateFencing, fencedRefusal } from '../../src/state/redisFencing';
import { keyGroupRangeForOperator } from '../../src/state/keyGroups';
import { TIMERS_STATE } from '../../src/state/KeyedTimerService';
import { ServiceError, unrestartableCause } from '../../src/services/ServiceError';
import { Serializers } from '../../src/state/Serializer';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { checkpoint } from '../support/checkpointIds';

const MAX_PARALLELISM = 16;
const KEYS = [...Array(120).keys()].map((i) => `user-${i}`);
const count = new ValueStateDescriptor('count', Serializers.number);
const events = new ListStateDescriptor('events', Serializers.string);
const pages = new MapStateDescriptor('pages', Serializers.string, Serializers.number);

/** Replaces `key`'s state by that of number `n` (every third number deletes its count). */
function writeSample(b: RedisKeyedStateBackend, key: string, n: number): void {
  b.setCurrentKey(key);
  if (n % 3 === 0) b.getValueState(count).clear();
  else b.getValueState(count).update(n);
  b.getListState(events).update([`e${n}`, `f${n}`]);
  const map = b.getMapState(pages);
  map.clear();
  map.put(`p${n % 4}`, n);
}

function checkSample(b: RedisKeyedStateBackend, key: string, n: number): void {
  b.setCurrentKey(key);
  expect([b.getValueState(count).value(), b.getListState(events).get(), b.getMapState(pages).entries()], `state of ${key}`).to.deep.equal([
    n % 3 === 0 ? undefined : n,
    [`e${n}`, `f${n}`],
    [[`p${n % 4}`, n]],
  ]);
}

/** Every key under `prefix:` with its content (hashes and sets sorted), the prefix cut off: what a reader of Redis sees. */
async function dump(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const name = key.slice(prefix.length);
      if (type === 'hash') out[name] = Object.entries(await redis.hgetall(key)).sort();
      else if (type === 'set') out[name] = (await redis.smembers(key)).sort();
      else if (type === 'zset') out[name] = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      else out[name] = await redis.get(key);
    }
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Writes the sample state of number offset + i to KEYS[i], in batches of `size` (prefetch first, as a task does). */
async function writeAll(b: RedisKeyedStateBackend, offset: number, size = 10): Promise<void> {
  for (let i = 0; i < KEYS.length; i += size) {
    const batch = KEYS.slice(i, i + size);
    const loading = b.prefetch(batch);
    if (loading !== undefined) await loading;
    batch.forEach((k, j) => writeSample(b, k, offset + i + j));
  }
}

async function checkAll(b: RedisKeyedStateBackend, offset: number): Promise<void> {
  for (let i = 0; i < KEYS.length; i += 10) {
    const batch = KEYS.slice(i, i + 10);
    const loading = b.prefetch(batch);
    if (loading !== undefined) await loading;
    batch.forEach((k, j) => checkSample(b, k, offset + i + j));
  }
}

/** The error `action` fails with (it must fail). */
async function failureOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('state/redisFencing: keyed-state writes fenced by epoch', function () {
  this.timeout(30_000);
  let url: string;
  let redis: Redis;
  let prefix: string;
  const open: RedisKeyedStateBackend[] = [];

  before(async function () {
    url = await redisUrl(this);
    redis = new Redis(url);
  });
  after(async () => {
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect();
    await ended;
  });
  beforeEach(() => {
    prefix = uniquePrefix('fencing');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.dispose()));
    await dropPrefix(url, prefix);
  });

  const epochKey = () => `${prefix}:epoch`;
  /** The retained checkpoint ids of the state under `keyPrefix` (the checkpoint store's sorted set). */
  const checkpointIdsOf = (keyPrefix: string) => `${keyPrefix}:checkpoints`;
  const idsOf = new Map<RedisKeyedStateBackend, string>();

  /** A task's backend owning every key group, its state under `keyPrefix`, incremental snapshots, fenced at `epoch` unless undefined. */
  function backend(epoch: number | undefined, options: { cacheSize?: number; keyPrefix?: string; fullSnapshots?: boolean } = {}): RedisKeyedStateBackend {
    const fencing: StateFencing | undefined = epoch === undefined ? undefined : { epochKey: epochKey(), epoch };
    const keyPrefix = options.keyPrefix ?? `${prefix}:state`;
    const b = new RedisKeyedStateBackend(keyGroupRangeForOperator(0, 1, MAX_PARALLELISM), MAX_PARALLELISM, {
      url,
      keyPrefix,
      jobId: 'job',
      operatorUid: 'op',
      cacheSize: options.cacheSize ?? 100_000,
      pinningStates: [TIMERS_STATE],
      ...(options.fullSnapshots === true ? {} : { incremental: { checkpointIds: checkpointIdsOf(keyPrefix) } }),
      ...(fencing !== undefined ? { fencing } : {}),
    });
    open.push(b);
    idsOf.set(b, checkpointIdsOf(keyPrefix));
    return b;
  }

  async function restored(epoch: number | undefined, from: KeyedStateSnapshot[], id?: number, options: Parameters<typeof backend>[1] = {}): Promise<RedisKeyedStateBackend> {
    const b = backend(epoch, options);
    expect(isRight(await b.restore(from, id === undefined ? undefined : checkpoint(id)))).to.equal(true);
    return b;
  }

  /** Checkpoint `id` of `b` taken and completed (recorded as retained, as the checkpoint store does). */
  async function completed(b: RedisKeyedStateBackend, id: number): Promise<KeyedStateSnapshot> {
    const snapshot = await b.snapshot(checkpoint(id));
    await redis.zadd(idsOf.get(b)!, id, String(id));
    await b.notifyCheckpointComplete(checkpoint(id));
    return snapshot;
  }

  it('writes exactly what an unfenced backend writes while the epoch holds: evictions, snapshots, retention, restore', async () => {
    await redis.set(epochKey(), '7');
    const runs: Array<{ keyPrefix: string; epoch: number | undefined }> = [
      { keyPrefix: `${prefix}:plain`, epoch: undefined },
      { keyPrefix: `${prefix}:fenced`, epoch: 7 },
    ];
    for (const { keyPrefix, epoch } of runs) {
      // A cache of 30 entries for 120 keys × 4 states: evictions write back in every batch.
      const first = await restored(epoch, [], undefined, { keyPrefix, cacheSize: 30 });
      await writeAll(first, 0);
      await completed(first, 1);
      await writeAll(first, 500);
      const two = await completed(first, 2);
      const second = await restored(epoch, [two], 2, { keyPrefix, cacheSize: 30 });
      await checkAll(second, 500);
      await writeAll(second, 900);
      await completed(second, 3);
    }
    const [plain, fenced] = await Promise.all(runs.map((r) => dump(redis, r.keyPrefix)));
    expect(Object.keys(fenced).length).to.be.greaterThan(MAX_PARALLELISM * 2);
    expect(fenced).to.deep.equal(plain);
  });

  it("refuses every write of a zombie once the epoch moved on: nothing it wrote survives into the new owner's state, nothing it writes later is applied", async () => {
    await redis.set(epochKey(), '4');
    // The zombie, at epoch 4: checkpoint 1 completed, then more writes, evicted to Redis (accepted: the epoch still holds).
    const zombie = await restored(4, [], undefined, { cacheSize: 30 });
    await writeAll(zombie, 0);
    const one = await completed(zombie, 1);
    await writeAll(zombie, 1000);
    // Two more tasks of the zombie instance, restored from checkpoint 1 before they were cut off, with writes in their caches.
    const zombieSnapshotting = await restored(4, [one], 1);
    await writeAll(zombieSnapshotting, 2000);
    const zombiePruning = await restored(4, [one], 1);
    // One with full snapshots (checkpoints stored elsewhere): its snapshot flushes the cache.
    const zombieFull = await restored(4, [one], 1, { fullSnapshots: true });
    await writeAll(zombieFull, 5000);

    // A new assignment: epoch 5. The new owner restores checkpoint 1 and takes checkpoint 2 (pending, not completed).
    expect(await redis.incr(epochKey())).to.equal(5);
    const owner = await restored(5, [one], 1);
    await checkAll(owner, 0);
    await writeAll(owner, 3000);
    const two = await owner.snapshot(checkpoint(2));
    const before = await dump(redis, prefix);

    // Each write path of the zombie's tasks: eviction write-back, snapshot (flush and pieces; a full one's flush), retention (it would delete the owner's pending piece), restore.
    const failures = [
      await failureOf(() => writeAll(zombie, 4000)),
      await failureOf(() => zombieSnapshotting.snapshot(checkpoint(2))),
      await failureOf(() => zombieFull.snapshot(checkpoint(2))),
      await failureOf(() => zombiePruning.notifyCheckpointComplete(checkpoint(1))),
      await failureOf(() => backend(4).restore([one], checkpoint(1))),
    ];
    expect(await dump(redis, prefix)).to.deep.equal(before);
    const target = url.replace(/\/\/[^@]*@/, '//');
    for (const e of failures) {
      expect(e).to.be.instanceOf(FencedStateWriteError);
      const fenced = e as FencedStateWriteError;
      expect([fenced.epoch, fenced.currentEpoch, fenced.restartable, fenced.service]).to.deep.equal([4, 5, false, 'redis']);
      expect(unrestartableCause(e)).to.equal(e);
      expect(fenced.message).to.equal(
        `Redis at ${target} refused a keyed-state write of epoch 4: the job's epoch is 5 (its key groups were assigned anew, maybe to another instance); ` +
          'this instance was cut off longer than its lease and is fenced: it must rejoin the job and restore under the new epoch',
      );
    }
    // The backend failed for good: its next operations fail with the same error, without asking Redis.
    expect(await failureOf(() => zombie.snapshot(checkpoint(3)))).to.equal(failures[0]);
    expect(await failureOf(() => zombieSnapshotting.prefetch(['user-1']) ?? Promise.resolve())).to.equal(failures[1]);

    // The owner's state is checkpoint 1 plus its own writes, and its checkpoint 2 completes and restores.
    await checkAll(owner, 3000);
    await redis.zadd(checkpointIdsOf(`${prefix}:state`), 2, '2');
    await owner.notifyCheckpointComplete(checkpoint(2));
    await checkAll(await restored(5, [two], 2), 3000);
  });

  it('refuses a write when the epoch key is gone, naming it gone', async () => {
    const b = backend(1);
    const e = await failureOf(() => b.restore([]));
    expect(e).to.be.instanceOf(FencedStateWriteError);
    expect([(e as FencedStateWriteError).epoch, (e as FencedStateWriteError).currentEpoch]).to.deep.equal([1, undefined]);
    expect((e as Error).message).to.contain("refused a keyed-state write of epoch 1: the job's epoch is gone");
  });

  it('tells a refusal by epoch from any other error of Redis', () => {
    expect(fencedRefusal(new Error('SLUICE_FENCED 3 9'), 'redis://h:1')).to.deep.include({ epoch: 3, currentEpoch: 9, restartable: false });
    expect(fencedRefusal(new Error('ERR wrong number of arguments'), 'redis://h:1')).to.equal(undefined);
    expect(fencedRefusal('SLUICE_FENCED 3 9', 'redis://h:1')).to.equal(undefined);
    expect(new FencedStateWriteError('redis://h:1', 3, 9, undefined)).to.be.instanceOf(ServiceError);
  });
});
