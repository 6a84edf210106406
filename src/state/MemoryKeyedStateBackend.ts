/**
 * The embedded default: keyed state as JavaScript values in maps, per key group. Snapshots
 * serialize with each state's serializer, incrementally (keyedStateDeltas.ts): after a full
 * copy, each snapshot encodes only the entries written or removed since the one before, as a
 * delta chained to it. The next snapshot is a full copy again when more keys changed than
 * MAX_DELTA_SHARE of the copy, when the deltas would hold as many entries as the copy, or when
 * the chain has MAX_DELTA_CHAIN links. A full copy encodes only the keys changed since the last
 * snapshot and reuses the others' entries of that snapshot (`lastEntries`), unless more keys
 * changed than MAX_RECORDED_SHARE of all. Restored entries are decoded when the state is first
 * asked for, because only then is its descriptor known.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { Key } from './keyHash';
import { LookupKey, keyOfLookupKey, keyStringOf, lookupKeyOfKeyString } from './lookupKey';
import { KeyGroupRange } from './keyGroups';
import { KeyedStateBackend, KeyedStateSnapshot } from './KeyedStateBackend';
import { AnyStateDescriptor } from './StateDescriptor';
import { ChangeBudget, MemoryStateTable } from './MemoryStateTable';
import { KeyCursor } from './KeyCursor';
import { EntryCodec, entryCodecFor } from './entryCodec';
import { TableStateAccess, primitiveOf } from './keyedStates';
import { KeyedStateDelta, MAX_DELTA_CHAIN, MAX_DELTA_SHARE, SnapshotEntries, foldKeyedSnapshot } from './keyedStateDeltas';

/** The chain the next delta extends: the last full copy and the deltas taken after it. */
interface Chain {
  readonly base: SnapshotEntries;
  readonly baseEntries: number;
  readonly increments: KeyedStateDelta[];
  deltaEntries: number;
}

/** A snapshot's entry: [key text, entry text]. */
type SnapshotEntry = readonly [string, string];

interface RegisteredState {
  readonly descriptor: AnyStateDescriptor;
  readonly table: MemoryStateTable<unknown>;
  readonly codec: EntryCodec;
  readonly primitive: unknown;
  /**
   * While the backend is `mirrored`: every key's entry in the last snapshot (the same objects
   * as that snapshot's), by key group, so a full copy encodes only the keys changed since.
   */
  lastEntries: Map<number, Map<LookupKey, SnapshotEntry>>;
}

/**
 * Changed keys are recorded until they are this share of all keys (or RECORDED_KEYS_FLOOR):
 * past it, recording each write costs more than reusing the rest's entries saves.
 */
export const MAX_RECORDED_SHARE = 0.5;
/** Changed keys recorded at least, whatever the state's size: recording a few costs nothing. */
export const RECORDED_KEYS_FLOOR = 1024;

export class MemoryKeyedStateBackend extends TableStateAccess implements KeyedStateBackend {
  private readonly cursor: KeyCursor;
  private readonly states = new Map<string, RegisteredState>();
  /** The last snapshot (for its size in bytes, when metrics ask). */
  private lastSnapshot: KeyedStateSnapshot | undefined;
  /** Undefined until the first snapshot, and after a restore: the next snapshot is a full copy. */
  private chain: Chain | undefined;
  /** Whether the tables record changed keys, and how many more they may. */
  private readonly budget = new ChangeBudget();
  /** Whether every state's `lastEntries` hold the last snapshot's entries. */
  private mirrored = false;
  /** Restored entries of states not yet asked for: state -> keyGroup -> [key text, entry text]. */
  private readonly pending = new Map<string, Map<number, ReadonlyArray<readonly [string, string]>>>();

  constructor(readonly keyGroupRange: KeyGroupRange, maxParallelism: number) {
    super();
    this.cursor = new KeyCursor(keyGroupRange, maxParallelism);
  }

  setCurrentKey(key: Key): void {
    this.cursor.moveTo(key);
  }

  getCurrentKey(): Key {
    return this.cursor.key;
  }

  protected register<P>(descriptor: AnyStateDescriptor, create: (table: MemoryStateTable<any>) => P): P {
    const existing = this.states.get(descriptor.name);
    if (existing !== undefined) return primitiveOf<P>(existing, descriptor);
    const table = new MemoryStateTable<unknown>(this.cursor, this.budget);
    const codec = entryCodecFor(descriptor);
    const lastEntries = new Map<number, Map<LookupKey, SnapshotEntry>>();
    this.loadPending(descriptor.name, table, codec, lastEntries);
    const primitive = create(table);
    this.states.set(descriptor.name, { descriptor, table, codec, primitive, lastEntries });
    return primitive;
  }

