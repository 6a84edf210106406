/**
 * The Redis backend's I/O for one task: its connection, pipelines that load what a batch lacks
 * and write back what the cache hands over (evicted or flushed dirty entries), each in one
 * round trip, and the rule that a failed command fails the backend for good (state evicted to
 * Redis may be gone, or a write lost: only a restore from the last checkpoint is safe).
 */
import type Redis from 'ioredis';
import { KeyGroupRange } from './keyGroups';
import { DEFAULT_REDIS_OPERATION_TIMEOUT_MS, connectRedis, redactUrl, whenReady } from './redisConnection';
import { StateFencing, fencedRefusal } from './redisFencing';
import { keyGroupHashOf } from './redisKeyLayout';
import { Pipeline, StateWrites, stateWrites } from './redisStateWrites';
import { CacheEntry, WriteBackCache } from './WriteBackCache';
import { ServiceError } from '../services/ServiceError';
import type { Logger } from '../logging/logger';

export interface RedisStateIOConfig {
  readonly url: string;
  /** `<keyPrefix>:<jobId>:<operatorUid>` (redisKeyLayout.ts). */
  readonly space: string;
  /** Named in CLIENT LIST, so that operators can find a task's connection. */
  readonly connectionName: string;
  readonly operationTimeoutMs?: number;
  readonly logger?: Logger;
  /** Set for an instance of a job over many processes: every write is refused once the job's epoch moved on (redisFencing.ts). */
  readonly fencing?: StateFencing;
}

export class RedisStateIO {
  readonly client: Redis;
  /** Every command that changes Redis goes through these: fenced by epoch when the config says so. */
  readonly writes: StateWrites;
  /** The owned key groups' hash keys, by key group − range start: built once, not per entry written or read. */
  readonly hashKeys: readonly string[];
  /** Set once the connection was lost or a command failed: every later operation fails with it. */
  private failed: Error | undefined;
  private wasReady = false;
  private disposed = false;
  /** The pipeline under way, awaited by dispose so that nothing is written after it. */
  private inflight: Promise<unknown> | undefined;
  /** See lastLoad. */
  private lastLoadAsked: Promise<void> | undefined;
  /** Settles once the client can take commands (they are refused before, not queued). */
  private readonly connected: Promise<void>;

  constructor(readonly range: KeyGroupRange, private readonly config: RedisStateIOConfig) {
    const hashKeys: string[] = [];
    for (let kg = range.start; kg <= range.end; kg++) hashKeys.push(keyGroupHashOf(config.space, kg));
    this.hashKeys = hashKeys;
    this.client = connectRedis(config.url, config.connectionName, { operationTimeoutMs: config.operationTimeoutMs, logger: config.logger });
    this.writes = stateWrites(this.client, config.fencing);
    this.connected = whenReady(this.client, config.url, config.operationTimeoutMs);
    this.connected.catch(() => undefined);
    this.client.on('ready', () => (this.wasReady = true));
    this.client.on('close', () => {
      if (this.wasReady && !this.disposed) this.failed ??= new Error(`the connection to Redis at ${redactUrl(config.url)} was lost; the task fails over to the last checkpoint`);
    });
  }

  /** `<keyPrefix>:<jobId>:<operatorUid>`: the key space of this operator's state. */
  get space(): string {
    return this.config.space;
  }

  hashOf(keyGroup: number): string {
    return this.hashKeys[keyGroup - this.range.start];
  }

  get failure(): Error | undefined {
    return this.failed;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Writes back `evicted` and loads `missing` into the cache, in one pipeline. */
  loadAndWriteBack(cache: WriteBackCache, missing: readonly CacheEntry[], evicted: readonly CacheEntry[]): Promise<void> {
    return (this.lastLoadAsked = this.track(this.load(cache, missing, evicted)));
  }

  /** The load asked last (settled or not): a batch meeting an entry still loading waits for it, and so for every load before it (one connection answers in order). */
  get lastLoad(): Promise<void> | undefined {
    return this.lastLoadAsked;
  }

  private async load(cache: WriteBackCache, missing: readonly CacheEntry[], evicted: readonly CacheEntry[]): Promise<void> {
    const pipeline = this.client.pipeline();
    this.queueWrites(pipeline, cache, evicted);
    // One HMGET per key group: entries and their fields grouped by the group's index in the range.
    const start = this.range.start;
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
      for (let i = 0; i < entries.length; i++) cache.loaded(entries[i], texts[i]);
    }
  }

  /**
   * The key texts of the fields starting with `fieldPrefix` (one state's entries) in every owned
   * key group's hash, by HSCAN: a cursor per hash, so no call blocks Redis for long.
   */
  async scanKeys(fieldPrefix: string): Promise<string[]> {
    const pattern = `${fieldPrefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    const keys: string[] = [];
    for (const hash of this.hashKeys) {
      let cursor = '0';
      do {
        const [next, flat] = (await this.client.hscan(hash, cursor, 'MATCH', pattern, 'COUNT', 1000)) as [string, string[]];
        for (let i = 0; i < flat.length; i += 2) keys.push(flat[i].slice(fieldPrefix.length));
        cursor = next;
      } while (cursor !== '0');
    }
    return keys;
  }

  /** HSET / HDEL commands for the entries, grouped by key-group hash; marks them clean. */
  queueWrites(pipeline: Pipeline, cache: WriteBackCache, entries: Iterable<CacheEntry>): void {
    // Field lists by key group index.
    const start = this.range.start;
    const sets: Array<string[] | undefined> = [];
    const dels: Array<string[] | undefined> = [];
    for (const entry of entries) {
      const at = entry.keyGroup - start;
      const text = entry.value === undefined ? undefined : cache.textOf(entry)!;
      if (text === undefined) (dels[at] ??= []).push(entry.field);
      else (sets[at] ??= []).push(entry.field, text);
      entry.dirty = false;
    }
    // forEach skips the holes: key groups with nothing to set or delete.
    sets.forEach((pairs, at) => this.writes.hset(pipeline, this.hashKeys[at], pairs!));
    dels.forEach((fields, at) => this.writes.hdel(pipeline, this.hashKeys[at], fields!));
  }

  /** Runs a pipeline (or a transaction); any failed command fails the backend for good. */
  async exec(pipeline: Pipeline): Promise<unknown[]> {
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
      throw this.fail(e);
    }
  }

  /** Fails the backend for good (the first failure stays the one reported), and returns the failure; a write refused by epoch fails it with a FencedStateWriteError. */
  fail(e: unknown): Error {
    const url = redactUrl(this.config.url);
    this.failed ??= e instanceof ServiceError ? e : fencedRefusal(e, url) ?? new ServiceError('redis', url, `Redis at ${url} failed: ${describeRedisError(e, this.config.operationTimeoutMs)}`, true, e);
    return this.failed;
  }

  /** Remembers the operation under way, for dispose. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inflight = promise;
    return promise;
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
    this.client.disconnect();
  }
}

/** A failed command's message, saying which bound a timeout is (ioredis says only "Command timed out"). */
function describeRedisError(e: unknown, operationTimeoutMs = DEFAULT_REDIS_OPERATION_TIMEOUT_MS): string {
  const message = e instanceof Error ? e.message : String(e);
  return /timed out/i.test(message) ? `no answer within ${operationTimeoutMs} ms (operationTimeoutMs)` : message;
}
