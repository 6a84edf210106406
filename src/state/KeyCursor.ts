/**
 * The key that keyed state accesses refer to, shared by the tables of one backend: set once
 * per record, with its canonical text and key group computed once.
 */
import { Key, keyToString } from './keyHash';
import { KeyGroupRange, keyGroupOfKeyString } from './keyGroups';

export class KeyCursor {
  key: Key = '';
  keyString = '';
  /** -1 until a key is set: writes are refused then. */
  keyGroup = -1;
  /** Changes with every move, so a table can keep what it read for the current key until then. */
  version = 0;

  constructor(private readonly range: KeyGroupRange, private readonly maxParallelism: number) {}

  /**
   * Points at `key`. No key (null or undefined, which a selector typed `any` can give) fails
   * the record, so the operator's supervision decides (dead letters under `resume`); a key
   * outside the task's key groups is a broken invariant (no keyBy).
   */
  moveTo(key: Key): void {
    if (key === null || key === undefined) throw noKey(key);
    const keyString = keyToString(key);
    const keyGroup = keyGroupOfKeyString(keyString, this.maxParallelism);
    if (keyGroup < this.range.start || keyGroup > this.range.end) {
      throw new Error(
        `key ${keyString} is in key group ${keyGroup}, outside this task's range ` +
          `${this.range.start}..${this.range.end}: records must reach keyed state through keyBy`,
      );
    }
    this.key = key;
    this.keyString = keyString;
    this.keyGroup = keyGroup;
    this.version++;
  }
}

function noKey(key: null | undefined): Error {
  return new Error(
    `the key selector returned ${key}: every record of a keyed stream needs a key (a string, number, boolean, ` +
      `bigint, or an array or object of those); filter such records out before keyBy, or give them a key of their own`,
  );
}
