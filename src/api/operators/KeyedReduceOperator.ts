/**
 * Rolling reduce per key: folds each record into the key's value and emits the new value,
 * one output per input, as Flink's reduce on a keyed stream does.
 */
import { KeySelector } from '../../graph/Partitioning';
import { OperatorContext } from '../../graph/StreamOperator';
import { Serializers } from '../../state/Serializer';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { ReduceFunction } from '../functions';
import { KeyedOperator } from './KeyedOperator';

export class KeyedReduceOperator<T> extends KeyedOperator<T, T> {
  private value!: ValueState<T>;
  constructor(private readonly reduce: ReduceFunction<T>, keySelector: KeySelector<T>) {
    super({}, keySelector);
  }
  protected override onOpen(context: OperatorContext): void {
    super.onOpen(context);
    this.value = this.state.getValueState(new ValueStateDescriptor<T>('reduce', Serializers.json<T>()));
  }
  processElement(record: T): void {
    this.enterKey(record);
    const current = this.value.value();
    const next = current === undefined ? record : this.reduce(current, record);
    this.value.update(next);
    this.out.collect(next);
  }
}
