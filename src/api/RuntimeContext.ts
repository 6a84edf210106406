/**
 * What a function sees of the runtime: where it runs, and its state. Keyed state is available
 * to functions on a keyed stream; operator list state to any function.
 */
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/State';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/StateDescriptor';
import { OperatorContext } from '../graph/StreamOperator';
import { MetricGroup } from '../metrics/MetricGroup';

/** What a function sees of the runtime in `open`: where it runs (job, operator, instance) and its state. */
export interface RuntimeContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly indexOfThisSubtask: number;
  readonly numberOfParallelSubtasks: number;
  readonly maxParallelism: number;
  /** The value state the descriptor names, of the current key (keyed streams only). */
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  /** The list state the descriptor names, of the current key (keyed streams only). */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** The map state the descriptor names, of the current key (keyed streams only). */
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  /** The reducing state the descriptor names, of the current key (keyed streams only). */
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  /** The aggregating state the descriptor names, of the current key (keyed streams only). */
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** Per-instance (non-keyed) list state, redistributed round-robin when parallelism changes. */
  getOperatorListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** This instance's user metrics: `counter(name)`, `gauge(name, read)`, `histogram(name)`, served with the job's metrics. */
  getMetricGroup(): MetricGroup;
}

/** A function with a lifecycle: `open` before the first record, `close` once at the end. */
export interface RichFunction {
  /** Before the first record of this instance: take state, open resources. */
  open?(context: RuntimeContext): void | Promise<void>;
  /** Once, when the instance stops (end of input, failure or cancel): release resources. */
  close?(): void | Promise<void>;
}

export function runtimeContextOf(ctx: OperatorContext): RuntimeContext {
  const keyed = (): KeyedStateBackend => {
    if (ctx.keyedState === undefined) {
      throw new Error(`operator '${ctx.operatorName}': keyed state is only available on a keyed stream; call keyBy(...) first`);
    }
    return ctx.keyedState;
  };
  const group = ctx.metricGroup ?? new MetricGroup();
  return {
    jobName: ctx.jobName,
    operatorName: ctx.operatorName,
    indexOfThisSubtask: ctx.index,
    numberOfParallelSubtasks: ctx.parallelism,
    maxParallelism: ctx.maxParallelism,
    getState: (d) => keyed().getValueState(d),
    getListState: (d) => keyed().getListState(d),
    getMapState: (d) => keyed().getMapState(d),
    getReducingState: (d) => keyed().getReducingState(d),
    getAggregatingState: (d) => keyed().getAggregatingState(d),
    getOperatorListState: (d) => ctx.operatorState.getListState(d),
    getMetricGroup: () => group,
  };
}
