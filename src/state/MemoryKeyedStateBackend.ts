/**
 * The embedded default: keyed state as JavaScript values in maps, per key group. Snapshots
 * serialize with each state's serializer, incrementally (keyedStateDeltas.ts): after a full
 * copy, each snapshot encodes only the entries written or removed since the one before, as a
 * delta chained to it, until the deltas hold as many entries as the copy or the chain reaches
 * MAX_DELTA_CHAIN links; then the next is a full copy again. Restored entries are decoded when
 * the state is first asked for, because only then is its descriptor known.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { Key } from './keyHash';
import { LookupKey, keyOfLookupKey, keyStringOf, lookupKeyOfKeyString } from './lookupKey';
import { KeyGroupRange } from './keyGroups';
import { KeyedStateBackend, KeyedStateSnapshot } from './KeyedStateBackend';
import { AnyStateDescriptor } from './StateDescriptor';
import { StateTable } from './StateTable';
import { KeyCursor } from './KeyCursor';
import { EntryCodec, entryCodecFor } from './entryCodec';
import { TableStateAccess, primitiveOf } from './keyedStates';
import { KeyedStateDelta, MAX_DELTA_CHAIN, SnapshotEntries, foldKeyedSnapshot } from './keyedStateDeltas';

/** The key of the record being processed, shared by all tables of one backend. */
class MemoryStateTable<V> implements StateTable<V> {
  /** keyGroup -> lookup key -> value. */
  readonly groups = new Map<number, Map<LookupKey, V>>();
  /**
   * The current key's value as last read or written, valid while the cursor's version is
   * `cachedVersion`: a record's operator reads and writes the same state several times (a
   * window's contents, its timers), and each lookup by key text costs.
   */
  private cachedVersion = -1;
  private cachedValue: V | undefined;
  /**
   * Keys written or removed since the last snapshot, by key group: what the next delta holds.
   * Undefined until the backend took a full copy (no checkpoints, no cost on the hot path).
   * Changes must go through the state's methods: a value changed in place and not written
   * back (ValueState.update, ListState.add...) is not in the next delta.
   */
  changed: Map<number, Set<LookupKey>> | undefined;
  /** The cursor version of the last key marked changed, so a record's repeated writes mark once. */
  changedVersion = -1;
  constructor(private readonly cursor: KeyCursor) {}
  get(): V | undefined {
    if (this.cachedVersion === this.cursor.version) return this.cachedValue;
    const value = this.groups.get(this.cursor.keyGroup)?.get(this.cursor.lookupKey);
    this.cachedVersion = this.cursor.version;
    this.cachedValue = value;
    return value;
  }
  put(value: V): void {
    if (this.cursor.keyGroup < 0) throw new Error('keyed state was written before a key was set: use keyed state only while processing a record of a keyed stream');
    if (this.changed !== undefined && this.changedVersion !== this.cursor.version) this.markChanged();
    // Changed in place and put back (lists, maps): already stored.
    if (this.cachedVersion === this.cursor.version && this.cachedValue === value) return;
    let group = this.groups.get(this.cursor.keyGroup);
    if (group === undefined) {
      group = new Map();
      this.groups.set(this.cursor.keyGroup, group);
    }
    group.set(this.cursor.lookupKey, value);
    this.cachedVersion = this.cursor.version;
    this.cachedValue = value;
  }
  remove(): void {
    const group = this.groups.get(this.cursor.keyGroup);
    if (group !== undefined && group.delete(this.cursor.lookupKey) && this.changed !== undefined && this.changedVersion !== this.cursor.version) this.markChanged();
    this.cachedVersion = this.cursor.version;
    this.cachedValue = undefined;
  }

  private markChanged(): void {
    let keys = this.changed!.get(this.cursor.keyGroup);
    if (keys === undefined) this.changed!.set(this.cursor.keyGroup, (keys = new Set()));
    keys.add(this.cursor.lookupKey);
    this.changedVersion = this.cursor.version;
  }

  /** Starts a new set of changes (after a snapshot took the last). */
  resetChanges(): void {
    this.changed = new Map();
    this.changedVersion = -1;
  }

  /** Number of keys changed since the last snapshot. */
  changedCount(): number {
    let n = 0;
    for (const keys of this.changed?.values() ?? []) n += keys.size;
    return n;
  }
}

/** The chain the next delta extends: the last full copy and the deltas taken after it. */
interface Chain {
  readonly base: SnapshotEntries;
  readonly baseEntries: number;
  readonly increments: KeyedStateDelta[];
  deltaEntries: number;
}

interface RegisteredState {
  readonly descriptor: AnyStateDescriptor;
  readonly table: MemoryStateTable<unknown>;
  readonly codec: EntryCodec;
  readonly primitive: unknown;
}

