/**
 * Keyed state in Redis behind a bounded write-back cache, per task. The hot path reads and
 * writes the cache only (WriteBackCache.ts): `prefetch` loads the keys of a batch that the cache
 * lacks in one pipeline (and writes back the dirty entries it evicts in the same round trip,
 * RedisStateIO.ts), and `snapshot` flushes dirty entries in one pipeline. The key layout is in
 * redisKeyLayout.ts (see docs/redis.md).
 *
 * Snapshots are full (RedisFullSnapshotStrategy.ts), or incremental when the checkpoints are in
 * this same Redis (RedisIncrementalSnapshotStrategy.ts); a restore takes either format
 * (redisRestore.ts). Pinned keys (the timer service's): see KeyedStateBackend.pinnedKeys.
 *
 * Exactness: the working hashes are a spill area, not the checkpoint. A snapshot carries the
 * state itself or references pieces copied server-side, and `restore` replaces the owned key
 * groups' hashes by the snapshot's content, so writes made after checkpoint n (evicted or
 * flushed before a failure) cannot leak into a restore of n.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import type { CheckpointId } from './CheckpointId';
import { Key, keyFromString, keyToString } from './keyHash';
import { TIMERS_STATE } from './KeyedTimerService';
import { KeyGroupRange, keyGroupOf } from './keyGroups';
import { KeyedStateBackend, KeyedStateSnapshot } from './KeyedStateBackend';
import { AnyStateDescriptor } from './StateDescriptor';
import { StateTable } from './StateTable';
import { KeyCursor } from './KeyCursor';
import { entryCodecFor } from './entryCodec';
import { foldKeyedSnapshot } from './keyedStateDeltas';
import { TableStateAccess, primitiveOf } from './keyedStates';
import { RedisFullSnapshotStrategy, RedisSnapshotStrategy } from './RedisFullSnapshotStrategy';
import { RedisIncrementalSnapshotStrategy } from './RedisIncrementalSnapshotStrategy';
import { RedisStateIO } from './RedisStateIO';
import { restoreRedisState } from './redisRestore';
import type { StateFencing } from './redisFencing';
import { stateSpace } from './redisKeyLayout';
import { CacheEntry, CacheSlot, WriteBackCache } from './WriteBackCache';
import type { Logger } from '../logging/logger';

/** The `stateBackend` option for Redis. */
export interface RedisStateBackendOptions {
  readonly type: 'redis';
  /** `redis://[user:password@]host:port[/db]` */
  readonly url: string;
  /** Shared by all keys of the job's state: `<keyPrefix>:<jobId>:...`. */
  readonly keyPrefix: string;
  /** Entries (state × key) each task keeps in memory (default 100 000). */
  readonly cacheSize?: number;
  /**
   * The longest a task waits on Redis for one operation (default 30 000 ms): a command or a
   * pipeline, and reaching the server when the task starts. A task that cannot reach Redis
   * for that long fails the job, naming the server, instead of restarting for ever.
   */
  readonly operationTimeoutMs?: number;
}

export const DEFAULT_REDIS_CACHE_SIZE = 100_000;

export interface RedisKeyedStateBackendConfig {
  readonly url: string;
  readonly keyPrefix: string;
  readonly jobId: string;
  readonly operatorUid: string;
  readonly cacheSize: number;
  /** The states whose keys are pinned (KeyedStateBackend.pinnedKeys): the factory names the timer service's. */
  readonly pinningStates: readonly string[];
  /**
   * Set when the checkpoints are stored in this same Redis (server and database): snapshots are
   * then incremental, server-side pieces (incrementalSnapshots.ts), as durable as the
   * checkpoints that reference them. `checkpointIds` is the store's sorted set of retained
   * checkpoint ids: retention keeps the pieces their chains name.
   */
  readonly incremental?: { readonly checkpointIds: string };
  /** See RedisStateBackendOptions (default DEFAULT_REDIS_OPERATION_TIMEOUT_MS). */
  readonly operationTimeoutMs?: number;
  /** The task's logger, for the connection's errors and reconnects. */
  readonly logger?: Logger;
  /**
   * Set when the task runs in an instance of a job over many processes (docs/cluster.md): every
   * write is refused once the job's epoch moved on, and the backend then fails for good with a
   * FencedStateWriteError (redisFencing.ts).
   */
  readonly fencing?: StateFencing;
}

interface RegisteredState {
  readonly descriptor: AnyStateDescriptor;
  readonly slot: CacheSlot;
  readonly primitive: unknown;
}

class RedisStateTable<V> implements StateTable<V> {
  constructor(private readonly backend: RedisKeyedStateBackend, private readonly slot: CacheSlot) {}
  get(): V | undefined {
    return this.backend.read(this.slot) as V | undefined;
  }
  put(value: V): void {
    this.backend.write(this.slot, value);
  }
  remove(): void {
    this.backend.write(this.slot, undefined);
  }
}

