/**
 * Functions over a stream connected to a broadcast stream (`events.connect(rules.broadcast(d))`),
 * as Flink's BroadcastProcessFunction and KeyedBroadcastProcessFunction. Every instance sees
 * every broadcast element and may write the broadcast state there; the other side reads it
 * only, so every instance keeps the same copy (docs/api.md, "Broadcast state").
 */
import { Key } from '../state/keyHash';
import { BroadcastState, ReadOnlyBroadcastState } from '../state/BroadcastState';
import {
  AggregatingStateDescriptor,
  AnyStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/StateDescriptor';
import { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/State';
import { OutputTag } from '../graph/OutputTag';
import { CollectorResult } from './functions';
import { Collector } from '../graph/Collector';
import { KeyedProcessContext, OnTimerContext } from './ProcessFunction';

/** What both sides of a broadcast function see with each element. */
export interface BroadcastBaseContext {
  /** Emits to a side output; the tag must be listed in the function's `sideOutputTags`. */
  output<X>(tag: OutputTag<X>, value: X): void;
  /** The current element's event timestamp, undefined when it has none. */
  timestamp(): number | undefined;
  /** The task's processing-time clock, in epoch milliseconds. */
  currentProcessingTime(): number;
  /** The operator's current event-time watermark (the minimum over both inputs). */
  currentWatermark(): number;
}

/** The non-broadcast side's context: the broadcast state, read-only. */
export interface ReadOnlyContext extends BroadcastBaseContext {
  /** A broadcast state the broadcast stream declared (`broadcast(descriptor)`), read-only. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** The broadcast side's context: the broadcast state, writable. */
export interface BroadcastContext extends BroadcastBaseContext {
  /** A broadcast state the broadcast stream declared (`broadcast(descriptor)`), writable. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/** The keyed side's context: the current key and its timers besides the read-only broadcast state. */
export interface KeyedReadOnlyContext<K> extends ReadOnlyContext, Omit<KeyedProcessContext<K>, 'output' | 'timestamp'> {}

/** `onTimer`'s context on a keyed broadcast function: the timer's key, its clock, and the read-only broadcast state. */
export interface KeyedBroadcastOnTimerContext<K> extends KeyedReadOnlyContext<K>, Pick<OnTimerContext<K>, 'timeDomain'> {}

/** The keyed state a descriptor names. */
export type StateOf<D> = D extends ValueStateDescriptor<infer T>
  ? ValueState<T>
  : D extends ListStateDescriptor<infer T>
    ? ListState<T>
    : D extends MapStateDescriptor<infer MK, infer MV>
      ? MapState<MK, MV>
      : D extends ReducingStateDescriptor<infer T>
        ? ReducingState<T>
        : D extends AggregatingStateDescriptor<infer IN, any, infer OUT>
          ? AggregatingState<IN, OUT>
          : never;

/** A function applied to the state of one key (`applyToKeyedState`). */
export type KeyedStateFunction<K, S> = (key: K, state: S) => void;

/** The keyed variant's broadcast-side context: `applyToKeyedState` reaches the keyed state of every key of this instance. */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /**
   * Calls `fn` with each key of this instance that has a value in the state `descriptor`
   * names, and that key's state; the state may be read, changed or cleared. The memory
   * backend lists its keys; the Redis backend cannot and refuses.
   */
  applyToKeyedState<D extends AnyStateDescriptor>(descriptor: D, fn: KeyedStateFunction<K, StateOf<D>>): void;
}

/**
 * On a non-keyed stream connected to a broadcast stream.
 * @example
 * class Thresholds extends BroadcastProcessFunction<Reading, Rule, string> {
 *   processElement(r: Reading, ctx: ReadOnlyContext, out: Collector<string>) {
 *     const limit = ctx.getBroadcastState(rules).get(r.sensor);
 *     if (limit !== undefined && r.value > limit) out.collect(`${r.sensor} over ${limit}`);
 *   }
 *   processBroadcastElement(rule: Rule, ctx: BroadcastContext) {
 *     ctx.getBroadcastState(rules).put(rule.sensor, rule.limit);
 *   }
 * }
 */
export abstract class BroadcastProcessFunction<I1, I2, O> {
  /** The side outputs this function writes to; `getSideOutput` accepts only these. */
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** One element of the non-broadcast stream; the broadcast state is read-only here. */
  abstract processElement(value: I1, ctx: ReadOnlyContext, out: Collector<O>): CollectorResult;
  /** One element of the broadcast stream, on every instance; the broadcast state is writable here. */
  abstract processBroadcastElement(value: I2, ctx: BroadcastContext, out: Collector<O>): CollectorResult;
  // May define open(context: RuntimeContext) and close(), as a RichFunction does.
}

/**
 * On a keyed stream connected to a broadcast stream: processElement has the state and timers
 * of the current key, processBroadcastElement reaches every key's state through
 * `applyToKeyedState` and has no current key (keyed state is not meant to be used there
 * otherwise). May define `onTimer(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<O>)`.
 */
export abstract class KeyedBroadcastProcessFunction<K extends Key, I1, I2, O> {
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** One element of the keyed stream, with its key's state and timers; the broadcast state is read-only here. */
  abstract processElement(value: I1, ctx: KeyedReadOnlyContext<K>, out: Collector<O>): CollectorResult;
  /** One element of the broadcast stream, on every instance; the broadcast state is writable here. */
  abstract processBroadcastElement(value: I2, ctx: KeyedBroadcastContext<K>, out: Collector<O>): CollectorResult;
  // May define open(context: RuntimeContext) and close(), as a RichFunction does.
}
