/**
 * Incremental snapshots of the Redis backend (as Flink's RocksIncrementalSnapshotStrategy), used
 * when the checkpoints are stored in the state's own Redis (incrementalSnapshots.ts): a
 * snapshot flushes the dirty entries and, in the same pipeline, takes a piece of each key group
 * changed since the base (a delta, or a full copy past the thresholds of TAKE_PIECE_SCRIPT),
 * server-side; unchanged key groups keep their base chain. The snapshot is the chains, and the
 * names of the states that hold entries (from the cache's counts). A
 * completed checkpoint's chains become the base, and retention prunes what nothing references.
 */
import { isLeft } from 'fp-ts/Either';
import { ChangedFields } from './ChangedFields';
import { CheckpointId, FINAL_CHECKPOINT } from './CheckpointId';
import { KeyedStateSnapshot } from './KeyedStateBackend';
import { MAX_CHAIN_LENGTH } from './incrementalSnapshots';
import { RedisSnapshotStrategy } from './RedisFullSnapshotStrategy';
import { RedisStateIO } from './RedisStateIO';
import { chainAfter, decodePruneReply, decodeTakePieceReply } from './redisSnapshotScripts';
import { chainsKey, pieceDeletesKey, pieceKey } from './redisKeyLayout';
import { WriteBackCache } from './WriteBackCache';

/** A snapshot taken and not yet completed or aborted: the chains it references, by key group. */
interface PendingSnapshot {
  readonly name: string;
  readonly chains: Map<number, readonly string[]>;
  readonly weights: Map<number, number>;
}

export class RedisIncrementalSnapshotStrategy implements RedisSnapshotStrategy {
  /** What changed since the base, in epochs cut at each snapshot pending. */
  readonly changes = new ChangedFields();
  /** Key group -> the chain of the last completed (or restored) snapshot; absent: none (the next is full). */
  private baseChains = new Map<number, readonly string[]>();
  /** Key group -> entries held by the deltas of its base chain (a full copy replaces them past the group's size). */
  private baseWeights = new Map<number, number>();
  private readonly pending = new Map<CheckpointId, PendingSnapshot>();

  constructor(
    private readonly cache: WriteBackCache,
    private readonly io: RedisStateIO,
    /** The checkpoint store's sorted set of retained checkpoint ids: retention keeps the pieces their chains name. */
    private readonly checkpointIds: string,
  ) {}

  /** A restore set a new base: these chains (and their deltas' weights), nothing pending. */
  rebase(chains: Map<number, readonly string[]>, weights: Map<number, number>): void {
    this.changes.clear();
    this.pending.clear();
    this.baseChains = chains;
    this.baseWeights = weights;
  }

  async snapshot(checkpointId: CheckpointId): Promise<KeyedStateSnapshot> {
    const { cache, io } = this;
    const name = checkpointId === FINAL_CHECKPOINT ? `f${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` : String(checkpointId);
    // Counted, not read: which states hold entries is in the checkpoint for the restore's checks.
    const states = cache.statesWithEntries();
    const pipeline = io.client.pipeline();
    io.queueWrites(pipeline, cache, cache.takeDirty());
    const changed = this.changes.cut(checkpointId);
    const writes = io.writes;
    const taken = new Map<number, number>();
    const { start, end } = io.range;
    for (let kg = start; kg <= end; kg++) {
      const base = this.baseChains.get(kg);
      const fields = changed.get(kg);
      const hash = io.hashOf(kg);
      if (base !== undefined && (fields === undefined || fields.size === 0)) {
        // A piece of this name left by an earlier incarnation (a snapshot that never completed)
        // goes first: the chain recorded next no longer names it, so retention would not.
        writes.del(pipeline, [pieceKey(hash, name), pieceDeletesKey(hash, name)]);
        if (base.length > 0) writes.hset(pipeline, chainsKey(hash), [name, base.join(',')]);
        else writes.hdel(pipeline, chainsKey(hash), [name]);
        continue;
      }
      taken.set(kg, pipeline.length);
      const changedCount = fields?.size ?? 0;
      const weight = this.baseWeights.get(kg) ?? 0;
      // The script's rule, told here from the counts kept: a full copy needs no field names.
      const full = base === undefined || base.length === 0 || base.length + 1 > MAX_CHAIN_LENGTH || weight + changedCount >= cache.groupSizes[kg - start];
      writes.takePiece(pipeline, [hash, chainsKey(hash), pieceKey(hash, name), pieceDeletesKey(hash, name)], [name, (base ?? []).join(','), full ? -1 : weight, MAX_CHAIN_LENGTH, ...(full ? [] : fields!)]);
    }
    const results = await io.exec(pipeline);
    const chains = new Map<number, readonly string[]>();
    const weights = new Map<number, number>();
    const handle: Record<string, readonly string[]> = {};
    for (let kg = start; kg <= end; kg++) {
      const at = taken.get(kg);
      const base = this.baseChains.get(kg);
      const weight = this.baseWeights.get(kg) ?? 0;
      let chain = base!;
      let newWeight = weight;
      if (at !== undefined) {
        const kind = decodeTakePieceReply(results[at]);
        if (isLeft(kind)) throw io.fail(new Error(kind.left));
        chain = chainAfter(base, name, kind.right);
        newWeight = kind.right === 'delta' ? weight + (changed.get(kg)?.size ?? 0) : 0;
      }
      chains.set(kg, chain);
      weights.set(kg, newWeight);
      if (chain.length > 0) handle[kg] = chain;
    }
    this.pending.set(checkpointId, { name, chains, weights });
    return { keyGroups: {}, redis: { space: io.space, chains: handle, states } };
  }

  /**
   * Checkpoint `checkpointId` is complete: its chains are the base of the next snapshots, and
   * retention deletes the pieces that neither the store's retained checkpoints nor a pending
   * snapshot reference. A completion this backend took no snapshot for (the final checkpoint,
   * a snapshot of an earlier incarnation) only prunes.
   */
  async notifyCheckpointComplete(checkpointId: CheckpointId): Promise<void> {
    const { io } = this;
    if (io.isDisposed) return;
    const done = this.pending.get(checkpointId);
    if (done !== undefined) {
      this.baseChains = done.chains;
      this.baseWeights = done.weights;
      this.changes.completed(checkpointId);
      for (const id of [...this.pending.keys()]) if (id <= checkpointId) this.pending.delete(id);
    }
    if (io.failure !== undefined) throw io.failure;
    const keys = [this.checkpointIds];
    for (let kg = io.range.start; kg <= io.range.end; kg++) keys.push(chainsKey(io.hashOf(kg)));
    const pipeline = io.client.pipeline();
    io.writes.prune(pipeline, keys, [...this.pending.values()].map((p) => p.name));
    const [deleted] = await io.track(io.exec(pipeline));
    const decoded = decodePruneReply(deleted);
    if (isLeft(decoded)) throw io.fail(new Error(decoded.left));
  }

  /** The state stays in Redis: its size is not in hand (Redis's MEMORY USAGE tells). */
  stateSizeBytes(): undefined {
    return undefined;
  }

  /** Checkpoint `checkpointId` will not complete: its changes fold into the next snapshot. */
  notifyCheckpointAborted(checkpointId: CheckpointId): void {
    if (this.pending.delete(checkpointId)) this.changes.aborted(checkpointId);
  }
}
