/**
 * Keyed state in Redis behind a bounded write-back cache, per task. The hot path reads and
 * writes the cache only: `prefetch` loads the keys of a batch that the cache lacks in one
 * pipeline (and writes back the dirty entries it evicts in the same round trip), and
 * `snapshot` flushes dirty entries in one pipeline. Layout (see docs/redis.md):
 *
 *   <prefix>:<jobId>:<operatorUid>:kg:<keyGroup>   hash: <state>/<key text> -> entry text
 *
 * where <state> is the state name URI-encoded (so it holds no '/') and the entry text comes
 * from the state's serializer (entryCodec.ts). A key group is one hash, so it moves whole.
 *
 * Timers: the keys that own timers (an entry in the timer service's state) are pinned: all
 * their entries leave the evictable ones (they stay in their state's map) and stay in memory until their last
 * timer is gone, so that a timer firing outside any batch (a watermark, the clock) finds its
 * key's state without a round trip, and the timer service can list them after a restore (which
 * loads them from the snapshot). The cache bound applies to the other keys.
 *
 * Exactness: the working hashes are a spill area, not the checkpoint. A snapshot carries the
 * state itself (the same KeyedStateSnapshot as the memory backend), and `restore` replaces
 * the owned key groups' hashes by the snapshot's content, so writes made after checkpoint n
 * (evicted or flushed before a failure) cannot leak into a restore of n.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import type Redis from 'ioredis';
import { Key, keyFromString, keyToString } from './keyHash';
import { TIMERS_STATE } from './KeyedTimerService';
import { KeyGroupRange, keyGroupOfKeyString, keyGroupRangeForOperator } from './keyGroups';
import { KeyedStateBackend, KeyedStateSnapshot } from './KeyedStateBackend';
import { AnyStateDescriptor } from './StateDescriptor';
import { StateTable } from './StateTable';
import { KeyCursor } from './KeyCursor';
import { EntryCodec, entryCodecFor } from './entryCodec';
import { TableStateAccess } from './keyedStates';
import { DEFAULT_REDIS_OPERATION_TIMEOUT_MS, connectRedis, redactUrl, whenReady } from './redisConnection';
import { ServiceError } from '../services/ServiceError';
import type { Logger } from '../logging/logger';
import {
  ChangedFields,
  MAX_CHAIN_LENGTH,
  PIECE_NAME,
  PieceKind,
  SnapshotScripts,
  chainAfter,
  chainsKey,
  defineSnapshotScripts,
  pieceDeletesKey,
  pieceKey,
} from './incrementalSnapshots';

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

/** The hash holding key group `keyGroup` of one operator's state. */
export function keyGroupHashKey(keyPrefix: string, jobId: string, operatorUid: string, keyGroup: number): string {
  return `${keyPrefix}:${jobId}:${operatorUid}:kg:${keyGroup}`;
}

/** The hash field of `keyString` in state `stateName`. */
export function stateField(stateName: string, keyString: string): string {
  return `${encodeURIComponent(stateName)}/${keyString}`;
}

/** The state name and key text of a hash field; undefined for a field of another shape. */
export function parseStateField(field: string): { readonly state: string; readonly keyString: string } | undefined {
  const slash = field.indexOf('/');
  if (slash <= 0) return undefined;
  try {
    return { state: decodeURIComponent(field.slice(0, slash)), keyString: field.slice(slash + 1) };
  } catch {
    return undefined;
  }
}

/** A state known by name: registered by a function, or found in a restored snapshot. */
interface StateSlot {
  readonly name: string;
  readonly fieldPrefix: string;
  /** Its entries in memory (evictable or pinned), by key text: lookups hash the cursor's key text, not a new field string. */
  readonly entries: Map<string, CacheEntry>;
  /** Keys with a value in this state, in the cache or in Redis (kept exact on every write). */
  present: number;
  /** Undefined until a function asks for the state: its entries wait as text until then. */
  registered: RegisteredState | undefined;
  /**
   * Redis may hold entries of this state that the cache lacks (restored, or evicted with a
   * value). Otherwise the cache is the whole truth: a key not in it has no value, and a read
   * needs no round trip even for a key that was not prefetched.
   */
  remote: boolean;
}

interface RegisteredState {
  readonly descriptor: AnyStateDescriptor;
  readonly codec: EntryCodec;
  readonly slot: StateSlot;
  readonly primitive: unknown;
}

/** One state of one key, resident in the cache. */
interface CacheEntry {
  readonly field: string;
  readonly keyString: string;
  readonly keyGroup: number;
  readonly slot: StateSlot;
  /** undefined: the key has no value in this state (or it is still `raw`). */
  value: unknown;
  /** Loaded text of a state not yet registered, decoded on first access. */
  raw: string | undefined;
  /** Differs from what Redis holds. */
  dirty: boolean;
  /** The serialized value, kept while it is known, so snapshots do not serialize twice. */
  text: string | undefined;
  /** Why the stored entry could not be decoded; every access fails with it. */
  error: string | undefined;
  /** The prefetch that last touched it: entries of the current batch are never evicted. */
  generation: number;
}

