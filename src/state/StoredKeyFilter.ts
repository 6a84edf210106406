/**
 * Which keys the Redis store may hold entries of, as a Bloom filter over key texts (one per
 * task's write-back cache, WriteBackCache.ts): a key is added when one of its entries leaves the
 * cache with a value (evicted; the store then holds it), or is restored into the store with its
 * key known. A key the filter never saw has no entry in the store, so a batch that meets it for
 * the first time needs no HMGET: with keys that keep arriving new (Nexmark's person and auction
 * ids), every such look-up came back empty, a round trip per batch for nothing.
 *
 * False positives only cost a look-up (the store's answer is the truth); there are no false
 * negatives. The bits are fixed when the cache is made: past the keys it was sized for, the
 * filter answers "may hold" more and more often, back to looking every key up, never wrong.
 */

/** Bits per key the filter is sized for (with 3 probes: about 3% false positives at that many keys). */
const BITS_PER_KEY = 8;
const MIN_BITS = 1 << 16;
const MAX_BITS = 1 << 26;

export class StoredKeyFilter {
  private readonly words: Int32Array;
  /** Bits − 1: a power of two, so a probe is a mask. */
  private readonly mask: number;

  /** A filter for about `keys` keys (at least 65 536 bits, at most 8 MiB). */
  constructor(keys: number) {
    let bits = MIN_BITS;
    while (bits < keys * BITS_PER_KEY && bits < MAX_BITS) bits *= 2;
    this.words = new Int32Array(bits >>> 5);
    this.mask = bits - 1;
  }

  /** Records that the store may hold entries of `keyString`. */
  add(keyString: string): void {
    this.probe(keyString, true);
  }

  /** False when the store holds no entry of `keyString` for certain. */
  mayHold(keyString: string): boolean {
    return this.probe(keyString, false);
  }

  /** Walks the key's three bits (double hashing): sets them when `set`, else tells whether all are set. */
  private probe(keyString: string, set: boolean): boolean {
    const stride = hash2(keyString) | 1;
    const words = this.words;
    let h = hash1(keyString);
    for (let i = 0; i < 3; i++, h = (h + stride) | 0) {
      const bit = h & this.mask;
      const flag = 1 << (bit & 31);
      if (set) words[bit >>> 5] |= flag;
      else if ((words[bit >>> 5] & flag) === 0) return false;
    }
    return true;
  }

  /** Forgets every key (the store's hashes were emptied). */
  clear(): void {
    this.words.fill(0);
  }
}

/** FNV-1a over the UTF-16 code units, with a final avalanche so that the low bits mix. */
function hash1(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** A second, independent hash (multiplicative, other constants), for the probes' stride. */
function hash2(text: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < text.length; i++) h = Math.imul(h + text.charCodeAt(i), 0x5bd1e995) ^ (h >>> 15);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
