/**
 * The memory backend's storage of one named state: a value per key, by key group, and the keys
 * changed since the backend's last snapshot, which its next delta holds
 * (MemoryKeyedStateBackend.ts, keyedStateDeltas.ts).
 */
import { KeyCursor } from './KeyCursor';
import { LookupKey } from './lookupKey';
import { StateTable } from './StateTable';

/**
 * What the tables of one backend may still record until its next snapshot. The changed keys
 * make the next snapshot a delta, or let a full copy encode only them (reusing the entries of
 * the others from the last snapshot). Once more keys changed than a share of all, recording
 * stops until the next snapshot, which then encodes every entry (a job whose every key changes
 * between two checkpoints pays for no recording past that point).
 */
export class ChangeBudget {
  /** False before the first snapshot, after a restore, and once `left` ran out. */
  recording = false;
  /** Changed keys that may still be recorded. */
  left = 0;
}

export class MemoryStateTable<V> implements StateTable<V> {
  /** keyGroup -> lookup key -> value. */
  readonly groups = new Map<number, Map<LookupKey, V>>();
  /** Keys written or removed since the last snapshot, by key group, while the budget records. */
  readonly changed = new Map<number, Set<LookupKey>>();
  /**
   * The current key's value as last read or written, valid while the cursor's version is
   * `cachedVersion`: a record's operator reads and writes the same state several times (a
   * window's contents, its timers), and each lookup by key costs.
   */
  private cachedVersion = -1;
  private cachedValue: V | undefined;
  /** The cursor version of the last key recorded, so a record's repeated writes record once. */
  private recordedVersion = -1;

  constructor(private readonly cursor: KeyCursor, private readonly budget: ChangeBudget) {}

  get(): V | undefined {
    if (this.cachedVersion === this.cursor.version) return this.cachedValue;
    const value = this.groups.get(this.cursor.keyGroup)?.get(this.cursor.lookupKey);
    this.cachedVersion = this.cursor.version;
    this.cachedValue = value;
    return value;
  }

  /**
   * Changes must come here (ValueState.update, ListState.add...): a value changed in place and
   * not written back is not in the next delta.
   */
  put(value: V): void {
    if (this.cursor.keyGroup < 0) throw new Error('keyed state was written before a key was set: use keyed state only while processing a record of a keyed stream');
    if (this.budget.recording && this.recordedVersion !== this.cursor.version) this.record();
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
    if (group !== undefined && group.delete(this.cursor.lookupKey) && this.budget.recording && this.recordedVersion !== this.cursor.version) this.record();
    this.cachedVersion = this.cursor.version;
    this.cachedValue = undefined;
  }

  private record(): void {
    this.recordedVersion = this.cursor.version;
    let keys = this.changed.get(this.cursor.keyGroup);
    if (keys === undefined) this.changed.set(this.cursor.keyGroup, (keys = new Set()));
    const before = keys.size;
    keys.add(this.cursor.lookupKey);
    if (keys.size > before && --this.budget.left <= 0) this.budget.recording = false;
  }

  /** After a snapshot: nothing changed since. */
  clearChanges(): void {
    this.changed.clear();
    this.recordedVersion = -1;
  }
}
