/**
 * The shapes of user functions. Each is either a plain function or an object with the method
 * and, optionally, `open`/`close` (a "rich" function, as in Flink) for state and resources.
 */
import { RichFunction } from './RuntimeContext';

export interface Collector<T> {
  collect(record: T): void;
}

export type MapFunction<T, R> = ((value: T) => R) | (RichFunction & { map(value: T): R });
export type FilterFunction<T> = ((value: T) => boolean) | (RichFunction & { filter(value: T): boolean });
export type FlatMapFunction<T, R> = ((value: T, out: Collector<R>) => void) | (RichFunction & { flatMap(value: T, out: Collector<R>): void });
export type ReduceFunction<T> = (accumulated: T, value: T) => T;

/** The lifecycle part of a function given either way. */
export function richPart(fn: object): RichFunction {
  return typeof fn === 'function' ? {} : (fn as RichFunction);
}

/**
 * A copy of a function object for one parallel instance, so that fields a function sets in
 * `open` (state handles, counters) are its own, as Flink's per-task deserialized copies are.
 * The copy is shallow and keeps the prototype; a plain function is returned as is.
 */
export function instanceCopy<F>(fn: F): F {
  if (typeof fn !== 'object' || fn === null) return fn;
  return Object.assign(Object.create(Object.getPrototypeOf(fn) as object) as object, fn) as F;
}
