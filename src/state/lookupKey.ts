/**
 * How keyed state finds a key's entry in memory: by the key itself when it is a number, a
 * boolean or a bigint (a Map finds those without building any text), and by its canonical text
 * otherwise (strings are their own text unless they start with `#`; composite keys have only
 * their text). Equal keys give equal lookup keys, different keys different ones: a string's
 * lookup key is text and a number's is a number, so `1` and `"1"` stay apart, and composite
 * keys' texts start with `#` where plain strings do not (keyHash.ts).
 */
import { Key, keyFromString, keyToString } from './keyHash';

export type LookupKey = string | number | boolean | bigint;

export function lookupKeyOf(key: Key): LookupKey {
  const type = typeof key;
  return type === 'number' || type === 'boolean' || type === 'bigint' ? (key as number | boolean | bigint) : keyToString(key);
}

/** The canonical text of the key (what snapshots and Redis store). */
export function keyStringOf(lookupKey: LookupKey): string {
  return typeof lookupKey === 'string' ? lookupKey : keyToString(lookupKey);
}

/** The lookup key of a key given by its canonical text (from a snapshot). */
export function lookupKeyOfKeyString(keyString: string): LookupKey {
  if (keyString.charCodeAt(0) !== 35 /* # */) return keyString;
  return lookupKeyOf(keyFromString(keyString));
}

/** The key itself. */
export function keyOfLookupKey(lookupKey: LookupKey): Key {
  return typeof lookupKey === 'string' ? keyFromString(lookupKey) : lookupKey;
}
