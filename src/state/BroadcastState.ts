/**
 * Broadcast state, as Flink's: a map that every parallel instance of an operator holds in
 * full, written only where every instance sees the same input (the broadcast side), so the
 * copies stay equal. A snapshot holds the instance's whole map; a restore at any parallelism
 * gives each instance one former instance's copy (OperatorStateStore, 'broadcast').
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { MapStateDescriptor } from './StateDescriptor';

/** What the non-broadcast side sees: reads only. */
export interface ReadOnlyBroadcastState<K, V> {
  /** The value under `key`, undefined when there is none. */
  get(key: K): V | undefined;
  /** Whether the state has `key`. */
  contains(key: K): boolean;
  /** The entries (a copy); changing it changes nothing. */
  immutableEntries(): Array<readonly [K, V]>;
  /** The number of entries. */
  size(): number;
}

/** What the broadcast side sees: reads and writes, on every instance alike. */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  /** Sets `key` to `value`. */
  put(key: K, value: V): void;
  /** Sets each entry. */
  putAll(entries: Iterable<readonly [K, V]>): void;
  /** Removes `key`. */
  remove(key: K): void;
  /** Removes every entry. */
  clear(): void;
  /** The entries (a copy). */
  entries(): Array<[K, V]>;
}

/** The map of one broadcast state of one operator instance, with its snapshot form. */
export class MapBroadcastState<K, V> implements BroadcastState<K, V> {
  // Keys are looked up by their serialized text, so that structured keys (objects, arrays)
  // compare by value, as they do after a restore.
  private readonly map = new Map<string, [K, V]>();
  constructor(readonly descriptor: MapStateDescriptor<K, V>) {}

  private textOf(key: K): string {
    return this.descriptor.keySerializer.serialize(key);
  }
  get(key: K): V | undefined {
    return this.map.get(this.textOf(key))?.[1];
  }
  contains(key: K): boolean {
    return this.map.has(this.textOf(key));
  }
  immutableEntries(): Array<readonly [K, V]> {
    return [...this.map.values()].map(([k, v]) => [k, v] as const);
  }
  size(): number {
    return this.map.size;
  }
  put(key: K, value: V): void {
    this.map.set(this.textOf(key), [key, value]);
  }
  putAll(entries: Iterable<readonly [K, V]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  remove(key: K): void {
    this.map.delete(this.textOf(key));
  }
  clear(): void {
    this.map.clear();
  }
  entries(): Array<[K, V]> {
    return [...this.map.values()].map(([k, v]) => [k, v]);
  }

  /** One text per entry: the JSON pair of the key's and the value's serialized texts. */
  snapshot(): string[] {
    const values = this.descriptor.valueSerializer;
    return [...this.map.entries()].map(([keyText, [, v]]) => JSON.stringify([keyText, values.serialize(v)]));
  }

  /** Puts back the entries of `snapshot`; Left names the first entry that does not decode. */
  restore(snapshot: readonly string[]): Either<string, void> {
    for (const text of snapshot) {
      const entry = decodeEntry(this.descriptor, text);
      if (isLeft(entry)) return left(`cannot restore broadcast state '${this.descriptor.name}': ${entry.left}`);
      this.put(entry.right[0], entry.right[1]);
    }
    return right(undefined);
  }
}

function decodeEntry<K, V>(descriptor: MapStateDescriptor<K, V>, text: string): Either<string, readonly [K, V]> {
  let pair: unknown;
  try {
    pair = JSON.parse(text);
  } catch (e) {
    return left(`entry is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
    return left(`entry ${text.slice(0, 80)} is not a pair of texts`);
  }
  const key = descriptor.keySerializer.deserialize(pair[0]);
  if (isLeft(key)) return left(`key ${pair[0]}: ${key.left}`);
  const value = descriptor.valueSerializer.deserialize(pair[1]);
  if (isLeft(value)) return left(`value of key ${pair[0]}: ${value.left}`);
  return right([key.right, value.right] as const);
}

/**
 * The state as the non-broadcast side sees it. Its write methods exist only to refuse a cast
 * past the types: a write there would change one instance's copy and not the others'.
 */
export function readOnlyView<K, V>(state: BroadcastState<K, V>, name: string, where: string): BroadcastState<K, V> {
  const refuse = (method: string) => (): never => {
    throw new Error(
      `broadcast state '${name}' is read-only in ${where}: ${method} would change this instance's copy only; ` +
        'write it in processBroadcastElement, which every instance runs for every broadcast element',
    );
  };
  return {
    get: (k) => state.get(k),
    contains: (k) => state.contains(k),
    immutableEntries: () => state.immutableEntries(),
    size: () => state.size(),
    put: refuse('put'),
    putAll: refuse('putAll'),
    remove: refuse('remove'),
    clear: refuse('clear'),
    entries: () => state.entries(),
  };
}