export interface RedisKeyedStateBackendConfig {
  readonly url: string;
  readonly keyPrefix: string;
  readonly jobId: string;
  readonly operatorUid: string;
  readonly cacheSize: number;
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
}

/** A snapshot taken and not yet completed or aborted: the chains it references, by key group. */
interface PendingSnapshot {
  readonly name: string;
  readonly chains: Map<number, readonly string[]>;
  readonly weights: Map<number, number>;
}

/** The id the runtime snapshots with at end of input (FINAL_CHECKPOINT); its real id comes with completion. */
const FINAL_SNAPSHOT_ID = Number.MAX_SAFE_INTEGER;

/** Fields per HSET command when restoring, so no single command gets huge. */
const RESTORE_CHUNK = 1000;

class RedisStateTable<V> implements StateTable<V> {
  constructor(private readonly backend: RedisKeyedStateBackend, private readonly state: RegisteredState) {}
  get(): V | undefined {
    return this.backend.read(this.state) as V | undefined;
  }
  put(value: V): void {
    this.backend.write(this.state, value);
  }
  remove(): void {
    this.backend.write(this.state, undefined);
  }
}

export class RedisKeyedStateBackend extends TableStateAccess implements KeyedStateBackend {
  private readonly cursor: KeyCursor;
  private readonly states = new Map<string, RegisteredState>();
  private readonly slots = new Map<string, StateSlot>();
  /** The slots' values, for the per-key loops (an array walk, no iterator per key). */
  private readonly slotList: StateSlot[] = [];
  /**
   * The entries eviction may remove, oldest first (a Set keeps insertion order): every entry in
   * memory except those of keys that own timers, which are pinned (complete: a missing entry of
   * such a key is an absent value).
   */
  private readonly evictable = new Set<CacheEntry>();
  /** Key texts that own at least one timer. */
  private readonly timerOwners = new Set<string>();
  private readonly dirty = new Set<CacheEntry>();
  /** Incremental snapshots: what changed since the base, the base's chains, snapshots pending. */
  private readonly changes: ChangedFields | undefined;
  /** Key group -> the chain of the last completed (or restored) snapshot; absent: none (the next is full). */
  private baseChains = new Map<number, readonly string[]>();
  /** Key group -> entries held by the deltas of its base chain (a full copy replaces them past the group's size). */
  private baseWeights = new Map<number, number>();
  private readonly pendingSnapshots = new Map<number, PendingSnapshot>();
  /**
   * Entries per owned key group (by offset from the range's start), kept on every write like
   * `present`: a snapshot tells from it that a key group's piece will be a full copy, and then
   * sends no field names to Redis.
   */
  private readonly groupSizes: number[];
  private generation = 0;
  /** Batch key look-ups (per state) served by the cache, and those that went to Redis: metrics. */
  private cacheHits = 0;
  private cacheMisses = 0;
  /** Generation before the last eviction sweep: entries used after it get a second chance. */
  private lastSweep = 0;
  private readonly client: Redis;
  /** Set once the connection was lost or a command failed: every later operation fails with it. */
  private failure: Error | undefined;
  private wasReady = false;
  private disposed = false;
  /** The pipeline under way, awaited by dispose so that nothing is written after it. */
  private inflight: Promise<unknown> | undefined;
  /** Settles once the client can take commands (they are refused before, not queued). */
  private readonly connected: Promise<void>;

  constructor(readonly keyGroupRange: KeyGroupRange, private readonly maxParallelism: number, private readonly config: RedisKeyedStateBackendConfig) {
    super();
    this.cursor = new KeyCursor(keyGroupRange, maxParallelism);
    const hashKeys: string[] = [];
    for (let kg = keyGroupRange.start; kg <= keyGroupRange.end; kg++) hashKeys.push(keyGroupHashKey(config.keyPrefix, config.jobId, config.operatorUid, kg));
    this.hashKeys = hashKeys;
    this.groupSizes = new Array<number>(Math.max(0, keyGroupRange.end - keyGroupRange.start + 1)).fill(0);
    if (!Number.isInteger(config.cacheSize) || config.cacheSize < 1) throw new RangeError(`cacheSize must be a positive integer, got ${config.cacheSize}`);
    // Named so that operators can find a task's connection in CLIENT LIST.
    const connection = { operationTimeoutMs: config.operationTimeoutMs, logger: config.logger };
    this.client = connectRedis(config.url, `sluice:${config.jobId}:${config.operatorUid}:kg${keyGroupRange.start}-${keyGroupRange.end}`, connection);
    this.connected = whenReady(this.client, config.url, config.operationTimeoutMs);
    defineSnapshotScripts(this.client);
    this.changes = config.incremental === undefined ? undefined : new ChangedFields();
    this.connected.catch(() => undefined);
    this.client.on('ready', () => (this.wasReady = true));
    this.client.on('close', () => {
      // State evicted to Redis may be gone (a restarted server) or a write may be lost: only
      // a restore from the last checkpoint is safe now.
      if (this.wasReady && !this.disposed) this.failure ??= new Error(`the connection to Redis at ${redactUrl(config.url)} was lost; the task fails over to the last checkpoint`);
    });
  }

