/**
 * State descriptors name a piece of state and say how its values are serialized; a function
 * asks its runtime context for state by descriptor, so the same state is found after restore.
 */
import { Serializer } from './Serializer';

interface DescriptorBase {
  readonly name: string;
}

export class ValueStateDescriptor<T> implements DescriptorBase {
  readonly kind = 'value' as const;
  constructor(
    readonly name: string,
    readonly serializer: Serializer<T>,
    /** Returned by `value()` when the key has no value yet. */
    readonly defaultValue?: T,
  ) {}
}

export class ListStateDescriptor<T> implements DescriptorBase {
  readonly kind = 'list' as const;
  constructor(readonly name: string, readonly serializer: Serializer<T>) {}
}

export class MapStateDescriptor<K, V> implements DescriptorBase {
  readonly kind = 'map' as const;
  constructor(readonly name: string, readonly keySerializer: Serializer<K>, readonly valueSerializer: Serializer<V>) {}
}

export class ReducingStateDescriptor<T> implements DescriptorBase {
  readonly kind = 'reducing' as const;
  constructor(readonly name: string, readonly reduce: (a: T, b: T) => T, readonly serializer: Serializer<T>) {}
}

/** An aggregation as in Flink's AggregateFunction: accumulate inputs, read a result. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}

export class AggregatingStateDescriptor<IN, ACC, OUT> implements DescriptorBase {
  readonly kind = 'aggregating' as const;
  constructor(
    readonly name: string,
    readonly aggregate: AggregateFunction<IN, ACC, OUT>,
    /** Serializes the accumulator, which is what the state stores. */
    readonly serializer: Serializer<ACC>,
  ) {}
}

export type AnyStateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;
