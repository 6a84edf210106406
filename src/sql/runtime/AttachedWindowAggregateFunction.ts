/**
 * A window aggregation over rows that already carry their window (its start and end in two
 * columns, kept from an earlier window aggregation): keyed by the group and the window, the
 * accumulators wait in keyed state until the watermark passes the window's end; then the
 * window's row is emitted once and the state dropped. Rows of a window already emitted are
 * late and dropped, as the window operator drops them.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Accumulation, AggregateCall } from '../aggregates';
import { Change } from '../Change';
import { Compiled } from '../compileExpression';
import { RowKey } from '../rowKey';

interface WindowGroup {
  keys: unknown[];
  start: number;
  end: number;
  accs: unknown[];
}

export class AttachedWindowAggregateFunction extends KeyedProcessFunction<RowKey, Change, Change> {
  private group!: ValueState<WindowGroup>;
  private accumulations!: Accumulation[];

  constructor(
    private readonly keys: readonly Compiled[],
    /** The input columns holding each row's window start and end. */
    private readonly startField: number,
    private readonly endField: number,
    private readonly aggregates: readonly AggregateCall[],
  ) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.group = ctx.getState(new ValueStateDescriptor<WindowGroup>('attached-window-aggregate', Serializers.json()));
    this.accumulations = this.aggregates.map((a) => a.accumulation(false));
  }

  processElement({ row }: Change, ctx: KeyedProcessContext<RowKey>, _out: Collector<Change>): void {
    const end = row[this.endField] as number;
    if (ctx.timerService().currentWatermark() >= end - 1) return;
    let group = this.group.value();
    if (group === undefined) {
      group = { keys: this.keys.map((k) => k.eval(row)), start: row[this.startField] as number, end, accs: this.accumulations.map((a) => a.create()) };
      ctx.timerService().registerEventTimeTimer(end - 1);
    }
    for (let i = 0; i < this.accumulations.length; i++) group.accs[i] = this.accumulations[i].add(group.accs[i], row);
    this.group.update(group);
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    const group = this.group.value();
    if (group === undefined) return;
    out.collect({ kind: '+I', row: [...group.keys, group.start, group.end, group.end - 1, ...this.accumulations.map((a, i) => a.result(group.accs[i]))] });
    this.group.clear();
  }
}
