/**
 * Evictors, as in Flink: with an evictor a window keeps its elements (not an accumulator), and
 * when the trigger fires the evictor removes some of them before the window function sees them
 * (evictBefore) or after (evictAfter). Removed elements are gone for every later firing of the
 * window too.
 *
 * @example
 * // The last 100 readings of each sensor, every 10 readings (Flink's countWindow(100, 10)):
 * readings.keyBy((r) => r.sensor)
 *   .window(GlobalWindows.create())
 *   .trigger(CountTrigger.of(10))
 *   .evictor(CountEvictor.of(100))
 *   .aggregate(average);
 */
import { Duration, toMillis } from '../time/Time';
import { Window } from './Window';

/** A window element with the timestamp its record carried (none in processing time without timestamps). */
export interface TimestampedValue<T> {
  readonly value: T;
  /** Absent when the record had no timestamp. */
  readonly timestamp?: number;
}

/** The clocks an evictor can read. */
export interface EvictorContext {
  /** The task's current event-time watermark. */
  currentWatermark(): number;
  /** The task's processing-time clock, in epoch milliseconds. */
  currentProcessingTime(): number;
}

/** Removes elements from a window before or after its function runs (`WindowedStream.evictor`). */
export interface Evictor<T, W extends Window = Window> {
  /**
   * Before the window function: remove, in place, the elements it must not see from
   * `elements` (the window's elements in arrival order; `size` is their number).
   */
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  /** After the window function: remove, in place, the elements later firings must not see. */
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}

/** Removes, in place, the elements of `elements` that `evict` picks; keeps the order of the rest. */
function removeWhere<T>(elements: TimestampedValue<T>[], evict: (e: TimestampedValue<T>, index: number) => boolean): void {
  let kept = 0;
  for (let i = 0; i < elements.length; i++) {
    if (!evict(elements[i], i)) elements[kept++] = elements[i];
  }
  elements.length = kept;
}

/** Evicts before or after the window function, as `doEvictAfter` says (before by default, as in Flink). */
function evictingAt<T>(doEvictAfter: boolean, evict: (elements: TimestampedValue<T>[], size: number) => void): Evictor<T, Window> {
  return {
    evictBefore: (elements, size) => {
      if (!doEvictAfter) evict(elements, size);
    },
    evictAfter: (elements, size) => {
      if (doEvictAfter) evict(elements, size);
    },
  };
}

/** Keeps the last `maxCount` elements of the window (the earliest arrivals go). */
export const CountEvictor = {
  /** Keeps the last `maxCount` elements (before the window function, or after it with `doEvictAfter`). */
  of<T>(maxCount: number, doEvictAfter = false): Evictor<T, Window> {
    if (!Number.isInteger(maxCount) || maxCount < 0) throw new RangeError(`CountEvictor.of: maxCount must be a non-negative integer, got ${maxCount}`);
    return evictingAt<T>(doEvictAfter, (elements, size) => {
      if (size > maxCount) removeWhere(elements, (_e, i) => i < size - maxCount);
    });
  },
};

/**
 * Keeps the elements within `windowSize` of the window's latest element: those with a
 * timestamp at or before (latest timestamp - windowSize) go. Does nothing when the elements
 * carry no timestamps.
 */
export const TimeEvictor = {
  /** Keeps the elements within `windowSize` of the window's latest timestamp. */
  of<T>(windowSize: Duration, doEvictAfter = false): Evictor<T, Window> {
    const size = toMillis(windowSize);
    if (!(size >= 0)) throw new RangeError(`TimeEvictor.of: the window size must be at least 0 ms, got ${size}`);
    return evictingAt<T>(doEvictAfter, (elements) => {
      if (elements.length === 0 || elements[0].timestamp === undefined) return;
      let latest = -Infinity;
      for (const e of elements) if (e.timestamp !== undefined && e.timestamp > latest) latest = e.timestamp;
      const cutoff = latest - size;
      removeWhere(elements, (e) => e.timestamp !== undefined && e.timestamp <= cutoff);
    });
  },
};

/** How far apart two elements are, for DeltaEvictor. */
export type DeltaFunction<T> = (a: T, b: T) => number;

/** Evicts the elements whose delta to the window's last element is `threshold` or more. */
export const DeltaEvictor = {
  /** Removes the elements whose delta to the window's last element is at least `threshold`. */
  of<T>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): Evictor<T, Window> {
    if (Number.isNaN(threshold)) throw new RangeError('DeltaEvictor.of: the threshold must be a number');
    return evictingAt<T>(doEvictAfter, (elements) => {
      if (elements.length === 0) return;
      const last = elements[elements.length - 1].value;
      removeWhere(elements, (e) => deltaFunction(e.value, last) >= threshold);
    });
  },
};
