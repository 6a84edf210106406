/**
 * Window Top-N: per partition (which includes window_start and window_end), the window's rows
 * wait in keyed state until the watermark passes the window's end; then the rows numbered
 * within the range (ROW_NUMBER, RANK or DENSE_RANK) are emitted with their number, once, and
 * the state is dropped.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { ListState } from '../../state/State';
import { ListStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Change } from '../Change';
import { Row } from '../types';
import { RankFunctionName, RankRange, rankRows } from './rankNumbers';
import { RowComparator } from './rowOrder';
import { RowKey } from '../rowKey';

export class WindowRankFunction extends KeyedProcessFunction<RowKey, Change, Change> {
  private rows!: ListState<Row>;

  constructor(
    private readonly windowEnd: number,
    private readonly fn: RankFunctionName,
    private readonly compare: RowComparator,
    private readonly range: RankRange,
  ) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.rows = ctx.getListState(new ListStateDescriptor<Row>('window-rank', Serializers.json()));
  }

  processElement(change: Change, ctx: KeyedProcessContext<RowKey>, _out: Collector<Change>): void {
    const fireAt = (change.row[this.windowEnd] as number) - 1;
    // A row for a window already ranked is late: its ranking has been emitted.
    if (ctx.timerService().currentWatermark() >= fireAt) return;
    this.rows.add(change.row);
    ctx.timerService().registerEventTimeTimer(fireAt);
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    // The sort is stable: ties stay in arrival order.
    for (const { row, rank } of rankRows(this.fn, this.compare, this.rows.get().sort(this.compare), this.range)) out.collect({ kind: '+I', row: [...row, rank] });
    this.rows.clear();
  }
}
