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

/**
 * Names a `ValueState` and says how its values are stored: `new ValueStateDescriptor('count', Serializers.number,
 * 0)`.
 */
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

/** Names a `ListState` and says how its elements are stored. */
export class ListStateDescriptor<T> extends DescriptorBase {
  readonly kind = 'list' as const;
  constructor(readonly name: string, readonly serializer: Serializer<T>) {
    super();
  }
}

/** Names a `MapState` and says how its keys and values are stored. */
export class MapStateDescriptor<K, V> extends DescriptorBase {
  readonly kind = 'map' as const;
  constructor(readonly name: string, readonly keySerializer: Serializer<K>, readonly valueSerializer: Serializer<V>) {
    super();
  }
}

/** Names a `ReducingState`: the function that folds added values in, and how the value is stored. */
export class ReducingStateDescriptor<T> extends DescriptorBase {
  readonly kind = 'reducing' as const;
  constructor(
    readonly name: string,
    /** Folds an added value into the kept one. */
    readonly reduce: (a: T, b: T) => T,
    readonly serializer: Serializer<T>,
  ) {
    super();
  }
}

/** An aggregation as in Flink's AggregateFunction: accumulate inputs, read a result. */
export interface AggregateFunction<IN, ACC, OUT> {
  /** A new, empty accumulator. */
  createAccumulator(): ACC;
  /** The accumulator with `value` added. */
  add(value: IN, accumulator: ACC): ACC;
  /** The result the accumulator stands for. */
  getResult(accumulator: ACC): OUT;
  /** One accumulator for both (when session windows merge). */
  merge(a: ACC, b: ACC): ACC;
}

/** Names an `AggregatingState`: its aggregate function, and how the accumulator is stored. */
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

/** A descriptor of any kind of keyed state. */
export type AnyStateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;
