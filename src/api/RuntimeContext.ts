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
import { OperatorContext } from '../runtime/StreamOperator';
import { MetricGroup } from '../metrics/MetricGroup';

export interface RuntimeContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly indexOfThisSubtask: number;
  readonly numberOfParallelSubtasks: number;
  readonly maxParallelism: number;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** Per-instance (non-keyed) list state, redistributed round-robin when parallelism changes. */
  getOperatorListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** This instance's user metrics: `counter(name)`, `gauge(name, read)`, `histogram(name)`, served with the job's metrics. */
  getMetricGroup(): MetricGroup;
}

/** A function with a lifecycle: `open` before the first record, `close` once at the end. */
export interface RichFunction {
  open?(context: RuntimeContext): void | Promise<void>;
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
