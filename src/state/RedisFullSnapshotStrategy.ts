/**
 * Full snapshots of the Redis backend (as Flink's RocksFullSnapshotStrategy), used when the
 * checkpoints are stored elsewhere than the state's Redis: a snapshot carries the state itself,
 * the same KeyedStateSnapshot as the memory backend's. It flushes the dirty entries in one
 * pipeline and, when the cache holds all of the state, builds the snapshot from the cache;
 * otherwise it reads the owned key groups' hashes back in that same pipeline.
 */
import type { CheckpointId } from './CheckpointId';
import { KeyedStateSnapshot } from './KeyedStateBackend';
import { RedisStateIO } from './RedisStateIO';
import { WriteBackCache } from './WriteBackCache';
import { addEntries } from './redisKeyLayout';

/** How the Redis backend snapshots: full here, incremental in RedisIncrementalSnapshotStrategy.ts. */
export interface RedisSnapshotStrategy {
  snapshot(checkpointId: CheckpointId): Promise<KeyedStateSnapshot>;
  /** Checkpoint `checkpointId` is complete. */
  notifyCheckpointComplete(checkpointId: CheckpointId): Promise<void>;
  /** Checkpoint `checkpointId` will not complete. */
  notifyCheckpointAborted(checkpointId: CheckpointId): void;
  /** Bytes of the state at the last snapshot, where the strategy has it in hand (metrics). */
  stateSizeBytes(): number | undefined;
}

/** Key group -> state name -> [key text, entry text], as a snapshot is being built. */
type Entries = Record<string, Record<string, Array<readonly [string, string]>>>;

export class RedisFullSnapshotStrategy implements RedisSnapshotStrategy {
  /** The UTF-8 bytes of the keys and entries of the last snapshot, as the memory backend counts them. */
  private bytes: number | undefined;

  constructor(private readonly cache: WriteBackCache, private readonly io: RedisStateIO) {}

  async snapshot(): Promise<KeyedStateSnapshot> {
    const snapshot = await this.take();
    let bytes = 0;
    for (const states of Object.values(snapshot.keyGroups)) {
      for (const entries of Object.values(states)) for (const [keyString, text] of entries) bytes += Buffer.byteLength(keyString) + Buffer.byteLength(text);
    }
    this.bytes = bytes;
    return snapshot;
  }

  stateSizeBytes(): number | undefined {
    return this.bytes;
  }

  private async take(): Promise<KeyedStateSnapshot> {
    const { cache, io } = this;
    const fromCache = !cache.anyRemote();
    if (cache.dirtyCount === 0 && fromCache) return this.snapshotFromCache();
    const pipeline = io.client.pipeline();
    io.queueWrites(pipeline, cache, cache.takeDirty());
    const hashes = fromCache ? [] : io.hashKeys;
    // Upper case: ioredis turns an `hgetall` reply into an object (its reply transformer is keyed
    // by the lower-case name), a copy this loop does not need; the flat list is read as is.
    for (const hash of hashes) pipeline.call('HGETALL', hash);
    const results = await io.exec(pipeline);
    if (fromCache) return this.snapshotFromCache();
    const keyGroups: Entries = {};
    // The hashes' replies come last, one per owned key group in order.
    const at = results.length - hashes.length;
    const names = new Map<string, string | undefined>();
    for (let i = 0; i < hashes.length; i++) addEntries(keyGroups, io.range.start + i, results[at + i] as string[], names);
    return { keyGroups };
  }

  private snapshotFromCache(): KeyedStateSnapshot {
    const keyGroups: Entries = {};
    for (const entry of this.cache.entries()) {
      const text = this.cache.textOf(entry);
      if (text === undefined) continue;
      ((keyGroups[entry.keyGroup] ??= {})[entry.slot.name] ??= []).push([entry.keyString, text]);
    }
    return { keyGroups };
  }

  async notifyCheckpointComplete(): Promise<void> {
    // A full snapshot references nothing in Redis: nothing to keep or to prune.
  }

  notifyCheckpointAborted(): void {}
}
