import { expect } from 'chai';
import { CacheEntry, CacheSlot, WriteBackCache } from '../../src/state/WriteBackCache';
import { entryCodecFor } from '../../src/state/entryCodec';
import { Serializers } from '../../src/state/Serializer';
import { MapStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';

/** Key groups 0..3; key text 'k<n>' lives in key group n % 4. */
const RANGE = { start: 0, end: 3 };
const kg = (key: string) => Number(key.slice(1)) % 4;
const numberCodec = entryCodecFor(new ValueStateDescriptor('count', Serializers.number));
const timerCodec = entryCodecFor(new MapStateDescriptor('timers', Serializers.string, Serializers.number));

function cacheOf(capacity: number, pinning: readonly string[] = [], changed: Array<[number, string]> = []): { cache: WriteBackCache; count: CacheSlot } {
  const cache = new WriteBackCache(RANGE, capacity, pinning, (group, field) => changed.push([group, field]));
  const count = cache.slot('count');
  count.codec = numberCodec;
  return { cache, count };
}

/** What a task does per batch, without Redis: touch the keys, evict, and answer the loads with `store`. */
function batch(cache: WriteBackCache, keys: readonly string[], store: ReadonlyMap<string, string> = new Map()): { missing: string[]; evicted: CacheEntry[] } {
  cache.beginBatch();
  const missing: CacheEntry[] = [];
  for (const key of keys) cache.touch(key, kg(key), missing);
  const evicted = cache.evict();
  for (const entry of missing) cache.loaded(entry, store.get(entry.field) ?? null);
  return { missing: missing.map((e) => e.field), evicted };
}

describe('state/WriteBackCache (no Redis)', () => {
  it('counts a look-up a hit only when its entry was resident: a key with no value is a miss, though it needs no load, and keeps no entry', () => {
    const { cache, count } = cacheOf(100);
    expect(batch(cache, ['k1', 'k2']).missing).to.deep.equal([]);
    cache.put(count, 'k1', 1, 5);
    batch(cache, ['k1', 'k2', 'k3']);
    expect(cache.statistics()).to.deep.equal({ entries: 1, hits: 1, misses: 4 });
  });

  it('knows a key a remote slot lacks to be absent for the batch that touched it and the next (the one prefetched ahead), no longer', () => {
    const { cache, count } = cacheOf(1);
    batch(cache, ['k1', 'k4']);
    cache.put(count, 'k1', 1, 10);
    cache.put(count, 'k4', 0, 40);
    batch(cache, ['k2']);
    expect(count.remote).to.equal(false);
    // The prefetch of the batch after k2's evicts k1 with its value: the slot is remote.
    expect(batch(cache, ['k3']).evicted.map((e) => e.field)).to.deep.equal(['count/k1']);
    expect(count.remote).to.equal(true);
    // k2's batch is processed after k3's prefetch: k2 is still known absent, and may be written.
    expect(cache.get(count, 'k2')).to.equal(undefined);
    cache.put(count, 'k2', 2, 20);
    expect([cache.get(count, 'k2'), cache.get(count, 'k3')]).to.deep.equal([20, undefined]);
    batch(cache, ['k5']);
    batch(cache, ['k6']);
    // k3 was touched three batches ago, k1 never since its eviction: neither is known now.
    expect(() => cache.get(count, 'k3')).to.throw(/state 'count' of key k3 is not loaded/);
    expect(() => cache.put(count, 'k3', 3, 1)).to.throw(/state 'count' of key k3 is not loaded/);
    expect(() => cache.get(count, 'k1')).to.throw(/state 'count' of key k1 is not loaded/);
  });

  it('still knows the keys of the last two batches as absent after forgetting those of thousands of older ones', () => {
    const { cache, count } = cacheOf(1);
    batch(cache, ['k0', 'k1']);
    cache.put(count, 'k0', 0, 1);
    cache.put(count, 'k1', 1, 1);
    batch(cache, ['k2']);
    batch(cache, ['k3']);
    expect(count.remote).to.equal(true);
    const keysOf = (b: number) => Array.from({ length: 100 }, (_, i) => `k${1000 + b * 100 + i}`);
    for (let b = 0; b < 120; b++) batch(cache, keysOf(b));
    for (const key of [...keysOf(118), ...keysOf(119)]) expect(cache.get(count, key)).to.equal(undefined);
    for (const key of [keysOf(117)[0], keysOf(3)[0]]) expect(() => cache.get(count, key)).to.throw(/is not loaded/);
  });

  it('loads only the entries the store may hold (a slot with evicted or restored values), and counts them as misses', () => {
    const { cache, count } = cacheOf(100);
    // Restored server-side by count: the keys are not listed, every key is looked up.
    cache.restoredInStore('count', 1, 1);
    expect(count.unlisted).to.equal(true);
    const { missing } = batch(cache, ['k1', 'k5'], new Map([['count/k1', '41']]));
    expect(missing).to.deep.equal(['count/k1', 'count/k5']);
    expect([cache.get(count, 'k1'), cache.get(count, 'k5')]).to.deep.equal([41, undefined]);
    expect(count.present).to.equal(1);
    expect(cache.statistics()).to.deep.equal({ entries: 2, hits: 0, misses: 2 });
  });

  it('loads, in a remote slot, only the keys that left the cache with a value or were restored by key: a key first seen needs no load', () => {
    const { cache, count } = cacheOf(1);
    batch(cache, ['k2']);
    cache.put(count, 'k2', 2, 20);
    cache.put(count, 'k2', 2, undefined);
    batch(cache, ['k1']);
    cache.put(count, 'k1', 1, 10);
    expect(batch(cache, ['k3']).evicted.map((e) => [e.field, e.value])).to.deep.equal([['count/k2', undefined]]);
    batch(cache, ['k5']);
    cache.put(count, 'k5', 1, 5);
    expect(count.remote, 'evicted with no value').to.equal(false);
    expect(batch(cache, ['k6']).evicted.map((e) => [e.field, e.value])).to.deep.equal([['count/k1', 10]]);
    // k1 went to the store with its value; k2 left with none, k3 and k4 never had one.
    expect(count.remote).to.equal(true);
    expect(batch(cache, ['k1', 'k2', 'k4'], new Map([['count/k1', '10']])).missing).to.deep.equal(['count/k1']);
    expect([cache.get(count, 'k1'), cache.get(count, 'k2'), cache.get(count, 'k4')]).to.deep.equal([10, undefined, undefined]);
    const restored = cacheOf(100);
    restored.cache.restoredInStore('count', 2, 1, ['k6']);
    expect(restored.count.unlisted).to.equal(false);
    expect(batch(restored.cache, ['k2', 'k6'], new Map([['count/k6', '6']])).missing).to.deep.equal(['count/k6']);
    expect(restored.cache.get(restored.count, 'k6')).to.equal(6);
  });

  it('refuses an access to a key neither touched nor known to be absent, saying what to do', () => {
    const { cache, count } = cacheOf(100);
    cache.restoredInStore('count', 2, 3);
    expect(() => cache.get(count, 'k2')).to.throw(
      "state 'count' of key k2 is not loaded: with the Redis backend, keyed state is readable for the keys of the batch being processed (prefetched); access state only for the current record's key",
    );
    expect(() => cache.put(count, 'k2', 2, 1)).to.throw(/state 'count' of key k2 is not loaded/);
  });

  it('marks a written entry dirty once per epoch, hands the dirty entries over once, and keeps entry counts per state and key group', () => {
    const changed: Array<[number, string]> = [];
    const { cache, count } = cacheOf(100, [], changed);
    batch(cache, ['k1', 'k5', 'k2', 'k6']);
    cache.put(count, 'k1', 1, 1);
    cache.put(count, 'k1', 1, 2);
    cache.put(count, 'k5', 1, 3);
    cache.put(count, 'k6', 2, 4);
    cache.put(count, 'k6', 2, undefined);
    // k2 has no value in the cache nor in the store: removing it changes nothing.
    cache.put(count, 'k2', 2, undefined);
    expect(changed).to.deep.equal([
      [1, 'count/k1'],
      [1, 'count/k5'],
      [2, 'count/k6'],
    ]);
    const dirty = [...cache.takeDirty()];
    expect(dirty.map((e) => [e.field, e.value])).to.deep.equal([
      ['count/k1', 2],
      ['count/k5', 3],
      ['count/k6', undefined],
    ]);
    expect(cache.dirtyCount).to.equal(0);
    // Written back, as RedisStateIO.queueWrites marks them.
    for (const entry of dirty) entry.dirty = false;
    expect([count.present, ...cache.groupSizes]).to.deep.equal([2, 0, 2, 0, 0]);
    // A clean entry with a value is what the store holds: removing it is a write.
    cache.put(count, 'k5', 1, undefined);
    expect(changed.slice(3)).to.deep.equal([[1, 'count/k5']]);
    expect([...cache.takeDirty()].map((e) => [e.field, e.value])).to.deep.equal([['count/k5', undefined]]);
    expect([count.present, ...cache.groupSizes]).to.deep.equal([1, 0, 1, 0, 0]);
  });

  it('evicts the oldest entries past the bound, gives those used by the last two batches a second chance, never evicts the current batch, and hands back the dirty ones', () => {
    const { cache, count } = cacheOf(2);
    batch(cache, ['k1', 'k2', 'k3']);
    cache.put(count, 'k1', 1, 10);
    cache.put(count, 'k2', 2, 20);
    cache.put(count, 'k3', 3, 30);
    // Written back, as RedisStateIO.queueWrites marks them; k1 changes again.
    for (const entry of cache.takeDirty()) entry.dirty = false;
    cache.put(count, 'k1', 1, 11);
    // All three were used by the batch before: a second chance each, the bound waits.
    expect(batch(cache, ['k2']).evicted).to.deep.equal([]);
    expect(cache.statistics().entries).to.equal(3);
    // Two batches on, k1 and k3 are old (k2 was used since): k1 (dirty) goes, which is enough.
    expect(batch(cache, ['k2', 'k4']).evicted.map((e) => [e.field, e.value, e.dirty])).to.deep.equal([['count/k1', 11, true]]);
    cache.put(count, 'k4', 0, 40);
    // k2 was used by the batch before: it moves to the back, and k3 (clean) goes.
    expect(batch(cache, ['k5']).evicted).to.deep.equal([]);
    expect(cache.statistics().entries).to.equal(2);
    expect([...cache.entries()].map((e) => e.keyString)).to.deep.equal(['k2', 'k4']);
    // An evicted value may be in the store only: the slot is remote now, and k1 must be loaded again.
    expect(count.remote).to.equal(true);
    expect(batch(cache, ['k1'], new Map([['count/k1', '11']])).missing).to.deep.equal(['count/k1']);
    expect(cache.get(count, 'k1')).to.equal(11);
  });

  it('keeps every entry of a key with a value in a pinning state out of eviction until that value goes, and lists those keys', () => {
    const { cache, count } = cacheOf(1, ['timers']);
    const timers = cache.slot('timers');
    timers.codec = timerCodec;
    batch(cache, ['k1']);
    cache.put(count, 'k1', 1, 7);
    cache.put(timers, 'k1', 1, new Map([['e|100|', 1]]));
    for (const key of ['k2', 'k3', 'k4', 'k5']) batch(cache, [key]);
    expect(cache.pinnedKeys('timers')).to.deep.equal(['k1']);
    expect(cache.get(count, 'k1'), 'outside any batch').to.equal(7);
    // A pinned key's look-ups are hits: its entries are all resident.
    const before = cache.statistics().hits;
    batch(cache, ['k1']);
    expect(cache.statistics().hits - before).to.equal(2);
    cache.put(timers, 'k1', 1, undefined);
    expect(cache.pinnedKeys('timers')).to.deep.equal([]);
    for (const key of ['k6', 'k7', 'k8']) batch(cache, [key]);
    expect(() => cache.get(count, 'k1'), 'evictable again, and evicted').to.throw(/not loaded/);
    expect(cache.pinnedKeys('count')).to.deep.equal([]);
  });

  it('restores pinned entries as text, decoded on first access; a corrupt one fails every access, naming the state, the key and the reason', () => {
    const { cache, count } = cacheOf(10, ['timers']);
    cache.restorePinned('k1', 1, 'timers', timerCodec.encode(new Map([['e|5|', 1]])));
    cache.restorePinned('k1', 1, 'count', '"seven"');
    expect(cache.isUnused()).to.equal(false);
    expect(cache.pinnedKeys('timers')).to.deep.equal(['k1']);
    const timers = cache.slot('timers');
    timers.codec = timerCodec;
    expect(cache.get(timers, 'k1')).to.deep.equal(new Map([['e|5|', 1]]));
    const message = 'cannot restore state \'count\' of key k1: Invalid value "seven" supplied to : number';
    expect(() => cache.get(count, 'k1')).to.throw(message);
    expect(() => cache.put(count, 'k1', 1, 1)).to.throw(message);
  });

  it('builds text once per value and keeps restored text as is', () => {
    const { cache, count } = cacheOf(10);
    batch(cache, ['k1']);
    cache.put(count, 'k1', 1, 3);
    const [entry] = cache.entries();
    expect(cache.textOf(entry)).to.equal('3');
    expect(entry.text).to.equal('3');
    cache.put(count, 'k1', 1, undefined);
    expect(cache.textOf(entry)).to.equal(undefined);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new WriteBackCache(RANGE, 0, [])).to.throw(RangeError, 'cacheSize must be a positive integer, got 0');
    expect(() => new WriteBackCache(RANGE, 1.5, [])).to.throw(RangeError, 'cacheSize must be a positive integer, got 1.5');
  });
});
