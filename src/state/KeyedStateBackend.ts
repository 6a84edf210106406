/**
 * The keyed state backend of one task: holds the state of the key groups the task owns,
 * hands out state primitives by descriptor, and snapshots and restores by key group so that
 * a restore with another parallelism re-assigns whole key groups (docs/internals.md, invariant 5).
 */
import { Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { CheckpointId } from './CheckpointId';
import { Key } from './keyHash';
import { KeyGroupRange } from './keyGroups';
import { RedisStateHandleCodec } from './incrementalSnapshots';
import { KeyedStateDeltaCodec } from './keyedStateDeltas';
import { AggregatingState, ListState, MapState, ReducingState, ValueState } from './State';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './StateDescriptor';

/**
 * Serialized keyed state: key group -> state name -> [key text, entry text] pairs, followed
 * from the memory backend by deltas (`increments`, keyedStateDeltas.ts: a chain, which
 * `foldKeyedSnapshot` makes whole); or, from a Redis backend whose checkpoints are in the same
 * Redis, a reference to server-side pieces (`redis`, incrementalSnapshots.ts) and no entries.
 */
/** By key group, by state name: the state's entries, each its key and value encoded. */
const KeyGroupEntriesCodec = t.readonly(t.record(t.string, t.readonly(t.record(t.string, t.readonlyArray(t.readonly(t.tuple([t.string, t.string])))))));

/** True when `u` is what KeyGroupEntriesCodec takes exactly as it is (plain loops: no codec call, no context, per entry). */
function plainKeyGroupEntries(u: unknown): boolean {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false;
  for (const states of Object.values(u)) {
    if (typeof states !== 'object' || states === null || Array.isArray(states)) return false;
    for (const entries of Object.values(states)) {
      if (!Array.isArray(entries)) return false;
      for (let i = 0; i < entries.length; i++) {
        const e: unknown = entries[i];
        if (!(Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string')) return false;
      }
    }
  }
  return true;
}

/**
 * KeyGroupEntriesCodec, with a fast path for what it takes unchanged: a full snapshot of
 * memory state carries every entry, and a task manager's acknowledgement is decoded on
 * arrival in the job master's thread several times a second (q5 on task managers: io-ts's
 * tuple and record checks were most of that thread's work). Anything else — what fails, and
 * what io-ts would change (a tuple with extra components, trimmed) — goes through the codec
 * itself, so results and errors are the codec's.
 */
const KeyGroupEntries = new t.Type<t.TypeOf<typeof KeyGroupEntriesCodec>, t.OutputOf<typeof KeyGroupEntriesCodec>, unknown>(
  KeyGroupEntriesCodec.name,
  KeyGroupEntriesCodec.is,
  (u, c) => (plainKeyGroupEntries(u) ? t.success(u as t.TypeOf<typeof KeyGroupEntriesCodec>) : KeyGroupEntriesCodec.validate(u, c)),
  KeyGroupEntriesCodec.encode,
);

export const KeyedStateSnapshotCodec = t.intersection([
  t.readonly(t.type({ keyGroups: KeyGroupEntries })),
  t.readonly(t.partial({ redis: RedisStateHandleCodec, increments: t.readonlyArray(KeyedStateDeltaCodec) })),
]);
export type KeyedStateSnapshot = t.TypeOf<typeof KeyedStateSnapshotCodec>;

export interface KeyedStateBackend {
  readonly keyGroupRange: KeyGroupRange;
  /** Sets the key that following state accesses refer to. */
  setCurrentKey(key: Key): void;
  getCurrentKey(): Key;
  getValueState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /**
   * Makes the state of these keys readable without waiting, before a batch is processed: a
   * remote backend loads what its cache lacks in one round trip. Returns undefined when
   * nothing needs loading (always, for the memory backend), so the hot path awaits nothing.
   */
  prefetch?(keys: readonly Key[]): Promise<void> | undefined;
  /**
   * Pinned keys: the keys with a value in a pinning state, whose state stays readable outside
   * any batch, with no prefetch (the timer service's state pins its keys: a timer fires on a
   * watermark or the clock, and the service finds its timers again after a restore this way).
   * A backend that keeps state elsewhere keeps every entry of a pinned key in memory, and after a
   * restore pins the keys the snapshot's pinning states hold; which states pin is fixed when it
   * is made (the Redis backend's `pinningStates`), and it refuses to list another state's keys.
   * The memory backend holds every key, so it lists the keys of any state.
   */
  pinnedKeys?(stateName: string): Key[];
  /**
   * The keys with a value in `stateName`, for a backend that cannot list them without a round
   * trip (Redis: what the cache holds and what the store holds beyond it). The state of each
   * must then be prefetched before it is read.
   */
  keysOf?(stateName: string): Promise<Key[]>;
  /**
   * How many prefetches this backend was asked for so far, by anyone: the key prefetcher tells
   * by it whether the keys it loaded ahead may have been evicted since.
   */
  readonly prefetchesAsked?: number;
  /** Number of keys with a value in each state (for metrics and tests). */
  keyCounts(): Record<string, number>;
  /**
   * Bytes of the state where the backend knows them (metrics): the UTF-8 bytes of the keys and
   * entries of its last snapshot (the memory backend, and Redis with full snapshots); undefined
   * before the first snapshot, and where the snapshot does not carry the state (incremental Redis).
   */
  stateSizeBytes?(): number | undefined;
  /** A cached remote backend: entries resident, and batch key look-ups served by the cache or not (metrics). */
  cacheStatistics?(): { readonly entries: number; readonly hits: number; readonly misses: number };
  /** The state as of now, for checkpoint `checkpointId` (a remote backend may flush first). */
  snapshot(checkpointId: CheckpointId): KeyedStateSnapshot | Promise<KeyedStateSnapshot>;
  /**
   * Loads the key groups of `snapshots` that this backend owns; others are ignored.
   * `checkpointId`: the checkpoint they come from, when there is one.
   */
  restore(snapshots: readonly KeyedStateSnapshot[], checkpointId?: CheckpointId): Either<string, void> | Promise<Either<string, void>>;
  /** Checkpoint `checkpointId` is complete (after the store made it the latest), as sources hear it. */
  notifyCheckpointComplete?(checkpointId: CheckpointId): void | Promise<void>;
  /** Checkpoint `checkpointId` was aborted: a snapshot taken for it will never be referenced. */
  notifyCheckpointAborted?(checkpointId: CheckpointId): void;
  /** Releases connections and memory; called once, when the task closes. */
  dispose(): void | Promise<void>;
}