export class RedisKeyedStateBackend extends TableStateAccess implements KeyedStateBackend {
  private readonly cursor: KeyCursor;
  private readonly states = new Map<string, RegisteredState>();
  private readonly cache: WriteBackCache;
  private readonly io: RedisStateIO;
  private readonly strategy: RedisSnapshotStrategy;
  private readonly incremental: RedisIncrementalSnapshotStrategy | undefined;
  private readonly pinningStates: readonly string[];
  /** See KeyedStateBackend.prefetchesAsked. */
  prefetchesAsked = 0;

  constructor(readonly keyGroupRange: KeyGroupRange, private readonly maxParallelism: number, config: RedisKeyedStateBackendConfig) {
    super();
    this.cursor = new KeyCursor(keyGroupRange, maxParallelism);
    this.pinningStates = config.pinningStates;
    const incremental = config.incremental;
    let onChanged: ((keyGroup: number, field: string) => void) | undefined;
    if (incremental !== undefined) onChanged = (keyGroup, field) => this.incremental!.changes.record(keyGroup, field);
    this.cache = new WriteBackCache(keyGroupRange, config.cacheSize, this.pinningStates, onChanged);
    const space = stateSpace(config.keyPrefix, config.jobId, config.operatorUid);
    this.io = new RedisStateIO(keyGroupRange, {
      url: config.url,
      space,
      // Named so that operators can find a task's connection in CLIENT LIST.
      connectionName: `sluice:${config.jobId}:${config.operatorUid}:kg${keyGroupRange.start}-${keyGroupRange.end}`,
      operationTimeoutMs: config.operationTimeoutMs,
      logger: config.logger,
      ...(config.fencing !== undefined ? { fencing: config.fencing } : {}),
    });
    this.incremental = incremental === undefined ? undefined : new RedisIncrementalSnapshotStrategy(this.cache, this.io, incremental.checkpointIds);
    this.strategy = this.incremental ?? new RedisFullSnapshotStrategy(this.cache, this.io);
  }

  setCurrentKey(key: Key): void {
    this.cursor.moveTo(key);
  }

  getCurrentKey(): Key {
    return this.cursor.key;
  }

  /** @internal The current key's value in a registered state. */
  read(slot: CacheSlot): unknown {
    return this.cache.get(slot, this.cursor.keyString);
  }

  /** @internal Sets (or, with undefined, removes) the current key's value in a registered state. */
  write(slot: CacheSlot, value: unknown): void {
    const { keyString, keyGroup } = this.cursor;
    if (keyGroup < 0) throw new Error('keyed state was written before a key was set: use keyed state only while processing a record of a keyed stream');
    this.cache.put(slot, keyString, keyGroup, value);
  }

  protected register<P>(descriptor: AnyStateDescriptor, create: (table: RedisStateTable<any>) => P): P {
    const existing = this.states.get(descriptor.name);
    if (existing !== undefined) return primitiveOf<P>(existing, descriptor);
    const slot = this.cache.slot(descriptor.name);
    const primitive = create(new RedisStateTable<unknown>(this, slot));
    slot.codec = entryCodecFor(descriptor);
    this.states.set(descriptor.name, { descriptor, slot, primitive });
    return primitive;
  }

