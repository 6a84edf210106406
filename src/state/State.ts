/**
 * The keyed state primitives users see, as in Flink. Every access reads or writes the value
 * of the key of the record being processed; the runtime sets that key before calling user code.
 */

export interface ValueState<T> {
  /** The value for the current key, or the descriptor's default when there is none. */
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

export interface ListState<T> {
  /** The list for the current key; empty when there is none. The array is a copy. */
  get(): T[];
  add(value: T): void;
  addAll(values: readonly T[]): void;
  update(values: readonly T[]): void;
  clear(): void;
}

export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): Array<[K, V]>;
  keys(): K[];
  values(): V[];
  isEmpty(): boolean;
  clear(): void;
}

/** Keeps one value per key, folding each added value in with the descriptor's reduce. */
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

/** Keeps an accumulator per key; `get` returns the aggregate's result. */
export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}
