import { expect } from 'chai';
import { isLeft, isRight } from 'fp-ts/Either';
import Redis from 'ioredis';
import { decodeEnvironmentOptions } from '../../src/api/EnvironmentConfig';
import { KeyedStateSnapshot } from '../../src/state/KeyedStateBackend';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { RedisKeyedStateBackend } from '../../src/state/RedisKeyedStateBackend';
import { keyGroupHashKey, parseStateField, stateField } from '../../src/state/redisKeyLayout';
import { Serializers } from '../../src/state/Serializer';
import { MapStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { keyGroupOf, keyGroupRangeForOperator } from '../../src/state/keyGroups';
import { Key } from '../../src/state/keyHash';
import { TIMERS_STATE } from '../../src/state/KeyedTimerService';
import { KeyedStateBackend } from '../../src/state/KeyedStateBackend';
import { checkSample, count, normalized, writeSample } from '../support/keyedStateSamples';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { checkpoint } from '../support/checkpointIds';

const keys: Key[] = [...[...Array(300).keys()].map((i) => `user-${i}`), ...[...Array(40).keys()].map((i) => i), true, 7n, ['eu', 1], { region: 'eu', id: 2 }, '#tagged', 'a/b:c'];

/** What a task does per batch: prefetch the batch's keys, then process each record. */
async function batch(b: KeyedStateBackend, batchKeys: readonly Key[], each: (key: Key, i: number) => void): Promise<void> {
  const loading = b.prefetch?.(batchKeys);
  if (loading !== undefined) await loading;
  batchKeys.forEach(each);
}

async function inBatches(b: KeyedStateBackend, all: readonly Key[], size: number, each: (key: Key, i: number) => void): Promise<void> {
  for (let i = 0; i < all.length; i += size) await batch(b, all.slice(i, i + size), (k, j) => each(k, i + j));
}

describe('state/RedisKeyedStateBackend', function () {
  let url: string;
  let prefix: string;
  const open: RedisKeyedStateBackend[] = [];

  before(async function () {
    url = await redisUrl(this);
  });
  beforeEach(() => {
    prefix = uniquePrefix('backend');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.dispose()));
    await dropPrefix(url, prefix);
  });

  function backend(options: { index?: number; parallelism?: number; cacheSize?: number; jobId?: string } = {}): RedisKeyedStateBackend {
    const b = new RedisKeyedStateBackend(keyGroupRangeForOperator(options.index ?? 0, options.parallelism ?? 1, 128), 128, {
      url,
      keyPrefix: prefix,
      jobId: options.jobId ?? 'job',
      operatorUid: 'op',
      cacheSize: options.cacheSize ?? 100_000,
      pinningStates: [TIMERS_STATE],
    });
    open.push(b);
    return b;
  }

  async function fresh(options: Parameters<typeof backend>[0] = {}, from: KeyedStateSnapshot[] = []): Promise<RedisKeyedStateBackend> {
    const b = backend(options);
    expect(isRight(await b.restore(from))).to.equal(true);
    return b;
  }

  // The shared behaviour runs in KeyedStateBackend.spec.ts on both backends; these compare them directly.
  describe('the same behaviour as the memory backend', () => {
    it('gives the same snapshot for the same writes, entry for entry', async () => {
      const redis = await fresh();
      const memory = new MemoryKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128);
      await inBatches(redis, keys, 64, (k, n) => writeSample(redis, k, n));
      keys.forEach((k, n) => writeSample(memory, k, n));
      expect(normalized(await redis.snapshot(checkpoint(1)))).to.deep.equal(normalized(memory.snapshot()));
    });

    it('restores a snapshot of the memory backend, and the memory backend restores one of Redis', async () => {
      const memory = new MemoryKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128);
      keys.forEach((k, n) => writeSample(memory, k, n));
      const redis = await fresh({}, [memory.snapshot()]);
      await inBatches(redis, keys, 50, (k, n) => checkSample(redis, k, n));
      const back = new MemoryKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128);
      expect(isRight(back.restore([await redis.snapshot(checkpoint(1))]))).to.equal(true);
      keys.forEach((k, n) => checkSample(back, k, n));
    });

    it('moves the state of 2 instances into 3 through snapshots, each key into the instance owning its key group', async () => {
      const old = [await fresh({ index: 0, parallelism: 2 }), await fresh({ index: 1, parallelism: 2, jobId: 'job-b' })];
      for (const b of old) await inBatches(b, keys.filter((k) => keyGroupOf(k, 128) >= b.keyGroupRange.start && keyGroupOf(k, 128) <= b.keyGroupRange.end), 32, (k) => writeSample(b, k, keys.indexOf(k)));
      const snaps = await Promise.all(old.map((b, i) => b.snapshot(checkpoint(i))));
      for (let index = 0; index < 3; index++) {
        const b = await fresh({ index, parallelism: 3, jobId: `job-new` }, snaps);
        const mine = keys.filter((k) => keyGroupOf(k, 128) >= b.keyGroupRange.start && keyGroupOf(k, 128) <= b.keyGroupRange.end);
        await inBatches(b, mine, 40, (k) => checkSample(b, k, keys.indexOf(k)));
      }
    });
  });

  describe('the write-back cache', () => {
    it('answers prefetch with undefined when every key of the batch is cached, so the task awaits nothing', async () => {
      const b = await fresh();
      b.getValueState(count);
      // A fresh state has nothing in Redis: nothing to load even for new keys.
      expect(b.prefetch(['a', 'b'])).to.equal(undefined);
      await batch(b, ['a', 'b'], (k) => {
        b.setCurrentKey(k);
        b.getValueState(count).update(1);
      });
      expect(b.prefetch(['a', 'b', 'a'])).to.equal(undefined);
    });

    it('holds at most cacheSize entries (plus one batch) with a key space 50 times larger, and loses nothing', async () => {
      const b = await fresh({ cacheSize: 100 });
      const many = [...Array(5000).keys()].map((i) => `k${i}`);
      let peak = 0;
      for (let round = 1; round <= 3; round++) {
        await inBatches(b, many, 50, (k) => {
          b.setCurrentKey(k);
          const c = b.getValueState(count);
          c.update(c.value()! + 1);
          peak = Math.max(peak, b.cachedEntries());
        });
      }
      expect(peak).to.be.at.most(150);
      const snap = normalized(await b.snapshot(checkpoint(1)));
      const entries = Object.values(snap).flatMap((s) => s.count ?? []);
      expect(entries.length).to.equal(5000);
      expect(entries.every((e) => (JSON.parse(e) as [string, string])[1] === '3')).to.equal(true);
    });

    it('once values were evicted, still loads nothing for keys never seen (their state is the default), and loads an evicted key again', async () => {
      const b = await fresh({ cacheSize: 100 });
      const seen = [...Array(1000).keys()].map((i) => `k${i}`);
      await inBatches(b, seen, 50, (k) => {
        b.setCurrentKey(k);
        b.getValueState(count).update(1);
      });
      expect(b.cachedEntries()).to.be.below(200);
      // Flushed: what eviction removes next is clean, so only a load could need a round trip.
      await b.snapshot(checkpoint(1));
      expect(b.prefetch(['new-1', 'new-2', 'new-3'])).to.equal(undefined);
      await batch(b, ['k0', 'new-4'], (k) => {
        b.setCurrentKey(k);
        expect([k, b.getValueState(count).value()]).to.deep.equal([k, k === 'k0' ? 1 : 0]);
      });
    });

    it('writes nothing to Redis between checkpoints while the state fits the cache, and flushes dirty entries at snapshot', async () => {
      const b = await fresh();
      await inBatches(b, keys, 100, (k, n) => writeSample(b, k, n));
      const client = new Redis(url);
      try {
        const hash = keyGroupHashKey(prefix, 'job', 'op', keyGroupOf('user-1', 128));
        expect(await client.hget(hash, stateField('count', 'user-1'))).to.equal(null);
        await b.snapshot(checkpoint(1));
        expect(await client.hget(hash, stateField('count', 'user-1'))).to.equal('1');
      } finally {
        client.disconnect();
      }
    });

    it('makes a batch that meets a key whose load for the batch after is under way wait for that load: it reads the stored value, never an absent one', async () => {
      // A task prefetches the next queued batch of a channel while it processes another
      // channel's: a key of both is loading for the first when the second is processed.
      const memory = new MemoryKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128);
      memory.setCurrentKey(26);
      memory.getValueState(count).update(392);
      const b = await fresh({}, [memory.snapshot()]);
      b.getValueState(count);
      const ahead = b.prefetch([26]);
      expect(ahead).to.be.instanceOf(Promise);
      const current = b.prefetch([26, 27]);
      expect(current, 'the second batch waits for the load under way').to.be.instanceOf(Promise);
      await current;
      b.setCurrentKey(26);
      expect(b.getValueState(count).value()).to.equal(392);
      b.getValueState(count).update(393);
      await ahead;
      // The load that completes last does not overwrite what the batch wrote.
      expect(b.getValueState(count).value()).to.equal(393);
    });

    it('refuses a read of an entry whose load is under way, naming the state and key, instead of reading it as absent', async () => {
      const memory = new MemoryKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128);
      memory.setCurrentKey('a');
      memory.getValueState(count).update(1);
      const b = await fresh({}, [memory.snapshot()]);
      b.getValueState(count);
      const loading = b.prefetch(['a']);
      b.setCurrentKey('a');
      expect(() => b.getValueState(count).value()).to.throw(/state 'count' of key a is used before its load from Redis completed/);
      expect(() => b.getValueState(count).update(2)).to.throw(/state 'count' of key a is used before its load from Redis completed/);
      await loading;
      expect(b.getValueState(count).value()).to.equal(1);
    });

    it('fails an access to a key that was neither prefetched nor known to be absent, saying what to do', async () => {
      const memory = new MemoryKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128);
      writeSample(memory, 'a', 1);
      const b = await fresh({}, [memory.snapshot()]);
      b.setCurrentKey('a');
      expect(() => b.getValueState(count).value()).to.throw(/state 'count' of key a is not loaded: .*prefetched/);
    });
  });

  describe('keys that own timers', () => {
    const timers = new MapStateDescriptor(TIMERS_STATE, Serializers.string, Serializers.number);
    const many = [...Array(200).keys()].map((i) => `k${i}`);
    const owners = many.filter((_, i) => i % 50 === 0);

    /** Counts every key, and gives every 50th key a timer. */
    async function withTimers(b: RedisKeyedStateBackend): Promise<void> {
      await inBatches(b, many, 20, (k, i) => {
        b.setCurrentKey(k);
        b.getValueState(count).update(i);
        if (i % 50 === 0) b.getMapState(timers).put('e|100|', 1);
      });
    }

    it('keep all their state in memory while the other keys are evicted, so a timer firing outside any batch reads it', async () => {
      const b = await fresh({ cacheSize: 10 });
      await withTimers(b);
      // The bound, plus the entries of the last two batches (20 keys, 2 states each).
      expect(b.cachedEntries(), 'entries of keys without timers').to.be.at.most(10 + 2 * 2 * 20);
      for (const k of owners) {
        b.setCurrentKey(k);
        expect(b.getValueState(count).value(), `count of ${k}, outside a batch`).to.equal(many.indexOf(k));
      }
      b.setCurrentKey(many[1]);
      expect(() => b.getValueState(count).value()).to.throw(/not loaded/);
      expect(b.pinnedKeys(TIMERS_STATE).sort()).to.deep.equal([...owners].sort());
    });

    it('are listed after a restore with their state readable before any batch; the last timer gone, they are evictable again', async () => {
      const before = await fresh({ cacheSize: 10 });
      await withTimers(before);
      const n = await before.snapshot(checkpoint(1));
      const b = await fresh({ cacheSize: 10, jobId: 'job-restored' }, [n]);
      expect(b.pinnedKeys(TIMERS_STATE).sort()).to.deep.equal([...owners].sort());
      for (const k of owners) {
        b.setCurrentKey(k);
        expect(b.getMapState(timers).keys()).to.deep.equal(['e|100|']);
        expect(b.getValueState(count).value()).to.equal(many.indexOf(k));
      }
      b.setCurrentKey(owners[0]);
      b.getMapState(timers).remove('e|100|');
      expect(b.pinnedKeys(TIMERS_STATE)).to.have.length(owners.length - 1);
      await inBatches(b, many.slice(100), 20, (k) => {
        b.setCurrentKey(k);
        b.getValueState(count).value();
      });
      b.setCurrentKey(owners[0]);
      expect(() => b.getValueState(count).value(), 'a former owner, evicted').to.throw(/not loaded/);
      const all = Object.values(normalized(await b.snapshot(checkpoint(3)))).flatMap((states) => states.count ?? []);
      expect(all).to.have.length(many.length);
    });

    it('pinnedKeys lists the keys of the pinning states only, naming the state it refuses', async () => {
      const b = await fresh();
      expect(() => b.pinnedKeys('count')).to.throw("the Redis backend lists the keys of its pinning states only (__timers), not of 'count'");
    });
  });

  describe('exact restore of checkpoint n', () => {
    it('does not leak writes made after checkpoint n, even when they were evicted or flushed to Redis', async () => {
      const b = await fresh({ cacheSize: 20 });
      const all = [...Array(200).keys()].map((i) => `k${i}`);
      await inBatches(b, all, 20, (k) => {
        b.setCurrentKey(k);
        b.getValueState(count).update(1);
      });
      const n = await b.snapshot(checkpoint(1));
      // After checkpoint 1: every key changes, new keys appear, some keys are cleared; part is
      // evicted to Redis, the rest flushed by a checkpoint 2 that never completes.
      await inBatches(b, [...all, 'late-1', 'late-2'], 20, (k, i) => {
        b.setCurrentKey(k);
        if (i % 7 === 0) b.getValueState(count).clear();
        else b.getValueState(count).update(99);
      });
      await b.snapshot(checkpoint(2));
      await b.dispose();

      const restored = await fresh({ cacheSize: 20 }, [n]);
      const seen: Array<number | undefined> = [];
      await inBatches(restored, [...all, 'late-1', 'late-2'], 20, (k) => {
        restored.setCurrentKey(k);
        seen.push(restored.getValueState(new ValueStateDescriptor<number>('count', Serializers.number)).value());
      });
      expect(seen).to.deep.equal([...all.map(() => 1), undefined, undefined]);
      expect(normalized(await restored.snapshot(checkpoint(3)))).to.deep.equal(normalized(n));
    });

    it('starts empty when restored from no checkpoint, whatever an earlier attempt left in Redis', async () => {
      const b = await fresh();
      await batch(b, ['a'], () => {
        b.setCurrentKey('a');
        b.getValueState(count).update(5);
      });
      await b.snapshot(checkpoint(1));
      await b.dispose();
      const again = await fresh();
      expect(again.prefetch(['a'])).to.equal(undefined);
      again.setCurrentKey('a');
      expect(again.getValueState(count).value()).to.equal(0);
      expect(await again.snapshot(checkpoint(2))).to.deep.equal({ keyGroups: {} });
    });

    it('fails on first access to a corrupt restored entry, naming the state, the key and the reason', async () => {
      const b = await fresh({}, [{ keyGroups: { [String(keyGroupOf('a', 128))]: { count: [['a', 'not json']] } } }]);
      b.getValueState(count);
      await b.prefetch(['a']);
      b.setCurrentKey('a');
      expect(() => b.getValueState(count).value()).to.throw(/cannot restore state 'count' of key a: not JSON/);
    });

    it('refuses a snapshot with a key group that is not a number', async () => {
      const b = backend();
      const r = await b.restore([{ keyGroups: { x: {} } }]);
      expect(isLeft(r) && r.left).to.equal("invalid key group 'x' in snapshot");
    });
  });

  describe('a lost connection', () => {
    it('fails the next batch and the next snapshot with a message naming Redis, even when every key is cached', async () => {
      const b = await fresh();
      await batch(b, ['a'], () => writeSample(b, 'a', 1));
      const admin = new Redis(url);
      try {
        const clients = (await admin.client('LIST')) as string;
        const mine = clients.split('\n').filter((l) => l.includes(`name=sluice:job:op:kg0-127 `));
        expect(mine.length).to.be.at.least(1);
        for (const line of mine) await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
      } finally {
        admin.disconnect();
      }
      const deadline = Date.now() + 5000;
      let failure: unknown;
      while (failure === undefined && Date.now() < deadline) {
        try {
          const p = b.prefetch(['a']);
          if (p !== undefined) await p;
        } catch (e) {
          failure = e;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(String(failure)).to.match(/connection to Redis at redis:\/\/.* was lost/);
      let snapshotFailure: unknown;
      await b.snapshot(checkpoint(2)).catch((e) => (snapshotFailure = e));
      expect(String(snapshotFailure)).to.match(/was lost/);
    });
  });

  describe('key layout', () => {
    it('keeps one hash per key group under <prefix>:<jobId>:<operatorUid>:kg:<keyGroup>, fields <state>/<key text>', async () => {
      const b = await fresh();
      await batch(b, ['a/b'], () => {
        b.setCurrentKey('a/b');
        b.getValueState(new ValueStateDescriptor('per key/count', Serializers.number)).update(7);
      });
      await b.snapshot(checkpoint(1));
      const client = new Redis(url);
      try {
        const hash = `${prefix}:job:op:kg:${keyGroupOf('a/b', 128)}`;
        expect(await client.hgetall(hash)).to.deep.equal({ 'per%20key%2Fcount/a/b': '7' });
      } finally {
        client.disconnect();
      }
      expect(parseStateField('per%20key%2Fcount/a/b')).to.deep.equal({ state: 'per key/count', keyString: 'a/b' });
    });
  });

  describe('the stateBackend option', () => {
    it("defaults to 'memory' and accepts a Redis backend", () => {
      expect(decodeEnvironmentOptions({})).to.have.nested.property('right.stateBackend', 'memory');
      const redis = { type: 'redis', url: 'redis://127.0.0.1:6379/2', keyPrefix: 'sluice', cacheSize: 1000, operationTimeoutMs: 5000 } as const;
      expect(decodeEnvironmentOptions({ stateBackend: redis })).to.have.deep.nested.property('right.stateBackend', redis);
    });

    it('lists every problem of a Redis backend option at once', () => {
      const decoded = decodeEnvironmentOptions({ stateBackend: { type: 'redis', url: 'http://x', keyPrefix: 'a b', cacheSize: 0, operationTimeoutMs: 0, extra: 1 } });
      if (!isLeft(decoded)) return expect.fail('accepted');
      const text = decoded.left.join('\n');
      expect(text).to.include('unknown field(s) extra');
      expect(text).to.include("url must be 'redis://host:port[/db]'");
      expect(text).to.include('keyPrefix must be');
      expect(text).to.include('cacheSize must be an integer');
      expect(text).to.include('operationTimeoutMs must be an integer in 1..86400000 (ms), got 0');
    });

    it('refuses another backend type, naming the accepted shapes', () => {
      const decoded = decodeEnvironmentOptions({ stateBackend: 'rocksdb' });
      if (!isLeft(decoded)) return expect.fail('accepted');
      expect(decoded.left.join('\n')).to.match(/stateBackend: "rocksdb" must be 'memory' or \{ type: 'redis'/);
    });
  });
});
