/**
 * The window functions users write: a ProcessWindowFunction sees all of a window's elements
 * (or, after an aggregate or reduce, its one result) with the window and the key.
 */
import { OutputTag } from '../api/OutputTag';
import { Collector } from '../api/functions';
import { Window } from './Window';

export interface WindowContext<W extends Window> {
  readonly window: W;
  currentWatermark(): number;
  currentProcessingTime(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

export abstract class ProcessWindowFunction<IN, OUT, KEY, W extends Window = Window> {
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
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
