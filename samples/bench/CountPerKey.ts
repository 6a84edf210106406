/** The keyed benchmarks' function: counts records per key in ValueState and emits the key's new count. */
import { KeyedProcessFunction } from '../../src/api/ProcessFunction';
import type { KeyedProcessContext } from '../../src/api/ProcessFunction';
import type { Collector } from '../../src/graph/Collector';
import type { RuntimeContext } from '../../src/api/RuntimeContext';
import { Serializers } from '../../src/state/Serializer';
import type { ValueState } from '../../src/state/State';
import { ValueStateDescriptor } from '../../src/state/StateDescriptor';
import type { Trade } from './workloads';

export class CountPerKey<IN = Trade> extends KeyedProcessFunction<number, IN, number> {
  private count!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(_event: IN, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const n = this.count.value()! + 1;
    this.count.update(n);
    out.collect(n);
  }
}