  /** Decodes the restored entries of a state now asked for; the last snapshot carried them as they are (takeFull). */
  private loadPending(name: string, table: MemoryStateTable<unknown>, codec: EntryCodec, lastEntries: Map<number, Map<LookupKey, SnapshotEntry>>): void {
    const groups = this.pending.get(name);
    if (groups === undefined) return;
    for (const [keyGroup, entries] of groups) {
      const group = new Map<LookupKey, unknown>();
      const last = new Map<LookupKey, SnapshotEntry>();
      for (const entry of entries) {
        const [keyString, text] = entry;
        const value = codec.decode(text);
        if (isLeft(value)) throw new Error(`cannot restore state '${name}' of key ${keyString}: ${value.left}`);
        const lookupKey = lookupKeyOfKeyString(keyString);
        group.set(lookupKey, value.right);
        last.set(lookupKey, entry);
      }
      table.groups.set(keyGroup, group);
      if (this.mirrored) lastEntries.set(keyGroup, last);
    }
    this.pending.delete(name);
  }

  /** Every key of `stateName` (all state is in memory: any state's keys stay readable). */
  pinnedKeys(stateName: string): Key[] {
    const table = this.states.get(stateName)?.table;
    if (table === undefined) return [];
    const keys: Key[] = [];
    for (const group of table.groups.values()) for (const lookupKey of group.keys()) keys.push(keyOfLookupKey(lookupKey));
    return keys;
  }

  keyCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, { table }] of this.states) {
      let n = 0;
      for (const group of table.groups.values()) n += group.size;
      counts[name] = n;
    }
    return counts;
  }

  snapshot(): KeyedStateSnapshot {
    // Recording held since the last snapshot: the tables know every key changed since.
    const recorded = this.budget.recording;
    const chain = this.chain;
    let changed = 0;
    for (const { table } of this.states.values()) for (const keys of table.changed.values()) changed += keys.size;
    // A delta if fewer keys changed than a quarter of the full copy (past that, a delta saves
    // too little) and than the chain may still hold.
    const delta = recorded && chain !== undefined && chain.increments.length + 1 < MAX_DELTA_CHAIN && changed < Math.min(Math.ceil(chain.baseEntries * MAX_DELTA_SHARE), chain.baseEntries - chain.deltaEntries);
    // A full copy after recording ran out encodes every entry, and keeps no mirror of them: a job
    // that changes most keys between checkpoints would only pay for it.
    const snapshot = delta ? this.takeDelta(changed) : this.takeFull(recorded && this.mirrored, recorded || chain === undefined);
    let keys = 0;
    for (const { table } of this.states.values()) {
      table.clearChanges();
      for (const group of table.groups.values()) keys += group.size;
    }
    this.budget.left = Math.max(Math.ceil(keys * MAX_RECORDED_SHARE), RECORDED_KEYS_FLOOR);
    this.budget.recording = true;
    this.lastSnapshot = snapshot;
    return snapshot;
  }

  /** A delta chained to the last snapshot, of the keys the tables recorded. */
  private takeDelta(changed: number): KeyedStateSnapshot {
    const chain = this.chain!;
    const keyGroups: Record<string, Record<string, SnapshotEntry[]>> = {};
    const removed: Record<string, Record<string, string[]>> = {};
    for (const [name, { table, codec, lastEntries }] of this.states) {
      for (const [kg, keys] of table.changed) {
        const group = table.groups.get(kg);
        let last = lastEntries.get(kg);
        if (this.mirrored && last === undefined) lastEntries.set(kg, (last = new Map()));
        for (const lookupKey of keys) {
          const value = group?.get(lookupKey);
          if (value === undefined && group?.has(lookupKey) !== true) {
            ((removed[kg] ??= {})[name] ??= []).push(keyStringOf(lookupKey));
            last?.delete(lookupKey);
          } else {
            const entry: SnapshotEntry = [keyStringOf(lookupKey), codec.encode(value)];
            ((keyGroups[kg] ??= {})[name] ??= []).push(entry);
            last?.set(lookupKey, entry);
          }
        }
      }
    }
    if (changed > 0) {
      // Frozen: shared by the snapshots of the following checkpoints, never changed (checkpointSize walks it once).
      chain.increments.push(Object.freeze({ keyGroups, removed }));
      chain.deltaEntries += changed;
    }
    return chain.increments.length === 0 ? { keyGroups: chain.base } : { keyGroups: chain.base, increments: chain.increments.slice() };
  }

  /**
   * A full copy. `reuse`: the tables recorded every key changed since the last snapshot, and
   * `lastEntries` hold that snapshot's entries, so only the changed keys are encoded. `mirror`:
   * keep this copy's entries in `lastEntries` for the next full copy.
   */
  private takeFull(reuse: boolean, mirror: boolean): KeyedStateSnapshot {
    const keyGroups: Record<string, Record<string, SnapshotEntry[]>> = {};
    const groupOf = (kg: number) => (keyGroups[kg] ??= {});
    let count = 0;
    for (const [name, state] of this.states) {
      const { table, codec } = state;
      // Reused, the mirror is kept up to date in place: the keys changed since are set anew, the removed ones dropped.
      const lastEntries = reuse ? state.lastEntries : new Map<number, Map<LookupKey, SnapshotEntry>>();
      if (reuse) {
        for (const [kg, keys] of table.changed) {
          const last = lastEntries.get(kg);
          const group = table.groups.get(kg);
          if (last !== undefined) for (const lookupKey of keys) if (group?.has(lookupKey) !== true) last.delete(lookupKey);
        }
      }
      for (const [kg, group] of table.groups) {
        if (group.size === 0) continue;
        const changed = reuse ? table.changed.get(kg) : undefined;
        let last = lastEntries.get(kg);
        if (mirror && last === undefined) lastEntries.set(kg, (last = new Map()));
        const entries: SnapshotEntry[] = [];
        for (const [lookupKey, value] of group) {
          let entry = reuse && changed?.has(lookupKey) !== true ? last?.get(lookupKey) : undefined;
          if (entry === undefined) {
            entry = [keyStringOf(lookupKey), codec.encode(value)];
            last?.set(lookupKey, entry);
          }
          entries.push(entry);
        }
        groupOf(kg)[name] = entries;
        count += entries.length;
      }
      state.lastEntries = mirror ? lastEntries : new Map();
    }
    this.mirrored = mirror;
    // Restored state never asked for since is still state: carry it into the next snapshot.
    for (const [name, groups] of this.pending) {
      for (const [kg, entries] of groups) {
        groupOf(kg)[name] = entries.slice();
        count += entries.length;
      }
    }
    this.chain = { base: Object.freeze(keyGroups), baseEntries: count, increments: [], deltaEntries: 0 };
    return { keyGroups: this.chain.base };
  }

  /**
   * UTF-8 bytes of the keys and entries of the last snapshot as a restore reads them: its full
   * copy and the deltas chained to it (each link counted once, when first asked for).
   */
  stateSizeBytes(): number | undefined {
    const last = this.lastSnapshot;
    if (last === undefined) return undefined;
    let bytes = linkBytes(last.keyGroups);
    for (const delta of last.increments ?? []) {
      bytes += linkBytes(delta.keyGroups);
      for (const states of Object.values(delta.removed)) for (const keys of Object.values(states)) for (const key of keys) bytes += Buffer.byteLength(key);
    }
    return bytes;
  }

  restore(snapshots: readonly KeyedStateSnapshot[]): Either<string, void> {
    if (this.states.size > 0) return left('restore must happen before any state is used');
    this.chain = undefined;
    this.budget.recording = false;
    this.mirrored = false;
    for (const chained of snapshots) {
      if (chained.redis !== undefined && Object.keys(chained.redis.chains).length > 0) {
        return left(`the snapshot references keyed state kept in Redis (${chained.redis.space}); restore it with the Redis state backend and the same keyPrefix`);
      }
      const snapshot = foldKeyedSnapshot(chained);
      for (const [kgText, states] of Object.entries(snapshot.keyGroups)) {
        const kg = Number(kgText);
        if (!Number.isInteger(kg)) return left(`invalid key group '${kgText}' in snapshot`);
        if (kg < this.keyGroupRange.start || kg > this.keyGroupRange.end) continue;
        for (const [name, entries] of Object.entries(states)) {
          let groups = this.pending.get(name);
          if (groups === undefined) this.pending.set(name, (groups = new Map()));
          groups.set(kg, entries);
        }
      }
    }
    return right(undefined);
  }

  dispose(): void {
    this.states.clear();
    this.pending.clear();
    this.chain = undefined;
    this.mirrored = false;
    this.lastSnapshot = undefined;
  }
}

/** Bytes of the links already counted (a link is frozen and shared by the snapshots after it). */
const linkSizes = new WeakMap<SnapshotEntries, number>();

function linkBytes(entries: SnapshotEntries): number {
  let bytes = linkSizes.get(entries);
  if (bytes === undefined) {
    bytes = 0;
    for (const states of Object.values(entries)) {
      for (const list of Object.values(states)) for (const [keyString, text] of list) bytes += Buffer.byteLength(keyString) + Buffer.byteLength(text);
    }
    linkSizes.set(entries, bytes);
  }
  return bytes;
}