  /** The owned key groups' hash keys, by key group − range start: built once, not per entry written or read. */
  private readonly hashKeys: readonly string[];

  private hashOf(keyGroup: number): string {
    return this.hashKeys[keyGroup - this.keyGroupRange.start];
  }

  setCurrentKey(key: Key): void {
    this.cursor.moveTo(key);
  }

  getCurrentKey(): Key {
    return this.cursor.key;
  }

  // --- the hot path: cache only -----------------------------------------------------------------

  /** @internal The current key's value in `state`. */
  read(state: RegisteredState): unknown {
    const entry = state.slot.entries.get(this.cursor.keyString);
    if (entry === undefined) {
      if (state.slot.remote && !this.timerOwners.has(this.cursor.keyString)) this.notLoaded(state);
      return undefined;
    }
    if (entry.raw !== undefined) this.decode(entry, state);
    if (entry.error !== undefined) throw new Error(`cannot restore state '${state.slot.name}' of key ${entry.keyString}: ${entry.error}`);
    return entry.value;
  }

  private decode(entry: CacheEntry, state: RegisteredState): void {
    const decoded = state.codec.decode(entry.raw!);
    if (isLeft(decoded)) entry.error = decoded.left;
    else {
      entry.value = decoded.right;
      entry.text = entry.raw;
    }
    entry.raw = undefined;
  }

  /** @internal Sets (or, with undefined, removes) the current key's value in `state`. */
  write(state: RegisteredState, value: unknown): void {
    const { keyString, keyGroup } = this.cursor;
    if (keyGroup < 0) throw new Error('keyed state was written before a key was set: use keyed state only while processing a record of a keyed stream');
    let entry = state.slot.entries.get(keyString);
    if (entry === undefined) {
      const owner = this.timerOwners.has(keyString);
      if (state.slot.remote && !owner) this.notLoaded(state);
      if (value === undefined) return;
      entry = this.newEntry(keyString, keyGroup, state.slot, this.generation);
      if (!owner) this.evictable.add(entry);
    }
    if (entry.raw !== undefined) this.decode(entry, state);
    if (entry.error !== undefined) throw new Error(`cannot restore state '${state.slot.name}' of key ${keyString}: ${entry.error}`);
    if ((entry.value === undefined) !== (value === undefined)) {
      state.slot.present += value === undefined ? -1 : 1;
      this.groupSizes[keyGroup - this.keyGroupRange.start] += value === undefined ? -1 : 1;
    }
    entry.value = value;
    entry.text = undefined;
    // A dirty entry is in the dirty set and, in this epoch, among the changed fields already.
    if (!entry.dirty) {
      entry.dirty = true;
      this.dirty.add(entry);
      this.changes?.record(keyGroup, entry.field);
    }
    if (state.slot.name === TIMERS_STATE) this.setTimerOwner(keyString, value !== undefined);
  }

  /** Pins a key's entries when it gets its first timer, unpins them when its last one goes. */
  private setTimerOwner(keyString: string, owns: boolean): void {
    if (owns === this.timerOwners.has(keyString)) return;
    if (owns) this.timerOwners.add(keyString);
    else this.timerOwners.delete(keyString);
    for (const slot of this.slotList) {
      const entry = slot.entries.get(keyString);
      if (entry === undefined) continue;
      if (owns) this.evictable.delete(entry);
      else {
        entry.generation = this.generation; // back among the evictable ones as just used
        this.evictable.add(entry);
      }
    }
  }

  /** A new entry, in its slot's map (the caller decides whether it is evictable). */
  private newEntry(keyString: string, keyGroup: number, slot: StateSlot, generation: number): CacheEntry {
    const entry = { field: slot.fieldPrefix + keyString, keyString, keyGroup, slot, value: undefined, raw: undefined, dirty: false, text: undefined, error: undefined, generation };
    slot.entries.set(keyString, entry);
    return entry;
  }

