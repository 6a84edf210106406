/**
 * The keyed state primitives users see, as in Flink. Every access reads or writes the value
 * of the key of the record being processed; the runtime sets that key before calling user code.
 */

/** One value per key. */
export interface ValueState<T> {
  /** The value for the current key, or the descriptor's default when there is none. */
  value(): T | undefined;
  /** Sets the current key's value. */
  update(value: T): void;
  /** Removes the current key's value. */
  clear(): void;
}

/** A list per key. */
export interface ListState<T> {
  /** The list for the current key; empty when there is none. The array is a copy. */
  get(): T[];
  /** Appends to the current key's list. */
  add(value: T): void;
  /** Appends each value to the current key's list, in order. */
  addAll(values: readonly T[]): void;
  /** Replaces the current key's list. */
  update(values: readonly T[]): void;
  /** Removes the current key's list. */
  clear(): void;
}

/** A map per key (the map's own keys are any serializable values). */
export interface MapState<K, V> {
  /** The value under `key` in the current key's map. */
  get(key: K): V | undefined;
  /** Sets `key` to `value` in the current key's map. */
  put(key: K, value: V): void;
  /** Sets each entry in the current key's map. */
  putAll(entries: Iterable<readonly [K, V]>): void;
  /** Removes `key` from the current key's map. */
  remove(key: K): void;
  /** Whether the current key's map has `key`. */
  contains(key: K): boolean;
  /** The entries of the current key's map (a copy). */
  entries(): Array<[K, V]>;
  /** The keys of the current key's map (a copy). */
  keys(): K[];
  /** The values of the current key's map (a copy). */
  values(): V[];
  /** Whether the current key's map has no entry. */
  isEmpty(): boolean;
  /** Removes the current key's map. */
  clear(): void;
}

/** Keeps one value per key, folding each added value in with the descriptor's reduce. */
export interface ReducingState<T> {
  /** The reduced value of the current key, undefined before the first add. */
  get(): T | undefined;
  /** Folds `value` into the current key's value with the descriptor's reduce. */
  add(value: T): void;
  /** Removes the current key's value. */
  clear(): void;
}

/** Keeps an accumulator per key; `get` returns the aggregate's result. */
export interface AggregatingState<IN, OUT> {
  /** The aggregate's result for the current key, undefined before the first add. */
  get(): OUT | undefined;
  /** Adds `value` to the current key's accumulator. */
  add(value: IN): void;
  /** Removes the current key's accumulator. */
  clear(): void;
}
