/**
 * Stable hashing of keys: the same key hashes to the same value in every process and on
 * every run, so a key always lands in the same key group (ARCHITECTURE invariant 5).
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

/** MurmurHash3 (x86, 32 bit) over UTF-16 code units: fast, well mixed, and stable across runs. */
export function murmur3(text: string, seed = 0x9747b28c): number {
  let h = seed | 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