export class MemoryKeyedStateBackend extends TableStateAccess implements KeyedStateBackend {
  private readonly cursor: KeyCursor;
  private readonly states = new Map<string, RegisteredState>();
  /** The last snapshot, and the UTF-8 bytes of its keys and entries once asked for (metrics). */
  private lastSnapshot: KeyedStateSnapshot | undefined;
  private snapshotBytes: number | undefined;
  /** Undefined until the first snapshot, and after a restore: the next snapshot is a full copy. */
  private chain: Chain | undefined;
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
    const table = new MemoryStateTable<unknown>(this.cursor);
    if (this.chain !== undefined) table.resetChanges();
    const codec = entryCodecFor(descriptor);
    this.loadPending(descriptor.name, table, codec);
    const primitive = create(table);
    this.states.set(descriptor.name, { descriptor, table, codec, primitive });
    return primitive;
  }

  private loadPending(name: string, table: MemoryStateTable<unknown>, codec: EntryCodec): void {
    const groups = this.pending.get(name);
    if (groups === undefined) return;
    for (const [keyGroup, entries] of groups) {
      const group = new Map<LookupKey, unknown>();
      for (const [keyString, text] of entries) {
        const value = codec.decode(text);
        if (isLeft(value)) throw new Error(`cannot restore state '${name}' of key ${keyString}: ${value.left}`);
        group.set(lookupKeyOfKeyString(keyString), value.right);
      }
      table.groups.set(keyGroup, group);
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
    const snapshot = this.takeDelta() ?? this.takeFull();
    for (const { table } of this.states.values()) table.resetChanges();
    this.lastSnapshot = snapshot;
    this.snapshotBytes = undefined;
    return snapshot;
  }

  /** A delta chained to the last snapshot; undefined when a full copy is due instead. */
  private takeDelta(): KeyedStateSnapshot | undefined {
    const chain = this.chain;
    if (chain === undefined || chain.increments.length + 1 >= MAX_DELTA_CHAIN) return undefined;
    let changed = 0;
    for (const { table } of this.states.values()) changed += table.changedCount();
    // Past this, restoring the chain would apply more entries than a full copy holds.
    if (chain.deltaEntries + changed >= chain.baseEntries) return undefined;
    if (changed > 0) {
      const keyGroups: Record<string, Record<string, Array<readonly [string, string]>>> = {};
      const removed: Record<string, Record<string, string[]>> = {};
      for (const [name, { table, codec }] of this.states) {
        for (const [kg, keys] of table.changed!) {
          const group = table.groups.get(kg);
          for (const lookupKey of keys) {
            const value = group?.get(lookupKey);
            if (value === undefined && group?.has(lookupKey) !== true) ((removed[kg] ??= {})[name] ??= []).push(keyStringOf(lookupKey));
            else ((keyGroups[kg] ??= {})[name] ??= []).push([keyStringOf(lookupKey), codec.encode(value)]);
          }
        }
      }
      // Frozen: shared by the snapshots of the following checkpoints, never changed (checkpointSize walks it once).
      chain.increments.push(Object.freeze({ keyGroups, removed }));
      chain.deltaEntries += changed;
    }
    return chain.increments.length === 0 ? { keyGroups: chain.base } : { keyGroups: chain.base, increments: chain.increments.slice() };
  }

  private takeFull(): KeyedStateSnapshot {
    const keyGroups: Record<string, Record<string, Array<readonly [string, string]>>> = {};
    const groupOf = (kg: number) => (keyGroups[kg] ??= {});
    let count = 0;
    for (const [name, { table, codec }] of this.states) {
      for (const [kg, group] of table.groups) {
        if (group.size === 0) continue;
        const entries: Array<readonly [string, string]> = [];
        for (const [lookupKey, value] of group) entries.push([keyStringOf(lookupKey), codec.encode(value)]);
        groupOf(kg)[name] = entries;
        count += entries.length;
      }
    }
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

  /** UTF-8 bytes of the keys and entries of the last snapshot's state (its chain folded). */
  stateSizeBytes(): number | undefined {
    if (this.snapshotBytes === undefined && this.lastSnapshot !== undefined) {
      let bytes = 0;
      for (const states of Object.values(foldKeyedSnapshot(this.lastSnapshot).keyGroups)) {
        for (const entries of Object.values(states)) for (const [keyString, text] of entries) bytes += Buffer.byteLength(keyString) + Buffer.byteLength(text);
      }
      this.snapshotBytes = bytes;
    }
    return this.snapshotBytes;
  }

  restore(snapshots: readonly KeyedStateSnapshot[]): Either<string, void> {
    if (this.states.size > 0) return left('restore must happen before any state is used');
    this.chain = undefined;
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
    this.lastSnapshot = undefined;
  }
}
