/**
 * The hash of a key remembered for the keys seen last. A keyed job meets the same keys again
 * and again, and both the partitioner and the keyed state hash every record's key; hashing
 * means building the key's canonical text and running MurmurHash3 over it, finding a
 * remembered hash does not.
 * - 32-bit integer keys, the commonest, sit in a direct-mapped table indexed by their low bits
 *   (two typed-array reads, measured ~4× faster than a Map); a key meeting another in its slot
 *   replaces it.
 * - Other primitive keys sit in a Map emptied when it holds `CAPACITY` keys, so a job with
 *   more distinct keys pays one extra lookup per record and nothing more.
 * - Composite keys (arrays, objects) are hashed every time: they have no identity to find.
 * One cache per thread, shared by its tasks: it holds only results of a pure function.
 */
import { Key, keyToString, murmur3 } from './keyHash';

const CAPACITY = 1 << 16;
const SLOT_MASK = CAPACITY - 1;
/** The integer key in each slot; NaN where none is (NaN equals nothing, an integer key least). */
const slotKeys = new Float64Array(CAPACITY).fill(NaN);
const slotHashes = new Uint32Array(CAPACITY);
const hashes = new Map<string | number | boolean | bigint, number>();

/** `murmur3(keyToString(key))`, from the cache when the key was hashed lately. */
export function keyHashOf(key: Key): number {
  if (typeof key === 'number' && (key | 0) === key) {
    const slot = key & SLOT_MASK;
    if (slotKeys[slot] === key) return slotHashes[slot];
    const hash = murmur3(keyToString(key));
    slotKeys[slot] = key;
    slotHashes[slot] = hash;
    return hash;
  }
  if (typeof key === 'object') return murmur3(keyToString(key));
  let hash = hashes.get(key);
  if (hash === undefined) {
    hash = murmur3(keyToString(key));
    if (hashes.size >= CAPACITY) hashes.clear();
    hashes.set(key, hash);
  }
  return hash;
}
