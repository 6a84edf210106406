/**
 * The lowest-level functions: see each record with a context, emit any number of records,
 * write to side outputs, and (keyed) use state of the current key.
 */
import { Key } from '../state/keyHash';
import { OutputTag } from '../graph/OutputTag';
import { CollectorResult } from './functions';
import { Collector } from '../graph/Collector';

/** What a process function sees with each record: its timestamp, and the side outputs. */
export interface ProcessContext {
  /** Emits to a side output; the tag must be listed in the function's `sideOutputTags`. */
  output<X>(tag: OutputTag<X>, value: X): void;
  /** The current record's event timestamp, undefined when it has none. */
  timestamp(): number | undefined;
  /** The operator's current event-time watermark: the minimum over its inputs, -Infinity before the first. */
  currentWatermark(): number;
}

/** Timers of the current key, as Flink's TimerService. */
export interface TimerService {
  /** The task's processing-time clock, in epoch milliseconds. */
  currentProcessingTime(): number;
  /** The task's current event-time watermark. */
  currentWatermark(): number;
  /** `onTimer(time)` runs once the watermark reaches `time`. */
  registerEventTimeTimer(time: number): void;
  /** `onTimer(time)` runs once the clock reaches `time`. */
  registerProcessingTimeTimer(time: number): void;
  /** Removes the current key's event-time timer at `time`, if any. */
  deleteEventTimeTimer(time: number): void;
  /** Removes the current key's processing-time timer at `time`, if any. */
  deleteProcessingTimeTimer(time: number): void;
}

/** What a keyed process function sees: the current key and its timers besides. */
export interface KeyedProcessContext<K> extends ProcessContext {
  /** The key of the record (or timer) being processed. */
  getCurrentKey(): K;
  /** The timers of the current key. */
  timerService(): TimerService;
}

/** What `onTimer` sees: the timer's key as the current key, and which clock fired it. */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  /** Whether an event-time or a processing-time timer fired. */
  timeDomain(): 'event' | 'processing';
}

/**
 * @example
 * class Evens extends ProcessFunction<number, number> {
 *   readonly sideOutputTags = [odd];
 *   processElement(n: number, ctx: ProcessContext, out: Collector<number>) {
 *     if (n % 2 === 0) out.collect(n); else ctx.output(odd, n);
 *   }
 * }
 */
export abstract class ProcessFunction<I, O> {
  /** The side outputs this function writes to; `getSideOutput` accepts only these. */
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** Emits through `out`; returns nothing (an `async` method is refused: use AsyncDataStream, docs/async-io.md). */
  abstract processElement(value: I, ctx: ProcessContext, out: Collector<O>): CollectorResult;
  // May define open(context: RuntimeContext) and close(), as a RichFunction does; they are
  // not declared here so that subclasses need no `override`.
}

/**
 * A process function on a keyed stream: state accesses refer to the current record's key. It
 * may register timers through `ctx.timerService()` and define
 * `onTimer(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>)`, called with the
 * timer's key as the current key; timers are part of every checkpoint.
 */
export abstract class KeyedProcessFunction<K extends Key, I, O> {
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** Emits through `out`; returns nothing (an `async` method is refused: use AsyncDataStream, docs/async-io.md). */
  abstract processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): CollectorResult;
  // May define open(context: RuntimeContext) and close(), as a RichFunction does; they are
  // not declared here so that subclasses need no `override`.
}
