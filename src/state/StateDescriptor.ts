/**
 * State descriptors name a piece of state and say how its values are serialized; a function
 * asks its runtime context for state by descriptor, so the same state is found after restore.
 */
import { Serializer } from './Serializer';
import { StateTtlConfig } from './StateTtlConfig';

abstract class DescriptorBase {
  abstract readonly name: string;
  /** Set by `enableTimeToLive`; undefined: values never expire. */
  ttlConfig: StateTtlConfig | undefined = undefined;
  /** Values of this state expire (see StateTtlConfig). */
  enableTimeToLive(config: StateTtlConfig): this {
    this.ttlConfig = config;
    return this;
  }
}

export class ValueStateDescriptor<T> extends DescriptorBase {
  readonly kind = 'value' as const;
  constructor(
    readonly name: string,
    readonly serializer: Serializer<T>,
    /** Returned by `value()` when the key has no value yet. */
    readonly defaultValue?: T,
  ) {
    super();
  }
}

export class ListStateDescriptor<T> extends DescriptorBase {
  readonly kind = 'list' as const;
  constructor(readonly name: string, readonly serializer: Serializer<T>) {
    super();
  }
}

export class MapStateDescriptor<K, V> extends DescriptorBase {
  readonly kind = 'map' as const;
  constructor(readonly name: string, readonly keySerializer: Serializer<K>, readonly valueSerializer: Serializer<V>) {
    super();
  }
}

export class ReducingStateDescriptor<T> extends DescriptorBase {
  readonly kind = 'reducing' as const;
  constructor(readonly name: string, readonly reduce: (a: T, b: T) => T, readonly serializer: Serializer<T>) {
    super();
  }
}

/** An aggregation as in Flink's AggregateFunction: accumulate inputs, read a result. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}

export class AggregatingStateDescriptor<IN, ACC, OUT> extends DescriptorBase {
  readonly kind = 'aggregating' as const;
  constructor(
    readonly name: string,
    readonly aggregate: AggregateFunction<IN, ACC, OUT>,
    /** Serializes the accumulator, which is what the state stores. */
    readonly serializer: Serializer<ACC>,
  ) {
    super();
  }
}

export type AnyStateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;