  /**
   * Marks the batch's entries used, evicts entries not used lately beyond the bound, and loads
   * what is missing, writing evicted dirty entries in the same pipeline. Undefined when there
   * is nothing to send: the hot path then awaits nothing.
   */
  prefetch(keys: readonly Key[]): Promise<void> | undefined {
    this.prefetchesAsked++;
    if (this.io.failure !== undefined) return Promise.reject(this.io.failure);
    const cache = this.cache;
    cache.beginBatch();
    const missing: CacheEntry[] = [];
    const { start, end } = this.keyGroupRange;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      // The hash the partitioner computed for the key is remembered (keyHashCache.ts): no text is hashed here.
      const keyGroup = keyGroupOf(key, this.maxParallelism);
      // setCurrentKey refuses it with a clear message when the record is processed.
      if (keyGroup < start || keyGroup > end) continue;
      cache.touch(keyToString(key), keyGroup, missing);
    }
    const evicted = cache.evict();
    // An entry this batch needs may be loading for the batch prefetched ahead of it (another
    // channel's batch came first): the batch waits for that load, never reads it as absent.
    const earlier = cache.batchMetLoading() ? this.io.lastLoad : undefined;
    if (missing.length === 0 && evicted.length === 0) return earlier;
    const load = this.io.loadAndWriteBack(cache, missing, evicted);
    return earlier === undefined ? load : Promise.all([earlier, load]).then(() => undefined);
  }

  keyCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, state] of this.states) counts[name] = state.slot.present;
    return counts;
  }

  /** Evictable entries resident, and batch look-ups that found their entry resident or not (metrics). */
  cacheStatistics(): { entries: number; hits: number; misses: number } {
    return this.cache.statistics();
  }

  /** With full snapshots, the UTF-8 bytes of the keys and entries of the last one; unknown with incremental ones. */
  stateSizeBytes(): number | undefined {
    return this.strategy.stateSizeBytes();
  }

  /** Entries resident in the cache, pinned ones aside (for tests of the bound). */
  cachedEntries(): number {
    return this.cache.statistics().entries;
  }

  /** The keys `stateName` pins; other states may live in Redis only, so they cannot be listed here. */
  pinnedKeys(stateName: string): Key[] {
    if (!this.pinningStates.includes(stateName)) {
      throw new Error(`the Redis backend lists the keys of its pinning states only (${this.pinningStates.join(', ') || 'none'}), not of '${stateName}'`);
    }
    return this.cache.pinnedKeys(stateName).map(keyFromString);
  }

  /**
   * The keys with a value in `stateName`: the cache is the truth for the keys it holds (written,
   * removed, loaded), the store for the others, which HSCAN finds in the owned key groups.
   */
  async keysOf(stateName: string): Promise<Key[]> {
    if (this.io.failure !== undefined) throw this.io.failure;
    const slot = this.cache.slot(stateName);
    const keys = new Set<string>();
    for (const [keyString, entry] of slot.entries) if (entry.value !== undefined || entry.raw !== undefined || entry.error !== undefined) keys.add(keyString);
    if (slot.remote) {
      for (const keyString of await this.io.track(this.io.scanKeys(slot.fieldPrefix))) if (!slot.entries.has(keyString)) keys.add(keyString);
    }
    return [...keys].map(keyFromString);
  }

  /** Flushes the dirty entries and snapshots, fully or incrementally (see the strategies). */
  async snapshot(checkpointId: CheckpointId): Promise<KeyedStateSnapshot> {
    if (this.io.failure !== undefined) throw this.io.failure;
    return this.io.track(this.strategy.snapshot(checkpointId));
  }

  /** `<keyPrefix>:<jobId>:<operatorUid>`: the key space of this operator's state. */
  get space(): string {
    return this.io.space;
  }

  notifyCheckpointComplete(checkpointId: CheckpointId): Promise<void> {
    return this.strategy.notifyCheckpointComplete(checkpointId);
  }

  notifyCheckpointAborted(checkpointId: CheckpointId): void {
    this.strategy.notifyCheckpointAborted(checkpointId);
  }

  /**
   * Replaces the owned key groups' hashes by the snapshots' content (deleting them when the
   * snapshots hold nothing for them), so that nothing written after the checkpoint survives.
   */
  async restore(snapshots: readonly KeyedStateSnapshot[], checkpointId?: CheckpointId): Promise<Either<string, void>> {
    if (this.states.size > 0 || !this.cache.isUnused()) return left('restore must happen before any state is used');
    // A memory backend's chain of deltas arrives whole.
    const base = await restoreRedisState(this.cache, this.io, this.pinningStates, snapshots.map(foldKeyedSnapshot), checkpointId);
    if (isLeft(base)) return base;
    this.incremental?.rebase(base.right.chains, base.right.weights);
    return right(undefined);
  }

  /** Waits for the pipeline under way, then closes the connection: nothing is written after. */
  async dispose(): Promise<void> {
    await this.io.dispose();
    this.cache.clear();
    this.states.clear();
  }
}

/**
 * Creates the backends of a job's keyed tasks; the runtime names each task's operator, whose
 * uid names its key space. The timer service's state pins its keys (KeyedTimerService.ts).
 */
export function redisKeyedStateBackendFactory(
  options: RedisStateBackendOptions,
  jobId: string,
  incremental?: RedisKeyedStateBackendConfig['incremental'],
  fencing?: StateFencing,
): (range: KeyGroupRange, maxParallelism: number, owner: { readonly operatorUid: string; readonly logger?: Logger }) => RedisKeyedStateBackend {
  return (range, maxParallelism, owner) =>
    new RedisKeyedStateBackend(range, maxParallelism, {
      ...(options.operationTimeoutMs !== undefined ? { operationTimeoutMs: options.operationTimeoutMs } : {}),
      ...(owner.logger !== undefined ? { logger: owner.logger } : {}),
      url: options.url,
      keyPrefix: options.keyPrefix,
      jobId,
      operatorUid: owner.operatorUid,
      cacheSize: options.cacheSize ?? DEFAULT_REDIS_CACHE_SIZE,
      pinningStates: [TIMERS_STATE],
      ...(incremental !== undefined ? { incremental } : {}),
      ...(fencing !== undefined ? { fencing } : {}),
    });
}
