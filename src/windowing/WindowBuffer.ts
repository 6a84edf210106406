/**
 * What a window keeps in state, per key and window: an accumulator (one value however many
 * elements), or, with an evictor, the elements themselves, which the evictor thins out when
 * the window fires. The window operator works with either through this one shape.
 */
import { Collector } from '../graph/Collector';
import { Evictor, TimestampedValue } from './Evictor';
import { WindowContents, WindowContext } from './ProcessWindowFunction';
import { Window } from './Window';

export interface WindowBuffer<IN, S, OUT, KEY> {
  /** `previous` is what the window held, undefined for a new window. */
  add(record: IN, timestamp: number, previous: S | undefined): S;
  /** For merging (session) windows. */
  merge(a: S, b: S): S;
  /**
   * Emits the window's result and returns what the window keeps: `stored` itself when that
   * has not changed, another value to write back, or undefined when nothing is left.
   */
  emit(key: KEY, ctx: WindowContext<Window>, stored: S, out: Collector<OUT>): S | undefined;
}

export function accumulatingBuffer<IN, ACC, OUT, KEY>(contents: WindowContents<IN, ACC, OUT, KEY, Window>): WindowBuffer<IN, ACC, OUT, KEY> {
  return {
    add: (record, _timestamp, previous) => contents.add(record, previous === undefined ? contents.createAccumulator() : previous),
    merge: (a, b) => contents.merge(a, b),
    emit: (key, ctx, acc, out) => {
      contents.emit(key, ctx, acc, out);
      return acc;
    },
  };
}

/**
 * The elements with their timestamps, in arrival order; on firing, evictBefore, the window
 * function over what is left (folded with the same accumulator functions as without an
 * evictor), then evictAfter. A window the evictor emptied before the function emits nothing.
 */
export function evictingBuffer<IN, ACC, OUT, KEY>(
  contents: WindowContents<IN, ACC, OUT, KEY, Window>,
  evictor: Evictor<IN, Window>,
): WindowBuffer<IN, TimestampedValue<IN>[], OUT, KEY> {
  return {
    add: (value, timestamp, previous) => {
      // No timestamp is left out rather than stored as NaN: state is JSON, where NaN is null.
      const element: TimestampedValue<IN> = Number.isNaN(timestamp) ? { value } : { value, timestamp };
      if (previous === undefined) return [element];
      previous.push(element);
      return previous;
    },
    merge: (a, b) => a.concat(b),
    emit: (key, ctx, stored, out) => {
      // A copy: evictors change it in place, and the window's state is written back once.
      const elements = stored.slice();
      evictor.evictBefore(elements, elements.length, ctx.window, ctx);
      if (elements.length > 0) {
        let acc = contents.createAccumulator();
        for (const e of elements) acc = contents.add(e.value, acc);
        contents.emit(key, ctx, acc, out);
      }
      evictor.evictAfter(elements, elements.length, ctx.window, ctx);
      return elements.length === 0 ? undefined : elements;
    },
  };
}
