/**
 * Functions over two connected streams (`a.connect(b)`): one method per input, as Flink's
 * CoProcessFunction and KeyedCoProcessFunction. On keyed connected streams both inputs share
 * the keyed state and timers of the current key, which is what a keyed join keeps.
 */
import { Key } from '../state/keyHash';
import { OutputTag } from '../graph/OutputTag';
import { CollectorResult } from './functions';
import { Collector } from '../graph/Collector';
import { KeyedProcessContext, ProcessContext } from './ProcessFunction';

/**
 * @example
 * class Merge extends CoProcessFunction<number, string, string> {
 *   processElement1(n: number, _ctx: ProcessContext, out: Collector<string>) { out.collect(`n${n}`); }
 *   processElement2(s: string, _ctx: ProcessContext, out: Collector<string>) { out.collect(s); }
 * }
 */
export abstract class CoProcessFunction<I1, I2, O> {
  /** The side outputs this function writes to; `getSideOutput` accepts only these. */
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** Handles one record of the first input. */
  abstract processElement1(value: I1, ctx: ProcessContext, out: Collector<O>): CollectorResult;
  /** Handles one record of the second input. */
  abstract processElement2(value: I2, ctx: ProcessContext, out: Collector<O>): CollectorResult;
  // May define open(context: RuntimeContext) and close(), as a RichFunction does.
}

/**
 * A co-process function on keyed connected streams (`a.connect(b).keyBy(k1, k2)`): state
 * accesses refer to the current record's key, whichever input it came from. It may register
 * timers and define `onTimer(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>)`.
 */
export abstract class KeyedCoProcessFunction<K extends Key, I1, I2, O> {
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** Handles one record of the first input, with the state and timers of its key. */
  abstract processElement1(value: I1, ctx: KeyedProcessContext<K>, out: Collector<O>): CollectorResult;
  /** Handles one record of the second input, with the state and timers of its key. */
  abstract processElement2(value: I2, ctx: KeyedProcessContext<K>, out: Collector<O>): CollectorResult;
  // May define open(context: RuntimeContext) and close(), as a RichFunction does.
}