  private slotOf(name: string): StateSlot {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      this.slots.set(name, (slot = { name, fieldPrefix: stateField(name, ''), entries: new Map(), present: 0, registered: undefined, remote: false }));
      this.slotList.push(slot);
    }
    return slot;
  }

  private notLoaded(state: RegisteredState): never {
    throw new Error(
      `state '${state.slot.name}' of key ${this.cursor.keyString} is not loaded: with the Redis backend, keyed state is readable ` +
        `for the keys of the batch being processed (prefetched); access state only for the current record's key`,
    );
  }

  // --- registration -----------------------------------------------------------------------------

  protected register<P>(descriptor: AnyStateDescriptor, create: (table: RedisStateTable<any>) => P): P {
    const existing = this.states.get(descriptor.name);
    if (existing !== undefined) {
      if (existing.descriptor.kind !== descriptor.kind) {
        throw new Error(`state '${descriptor.name}' is already a ${existing.descriptor.kind} state; give the ${descriptor.kind} state another name`);
      }
      return existing.primitive as P;
    }
    const slot = this.slotOf(descriptor.name);
    const state: { -readonly [K in keyof RegisteredState]: RegisteredState[K] } = { descriptor, codec: entryCodecFor(descriptor), slot, primitive: undefined };
    state.primitive = create(new RedisStateTable<unknown>(this, state));
    slot.registered = state;
    this.states.set(descriptor.name, state);
    return state.primitive as P;
  }

  // --- batches ------------------------------------------------------------------------------------

  /**
   * Marks the batch's entries used, evicts entries not used lately beyond the bound, and loads
   * what is missing, writing evicted dirty entries in the same pipeline. Undefined when there
   * is nothing to send: the hot path then awaits nothing.
   */
  prefetch(keys: readonly Key[]): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const generation = ++this.generation;
    const missing: CacheEntry[] = [];
    const { start, end } = this.keyGroupRange;
    const slots = this.slotList;
    for (let i = 0; i < keys.length; i++) {
      const keyString = keyToString(keys[i]);
      const keyGroup = keyGroupOfKeyString(keyString, this.maxParallelism);
      // setCurrentKey refuses it with a clear message when the record is processed.
      if (keyGroup < start || keyGroup > end) continue;
      // A timer owner's entries are all in memory already.
      if (this.timerOwners.has(keyString)) continue;
      for (let s = 0; s < slots.length; s++) {
        const slot = slots[s];
        const entry = slot.entries.get(keyString);
        // A hit only marks the entry (moving it in the Map per batch cost a third of the hot path).
        if (entry !== undefined) entry.generation = generation;
        else {
          // Resident from now on: loaded when Redis may hold it, known to be absent otherwise.
          const created = this.newEntry(keyString, keyGroup, slot, generation);
          this.evictable.add(created);
          if (slot.remote) missing.push(created);
        }
      }
    }
    const evicted = this.evict(generation);
    this.cacheMisses += missing.length;
    this.cacheHits += keys.length * slots.length - missing.length;
    if (missing.length === 0 && evicted.length === 0) return undefined;
    return this.track(this.loadAndWriteBack(missing, evicted));
  }

  /**
   * Removes entries beyond the bound, oldest first, giving a second chance (a move to the back)
   * to those used since the previous sweep, as the CLOCK algorithm does; entries of the current
   * batch are never removed. One sweep looks at each entry at most once, so when every entry is
   * in recent use the cache stays over the bound until a later batch.
   */
  private evict(generation: number): CacheEntry[] {
    let excess = this.evictable.size - this.config.cacheSize;
    if (excess <= 0) return [];
    const written: CacheEntry[] = [];
    const usedLately: CacheEntry[] = [];
    let unseen = this.evictable.size;
    for (const entry of this.evictable) {
      if (excess <= 0 || unseen-- === 0) break;
      if (entry.generation > this.lastSweep) {
        usedLately.push(entry);
        continue;
      }
      this.evictable.delete(entry);
      entry.slot.entries.delete(entry.keyString);
      excess--;
      if (entry.dirty) {
        this.dirty.delete(entry);
        written.push(entry);
      }
      if (entry.value !== undefined || entry.raw !== undefined || entry.error !== undefined) entry.slot.remote = true;
    }
    for (const entry of usedLately) {
      this.evictable.delete(entry);
      this.evictable.add(entry);
    }
    // The current batch's entries still count as used at the next sweep.
    this.lastSweep = generation - 1;
    return written;
  }

  private async loadAndWriteBack(missing: readonly CacheEntry[], evicted: readonly CacheEntry[]): Promise<void> {
    const pipeline = this.client.pipeline();
    this.queueWrites(pipeline, evicted);
    // One HMGET per key group: entries and their fields grouped by the group's index in the range.
    const start = this.keyGroupRange.start;
    const byGroup: Array<CacheEntry[] | undefined> = [];
    for (let i = 0; i < missing.length; i++) {
      const entry = missing[i];
      const at = entry.keyGroup - start;
      const list = byGroup[at];
      if (list === undefined) byGroup[at] = [entry];
      else list.push(entry);
    }
    const reads: CacheEntry[][] = [];
    for (let at = 0; at < byGroup.length; at++) {
      const entries = byGroup[at];
      if (entries === undefined) continue;
      const args: string[] = [this.hashKeys[at]];
      for (let i = 0; i < entries.length; i++) args.push(entries[i].field);
      pipeline.call('hmget', args);
      reads.push(entries);
    }
    const results = await this.exec(pipeline);
    const offset = results.length - reads.length;
    for (let r = 0; r < reads.length; r++) {
      const texts = results[offset + r] as Array<string | null>;
      const entries = reads[r];
      for (let i = 0; i < entries.length; i++) {
        const text = texts[i];
        if (text === null) continue;
        entries[i].raw = text;
        const state = entries[i].slot.registered;
        if (state !== undefined) this.decode(entries[i], state);
      }
    }
  }

  /** HSET / HDEL commands for the entries, grouped by key-group hash; marks them clean. */
  private queueWrites(pipeline: ReturnType<Redis['pipeline']>, entries: Iterable<CacheEntry>): void {
    // Argument lists by key group index, each starting with the group's hash key.
    const start = this.keyGroupRange.start;
    const sets: Array<string[] | undefined> = [];
    const dels: Array<string[] | undefined> = [];
    for (const entry of entries) {
      const at = entry.keyGroup - start;
      if (entry.value === undefined) (dels[at] ??= [this.hashKeys[at]]).push(entry.field);
      else {
        entry.text ??= entry.slot.registered!.codec.encode(entry.value);
        (sets[at] ??= [this.hashKeys[at]]).push(entry.field, entry.text);
      }
      entry.dirty = false;
    }
    for (const args of sets) if (args !== undefined) pipeline.call('hset', args);
    for (const args of dels) if (args !== undefined) pipeline.call('hdel', args);
  }

  /** Runs a pipeline; any failed command fails the backend for good. */
  private async exec(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
    if (this.disposed) throw new Error('the Redis state backend was disposed');
    try {
      await this.connected;
      const results = (await pipeline.exec()) ?? [];
      const out: unknown[] = [];
      for (const [error, value] of results) {
        if (error !== null) throw error;
        out.push(value);
      }
      return out;
    } catch (e) {
      this.failure ??= e instanceof ServiceError ? e : new ServiceError('redis', redactUrl(this.config.url), `Redis at ${redactUrl(this.config.url)} failed: ${describeRedisError(e, this.config.operationTimeoutMs)}`, true, e);
      throw this.failure;
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight = promise;
    return promise;
  }

  // --- checkpoints ----------------------------------------------------------------------------------

  keyCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, state] of this.states) counts[name] = state.slot.present;
    return counts;
  }

  /** Entries resident in the cache (for tests of the bound and for metrics). */
  cacheStatistics(): { entries: number; hits: number; misses: number } {
    return { entries: this.cachedEntries(), hits: this.cacheHits, misses: this.cacheMisses };
  }

  cachedEntries(): number {
    return this.evictable.size;
  }

  /**
   * The keys with a value in a state that stays in memory: only the timer service's state
   * (its owners are pinned); other states may live in Redis only, so they cannot be listed here.
   */
  keysOf(stateName: string): Key[] {
    if (stateName !== TIMERS_STATE) throw new Error(`the Redis backend lists the keys of the timer state only, not of '${stateName}'`);
    return [...this.timerOwners].map(keyFromString);
  }

  /**
   * Flushes the dirty entries in one pipeline, then returns the state: from the cache when it
   * holds all of it, otherwise read back from the owned key groups' hashes in one pipeline.
   */
  async snapshot(checkpointId: number): Promise<KeyedStateSnapshot> {
    if (this.failure !== undefined) throw this.failure;
    return this.track(this.changes === undefined ? this.flushAndRead() : this.takePieces(checkpointId, this.changes));
  }

  /** `<keyPrefix>:<jobId>:<operatorUid>`: the key space of this operator's state. */
  get space(): string {
    return `${this.config.keyPrefix}:${this.config.jobId}:${this.config.operatorUid}`;
  }

  /**
   * Incremental: flushes the dirty entries and, in the same pipeline, takes a piece of each key
   * group changed since the base (a delta, or a full copy past the thresholds of TAKE_PIECE),
   * server-side; unchanged key groups keep their base chain. The snapshot is the chains.
   */
  private async takePieces(checkpointId: number, changes: ChangedFields): Promise<KeyedStateSnapshot> {
    const name = checkpointId === FINAL_SNAPSHOT_ID ? `f${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` : String(checkpointId);
    const pipeline = this.client.pipeline();
    this.queueWrites(pipeline, this.dirty);
    this.dirty.clear();
    const changed = changes.cut(checkpointId);
    const scripts = pipeline as unknown as SnapshotScripts;
    const taken = new Map<number, number>();
    const { start, end } = this.keyGroupRange;
    for (let kg = start; kg <= end; kg++) {
      const base = this.baseChains.get(kg);
      const fields = changed.get(kg);
      const hash = this.hashOf(kg);
      if (base !== undefined && (fields === undefined || fields.size === 0)) {
        // A piece of this name left by an earlier incarnation (a snapshot that never completed)
        // goes first: the chain recorded next no longer names it, so retention would not.
        pipeline.del(pieceKey(hash, name), pieceDeletesKey(hash, name));
        if (base.length > 0) pipeline.hset(chainsKey(hash), name, base.join(','));
        else pipeline.hdel(chainsKey(hash), name);
        continue;
      }
      taken.set(kg, pipeline.length);
      const changedCount = fields?.size ?? 0;
      // The script's rule, told here from the counts kept: a full copy needs no field names.
      const full = base === undefined || base.length === 0 || base.length + 1 > MAX_CHAIN_LENGTH || (this.baseWeights.get(kg) ?? 0) + changedCount >= this.groupSizes[kg - start];
      scripts.sluiceTakePiece(hash, chainsKey(hash), pieceKey(hash, name), pieceDeletesKey(hash, name), name, (base ?? []).join(','), full ? -1 : (this.baseWeights.get(kg) ?? 0), MAX_CHAIN_LENGTH, ...(full ? [] : fields!));
    }
    const results = await this.exec(pipeline);
    const chains = new Map<number, readonly string[]>();
    const weights = new Map<number, number>();
    const handle: Record<string, readonly string[]> = {};
    for (let kg = start; kg <= end; kg++) {
      const at = taken.get(kg);
      const base = this.baseChains.get(kg);
      const kind = at === undefined ? undefined : (results[at] as PieceKind);
      const chain = kind === undefined ? base! : chainAfter(base, name, kind);
      chains.set(kg, chain);
      weights.set(kg, kind === 'delta' ? (this.baseWeights.get(kg) ?? 0) + (changed.get(kg)?.size ?? 0) : kind === undefined ? (this.baseWeights.get(kg) ?? 0) : 0);
      if (chain.length > 0) handle[kg] = chain;
    }
    this.pendingSnapshots.set(checkpointId, { name, chains, weights });
    return { keyGroups: {}, redis: { space: this.space, chains: handle } };
  }

  /**
   * Checkpoint `checkpointId` is complete: its chains are the base of the next snapshots, and
   * retention deletes the pieces that neither the store's retained checkpoints nor a pending
   * snapshot reference. A completion this backend took no snapshot for (the final checkpoint,
   * a snapshot of an earlier incarnation) only prunes.
   */
  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const changes = this.changes;
    if (changes === undefined || this.disposed) return;
    const done = this.pendingSnapshots.get(checkpointId);
    if (done !== undefined) {
      this.baseChains = done.chains;
      this.baseWeights = done.weights;
      changes.completed(checkpointId);
      for (const id of [...this.pendingSnapshots.keys()]) if (id <= checkpointId) this.pendingSnapshots.delete(id);
    }
    if (this.failure !== undefined) throw this.failure;
    const keys = [this.config.incremental!.checkpointIds];
    for (let kg = this.keyGroupRange.start; kg <= this.keyGroupRange.end; kg++) keys.push(chainsKey(this.hashOf(kg)));
    const pipeline = this.client.pipeline();
    (pipeline as unknown as SnapshotScripts).sluicePruneSnapshots(keys.length, ...keys, ...[...this.pendingSnapshots.values()].map((p) => p.name));
    await this.track(this.exec(pipeline));
  }

  /** Checkpoint `checkpointId` will not complete: its changes fold into the next snapshot. */
  notifyCheckpointAborted(checkpointId: number): void {
    if (this.changes === undefined || !this.pendingSnapshots.delete(checkpointId)) return;
    this.changes.aborted(checkpointId);
  }

  private async flushAndRead(): Promise<KeyedStateSnapshot> {
    const fromCache = !this.slotList.some((slot) => slot.remote);
    if (this.dirty.size === 0 && fromCache) return this.snapshotFromCache();
    const pipeline = this.client.pipeline();
    this.queueWrites(pipeline, this.dirty);
    this.dirty.clear();
    const { start, end } = this.keyGroupRange;
    if (!fromCache) for (let kg = start; kg <= end; kg++) pipeline.hgetall(this.hashOf(kg));
    const results = await this.exec(pipeline);
    if (fromCache) return this.snapshotFromCache();
    const keyGroups: Record<string, Record<string, Array<readonly [string, string]>>> = {};
    const hashes = results.slice(results.length - (end - start + 1)) as Array<Record<string, string>>;
    hashes.forEach((hash, i) => {
      for (const [field, text] of Object.entries(hash)) {
        const parsed = parseStateField(field);
        if (parsed === undefined) continue;
        ((keyGroups[start + i] ??= {})[parsed.state] ??= []).push([parsed.keyString, text]);
      }
    });
    return { keyGroups };
  }

  private snapshotFromCache(): KeyedStateSnapshot {
    const keyGroups: Record<string, Record<string, Array<readonly [string, string]>>> = {};
    for (const slot of this.slots.values()) for (const entry of slot.entries.values()) {
      const text = entry.raw ?? (entry.value === undefined ? undefined : (entry.text ??= entry.slot.registered!.codec.encode(entry.value)));
      if (text === undefined) continue;
      ((keyGroups[entry.keyGroup] ??= {})[entry.slot.name] ??= []).push([entry.keyString, text]);
    }
    return { keyGroups };
  }

  /**
   * Replaces the owned key groups' hashes by the snapshots' content (deleting them when the
   * snapshots hold nothing for them), so that nothing written after the checkpoint survives.
   */
  async restore(snapshots: readonly KeyedStateSnapshot[], checkpointId?: number): Promise<Either<string, void>> {
    if (this.states.size > 0 || this.evictable.size > 0 || this.timerOwners.size > 0) return left('restore must happen before any state is used');
    const { start, end } = this.keyGroupRange;
    const chains = new Map<number, readonly string[]>();
    for (const snapshot of snapshots) {
      if (snapshot.redis === undefined) continue;
      if (snapshot.redis.space !== this.space) {
        return left(`the snapshot's state is in Redis under '${snapshot.redis.space}', not '${this.space}': restore it with the same keyPrefix, jobId and operator uid`);
      }
      for (const [kgText, chain] of Object.entries(snapshot.redis.chains)) {
        const kg = Number(kgText);
        if (!Number.isInteger(kg) || kgText.trim() === '') return left(`invalid key group '${kgText}' in snapshot`);
        const bad = chain.find((n) => !PIECE_NAME.test(n));
        if (bad !== undefined || chain.length === 0) return left(`invalid chain of key group ${kg} in snapshot: ${JSON.stringify(chain).slice(0, 80)}`);
        if (kg >= start && kg <= end) chains.set(kg, chain);
      }
    }
    const fields = new Map<number, string[]>();
    for (const snapshot of snapshots) {
      for (const [kgText, states] of Object.entries(snapshot.keyGroups)) {
        const kg = Number(kgText);
        if (!Number.isInteger(kg) || kgText.trim() === '') return left(`invalid key group '${kgText}' in snapshot`);
        if (kg < start || kg > end) continue;
        let args = fields.get(kg);
        if (args === undefined) fields.set(kg, (args = []));
        for (const [name, entries] of Object.entries(states)) {
          if (entries.length > 0) {
            const slot = this.slotOf(name);
            slot.remote = true;
            slot.present += entries.length;
            this.groupSizes[kg - start] += entries.length;
          }
          for (const [keyString, text] of entries) args.push(stateField(name, keyString), text);
        }
      }
    }
    this.pinRestoredTimerOwners(snapshots);
    this.changes?.clear();
    this.pendingSnapshots.clear();
    this.baseChains = new Map();
    this.baseWeights = new Map();
    const pipeline = this.client.multi();
    const merged = new Map<number, number>();
    for (let kg = start; kg <= end; kg++) {
      const hash = this.hashOf(kg);
      const chain = chains.get(kg);
      if (chain !== undefined) {
        // Rebuilt server-side from its pieces; the restored checkpoint is recorded as their owner.
        const keys = [hash, chainsKey(hash), ...chain.flatMap((n) => [pieceKey(hash, n), pieceDeletesKey(hash, n)])];
        merged.set(kg, pipeline.length);
        (pipeline as unknown as SnapshotScripts).sluiceRestoreChain(keys.length, ...keys, checkpointId === undefined ? '' : String(checkpointId), chain.join(','), stateField(TIMERS_STATE, ''));
        this.baseChains.set(kg, chain);
        continue;
      }
      pipeline.del(hash);
      const args = fields.get(kg) ?? [];
      for (let i = 0; i < args.length; i += 2 * RESTORE_CHUNK) pipeline.hset(hash, ...args.slice(i, i + 2 * RESTORE_CHUNK));
      // Restored from entries, the group has no pieces: its next snapshot is a full copy.
      if (args.length === 0) this.baseChains.set(kg, []);
    }
    // A transaction's queue starts with MULTI, which has no result of its own.
    const queued = pipeline.length;
    const results = await this.track(this.exec(pipeline));
    const skipped = queued - results.length;
    for (const [kg, at] of merged) {
      const [weight, counts, pinned] = results[at - skipped] as [number, Array<string | number>, string[]];
      this.baseWeights.set(kg, weight);
      for (let i = 0; i < counts.length; i += 2) {
        const name = decodeURIComponent(String(counts[i]));
        const n = Number(counts[i + 1]);
        if (n === 0) continue;
        const slot = this.slotOf(name);
        slot.remote = true;
        slot.present += n;
        this.groupSizes[kg - start] += n;
      }
      for (let i = 0; i < pinned.length; i += 2) {
        const parsed = parseStateField(pinned[i]);
        if (parsed === undefined) continue;
        this.timerOwners.add(parsed.keyString);
        this.newEntry(parsed.keyString, kg, this.slotOf(parsed.state), 0).raw = pinned[i + 1];
      }
    }
    return right(undefined);
  }

  /** Loads every entry of the keys that own timers, from the snapshots, into the pinned map. */
  private pinRestoredTimerOwners(snapshots: readonly KeyedStateSnapshot[]): void {
    const { start, end } = this.keyGroupRange;
    for (const snapshot of snapshots) {
      for (const [kgText, states] of Object.entries(snapshot.keyGroups)) {
        const kg = Number(kgText);
        if (kg < start || kg > end) continue;
        const owners = new Set((states[TIMERS_STATE] ?? []).map(([keyString]) => keyString));
        if (owners.size === 0) continue;
        for (const keyString of owners) this.timerOwners.add(keyString);
        for (const [name, entries] of Object.entries(states)) {
          const slot = this.slotOf(name);
          for (const [keyString, text] of entries) {
            if (!owners.has(keyString)) continue;
            this.newEntry(keyString, kg, slot, 0).raw = text;
          }
        }
      }
    }
  }

  /** Waits for the pipeline under way, then closes the connection: nothing is written after. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    try {
      await this.inflight;
    } catch {
      // Already reported to the task that awaited it.
    }
    this.disposed = true;
    // A space of its own is never restored into again: leave nothing behind (best effort).
    if (this.config.operatorUid.startsWith(ANONYMOUS_OPERATOR_PREFIX) && this.failure === undefined && this.client.status === 'ready') {
      const pipeline = this.client.pipeline();
      for (let kg = this.keyGroupRange.start; kg <= this.keyGroupRange.end; kg++) pipeline.unlink(this.hashOf(kg));
      await pipeline.exec().catch(() => undefined);
    }
    this.evictable.clear();
    for (const slot of this.slots.values()) slot.entries.clear();
    this.timerOwners.clear();
    this.dirty.clear();
    this.states.clear();
    this.slots.clear();
    this.slotList.length = 0;
    this.client.disconnect();
  }
}

/** A keyed operator of the plan: its uid names its key space. */
export interface KeyedOperatorInfo {
  readonly uid: string;
  readonly parallelism: number;
}

