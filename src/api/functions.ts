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
