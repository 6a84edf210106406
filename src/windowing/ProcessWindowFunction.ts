/**
 * The window functions users write: a ProcessWindowFunction sees all of a window's elements
 * (or, after an aggregate or reduce, its one result) with the window and the key.
 */
import { OutputTag } from '../graph/OutputTag';
import { Collector } from '../graph/Collector';
import { Window } from './Window';

/** What a window function sees besides the elements: the window, the clocks and side outputs. */
export interface WindowContext<W extends Window> {
  readonly window: W;
  /** The task's current event-time watermark. */
  currentWatermark(): number;
  /** The task's processing-time clock, in epoch milliseconds. */
  currentProcessingTime(): number;
  /** Emits to a side output; the tag must be listed in `sideOutputTags`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** A function of all the elements of a key's window, called each time the window fires. */
export abstract class ProcessWindowFunction<IN, OUT, KEY, W extends Window = Window> {
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** Emits the results of one firing of the window of `key`, from its `elements` in arrival order. */
  abstract process(key: KEY, context: WindowContext<W>, elements: readonly IN[], out: Collector<OUT>): void;
}

/**
 * How a window operator accumulates elements and turns the accumulator into output: the one
 * shape behind reduce, aggregate and process.
 */
export interface WindowContents<IN, ACC, OUT, KEY, W extends Window> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  /** For merging (session) windows. */
  merge(a: ACC, b: ACC): ACC;
  emit(key: KEY, context: WindowContext<W>, accumulator: ACC, out: Collector<OUT>): void;
}
