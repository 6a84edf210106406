/**
 * Stable hashing of keys: the same key hashes to the same value in every process and on
 * every run, so a key always lands in the same key group (docs/internals.md, invariant 5).
 */

/** A key a stream can be partitioned by. Composite keys are arrays or plain objects. */
export type Key = string | number | boolean | bigint | readonly unknown[] | { readonly [field: string]: unknown };

/**
 * The canonical text of a key: equal keys give equal text, whatever process computes it.
 * Non-strings are tagged with `#` so that `1` and `"1"` stay different keys; the text can be
 * read back with {@link keyFromString}.
 */
export function keyToString(key: Key): string {
  switch (typeof key) {
    case 'string':
      // Plain text stays as is (the common case); text that could be read as a tagged key is quoted.
      return key.charCodeAt(0) === 35 /* # */ ? `#${JSON.stringify(key)}` : key;
    case 'number':
      return `#${key}`;
    case 'bigint':
      return `#${key}n`;
    case 'boolean':
      return key ? '#true' : '#false';
    default:
      return `#${canonicalJson(key)}`;
  }
}

/** JSON with object fields sorted, so that equal composite keys give equal text. */
function canonicalJson(value: unknown): string {
  if (typeof (value as { toJSON?: unknown } | null)?.toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.keys(value).sort();
    return `{${fields.map((f) => `${JSON.stringify(f)}:${canonicalJson((value as Record<string, unknown>)[f])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Numbers JSON cannot write, read back by their text. */
const NON_JSON_NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** The key whose canonical text this is (the inverse of {@link keyToString}). */
export function keyFromString(text: string): Key {
  if (text.charCodeAt(0) !== 35) return text;
  const body = text.slice(1);
  if (/^-?\d+n$/.test(body)) return BigInt(body.slice(0, -1));
  if (Object.hasOwn(NON_JSON_NUMBERS, body)) return NON_JSON_NUMBERS[body];
  return JSON.parse(body) as Key;
}

/** The seed of key hashing; key groups depend on it, so it never changes. */
const KEY_HASH_SEED = 0x9747b28c;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** One 4-byte block (little-endian, as the reference reads it) mixed into the hash state. */
function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3_x86_32 (Austin Appleby's reference, SMHasher's `MurmurHash3.cpp`) over the UTF-8
 * bytes of `text`, as an unsigned 32-bit integer: `murmur3('hello', 0)` is 613153351, as the
 * reference gives for the bytes of "hello". The bytes are made on the fly, without encoding
 * the text into a buffer first; a lone surrogate counts as U+FFFD, as `TextEncoder` writes it.
 * Key groups depend on these values (specs/state/keyHash.spec.ts pins them).
 */
export function murmur3(text: string, seed = KEY_HASH_SEED): number {
  let h = seed | 0;
  /** Bytes of the block being filled, the first in the low bits. */
  let k = 0;
  /** Bits of `k` filled: 0, 8, 16 or 24. */
  let filled = 0;
  let bytes = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (filled === 0 && i + 3 < n) {
      // Four ASCII characters starting a block are the block: the common case, mixed at once.
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      if ((c | c1 | c2 | c3) < 0x80) {
        h = mixBlock(h, c | (c1 << 8) | (c2 << 16) | (c3 << 24));
        bytes += 4;
        i += 3;
        continue;
      }
    }
    if (c < 0x80) {
      // ASCII, the common case: one byte.
      k |= c << filled;
      if (filled === 24) {
        h = mixBlock(h, k);
        k = 0;
        filled = 0;
      } else filled += 8;
      bytes++;
      continue;
    }
    // The code point's UTF-8 bytes, the first in the low bits, and how many there are.
    let encoded: number;
    let count: number;
    if (c < 0x800) {
      encoded = (0xc0 | (c >>> 6)) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        encoded = (0xf0 | (cp >>> 18)) | ((0x80 | ((cp >>> 12) & 0x3f)) << 8) | ((0x80 | ((cp >>> 6) & 0x3f)) << 16) | ((0x80 | (cp & 0x3f)) << 24);
        count = 4;
        i++;
      } else {
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        encoded = (0xe0 | (c >>> 12)) | ((0x80 | ((c >>> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        count = 3;
      }
    }
    bytes += count;
    for (; count > 0; count--) {
      k |= (encoded & 0xff) << filled;
      encoded >>>= 8;
      if (filled === 24) {
        h = mixBlock(h, k);
        k = 0;
        filled = 0;
      } else filled += 8;
    }
  }
  if (filled > 0) {
    // The tail: mixed as a block is, without the rotation and step of h.
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= bytes;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
