/**
 * The embedded default: keyed state as JavaScript values in maps, per key group. Snapshots
 * serialize with each state's serializer; restored entries are decoded when the state is
 * first asked for, because only then is its descriptor known.
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
    this.groups.get(this.cursor.keyGroup)?.delete(this.cursor.lookupKey);
    this.cachedVersion = this.cursor.version;
    this.cachedValue = undefined;
  }
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
  /** UTF-8 bytes of the keys and entries of the last snapshot (its state's size, for metrics). */
  private snapshotBytes: number | undefined;
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
    const keyGroups: Record<string, Record<string, Array<readonly [string, string]>>> = {};
    const groupOf = (kg: number) => (keyGroups[kg] ??= {});
    let bytes = 0;
    for (const [name, { table, codec }] of this.states) {
      for (const [kg, group] of table.groups) {
        if (group.size === 0) continue;
        const entries: Array<readonly [string, string]> = [];
        for (const [lookupKey, value] of group) {
          const keyString = keyStringOf(lookupKey);
          const text = codec.encode(value);
          bytes += Buffer.byteLength(keyString) + Buffer.byteLength(text);
          entries.push([keyString, text]);
        }
        groupOf(kg)[name] = entries;
      }
    }
    // Restored state never asked for since is still state: carry it into the next snapshot.
    for (const [name, groups] of this.pending) {
      for (const [kg, entries] of groups) {
        for (const [keyString, text] of entries) bytes += Buffer.byteLength(keyString) + Buffer.byteLength(text);
        groupOf(kg)[name] = entries.slice();
      }
    }
    this.snapshotBytes = bytes;
    return { keyGroups };
  }

  stateSizeBytes(): number | undefined {
    return this.snapshotBytes;
  }

  restore(snapshots: readonly KeyedStateSnapshot[]): Either<string, void> {
    if (this.states.size > 0) return left('restore must happen before any state is used');
    for (const snapshot of snapshots) {
      if (snapshot.redis !== undefined && Object.keys(snapshot.redis.chains).length > 0) {
        return left(`the snapshot references keyed state kept in Redis (${snapshot.redis.space}); restore it with the Redis state backend and the same keyPrefix`);
      }
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
  }
}