/** Prefix of the key spaces of backends whose operator could not be told (see the factory). */
export const ANONYMOUS_OPERATOR_PREFIX = 'keyed-';

/**
 * Creates the backends of a job's keyed tasks. The operator uid names the key space; until
 * the runtime passes it to the factory, it is told from the key-group range the factory gets:
 * the one keyed operator whose parallelism gives that range. When two keyed operators have the
 * same parallelism, each backend gets a space of its own, deleted when it is disposed (see
 * docs/redis.md); exactness does not depend on it, since snapshots carry the state.
 */
export function redisKeyedStateBackendFactory(
  options: RedisStateBackendOptions,
  jobId: string,
  keyedOperators: readonly KeyedOperatorInfo[],
  incremental?: RedisKeyedStateBackendConfig['incremental'],
): (range: KeyGroupRange, maxParallelism: number, owner?: { readonly operatorUid: string; readonly logger?: Logger }) => RedisKeyedStateBackend {
  const distinct = [...new Map(keyedOperators.map((o) => [o.uid, o])).values()];
  let anonymous = 0;
  const uidFor = (range: KeyGroupRange, maxParallelism: number): string => {
    const candidates = distinct.filter((o) => {
      if (o.parallelism < 1 || o.parallelism > maxParallelism) return false;
      for (let index = 0; index < o.parallelism; index++) {
        const r = keyGroupRangeForOperator(index, o.parallelism, maxParallelism);
        if (r.start === range.start && r.end === range.end) return true;
      }
      return false;
    });
    return candidates.length === 1 ? candidates[0].uid : `${ANONYMOUS_OPERATOR_PREFIX}${process.pid}-${Date.now().toString(36)}-${++anonymous}`;
  };
  return (range, maxParallelism, owner) =>
    new RedisKeyedStateBackend(range, maxParallelism, {
      ...(options.operationTimeoutMs !== undefined ? { operationTimeoutMs: options.operationTimeoutMs } : {}),
      ...(owner?.logger !== undefined ? { logger: owner.logger } : {}),
      url: options.url,
      keyPrefix: options.keyPrefix,
      jobId,
      // The runtime names the operator; the range is the fallback for callers that do not.
      operatorUid: owner?.operatorUid ?? uidFor(range, maxParallelism),
      cacheSize: options.cacheSize ?? DEFAULT_REDIS_CACHE_SIZE,
      ...(incremental !== undefined ? { incremental } : {}),
    });
}

/** A failed command's message, saying which bound a timeout is (ioredis says only "Command timed out"). */
function describeRedisError(e: unknown, operationTimeoutMs = DEFAULT_REDIS_OPERATION_TIMEOUT_MS): string {
  const message = e instanceof Error ? e.message : String(e);
  return /timed out/i.test(message) ? `no answer within ${operationTimeoutMs} ms (operationTimeoutMs)` : message;
}
