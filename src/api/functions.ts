/**
 * The shapes of user functions. Each is either a plain function or an object with the method
 * and, optionally, `open`/`close` (a "rich" function, as in Flink) for state and resources.
 */
import { Collector } from '../graph/Collector';
import { RichFunction } from './RuntimeContext';

/**
 * The type a Promise result turns into: a type error whose text says why. Functions run
 * synchronously, one record after another; a Promise would be emitted instead of its value
 * (map), taken as true (filter) or dropped (flatMap, process). At run time such a result
 * fails the record (see `asyncResultRefused`).
 */
export type AsyncResultRefusal = 'refused: the function returns a Promise; functions run synchronously (for calls per record use AsyncDataStream.orderedWait, docs/async-io.md)';

/** `R`, unless it is a Promise: then the refusal, so that the function does not type-check. */
export type NotAsync<R> = R extends PromiseLike<unknown> ? AsyncResultRefusal : R;

/**
 * What a function that emits through a collector may return: nothing. Not plain `void`, which
 * would accept a Promise too; the object member matches nothing a function would return, and
 * is there so that TypeScript's error on a Promise names the refusal.
 */
export type CollectorResult = void | { readonly then?: AsyncResultRefusal };

/** One result per record: a function, or an object with `map` (and `open`/`close`). */
export type MapFunction<T, R> =
  | ((value: T) => NotAsync<R>)
  | (RichFunction & {
      /** The result for one record. */
      map(value: T): NotAsync<R>;
    });
/** Whether a record is kept: a function, or an object with `filter` (and `open`/`close`). */
export type FilterFunction<T> =
  | ((value: T) => boolean)
  | (RichFunction & {
      /** Whether the record is kept. */
      filter(value: T): boolean;
    });
/** Emits through `out`: none, one or many records per input. */
export type FlatMapFunction<T, R> =
  | ((value: T, out: Collector<R>) => CollectorResult)
  | (RichFunction & {
      /** Emits the results for one record to `out`. */
      flatMap(value: T, out: Collector<R>): CollectorResult;
    });
/** Returns the records to emit: an array, a generator, any iterable (as `Array.prototype.flatMap` and RxJS take them). */
export type IterableFlatMapFunction<T, R> =
  | ((value: T) => Iterable<R>)
  | (RichFunction & {
      /** The results for one record. */
      flatMap(value: T): Iterable<R>;
    });
/** Folds a record into the value accumulated so far for its key. */
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
