/**
 * The key that keyed state accesses refer to, shared by the tables of one backend: set once
 * per record, with its lookup key and key group computed once. The canonical text is built
 * only when asked for (snapshots, Redis): the memory backend's tables find entries by lookup
 * key, which needs no text for numeric keys.
 */
import { Key } from './keyHash';
import { KeyGroupRange, keyGroupOf } from './keyGroups';
import { LookupKey, keyStringOf, lookupKeyOf } from './lookupKey';

export class KeyCursor {
  key: Key = '';
  lookupKey: LookupKey = '';
  /** -1 until a key is set: writes are refused then. */
  keyGroup = -1;
  /** Changes with every move, so a table can keep what it read for the current key until then. */
  version = 0;
  private keyStringVersion = -1;
  private currentKeyString = '';

  constructor(private readonly range: KeyGroupRange, private readonly maxParallelism: number) {}

  /** The current key's canonical text. */
  get keyString(): string {
    if (this.keyStringVersion !== this.version) {
      this.currentKeyString = keyStringOf(this.lookupKey);
      this.keyStringVersion = this.version;
    }
    return this.currentKeyString;
  }

  /**
   * Points at `key`. No key (null or undefined, which a selector typed `any` can give) fails
   * the record, so the operator's supervision decides (dead letters under `resume`); a key
   * outside the task's key groups is a broken invariant (no keyBy).
   */
  moveTo(key: Key): void {
    if (key === null || key === undefined) throw noKey(key);
    const keyGroup = keyGroupOf(key, this.maxParallelism);
    if (keyGroup < this.range.start || keyGroup > this.range.end) {
      throw new Error(
        `key ${keyStringOf(lookupKeyOf(key))} is in key group ${keyGroup}, outside this task's range ` +
          `${this.range.start}..${this.range.end}: records must reach keyed state through keyBy`,
      );
    }
    this.key = key;
    this.lookupKey = lookupKeyOf(key);
    this.keyGroup = keyGroup;
    this.version++;
  }
}

/** The failure of a record whose key selector gave no key. */
export function noKey(key: null | undefined): Error {
  return new Error(
    `the key selector returned ${key}: every record of a keyed stream needs a key (a string, number, boolean, ` +
      `bigint, or an array or object of those); filter such records out before keyBy, or give them a key of their own`,
  );
}
