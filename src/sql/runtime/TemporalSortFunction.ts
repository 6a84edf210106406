/**
 * ORDER BY an ascending time attribute on a stream (Flink's temporal sort): rows wait in
 * keyed state, by time, until the watermark passes their time; then the rows of that time are
 * emitted (+I, append-only) sorted by the remaining ORDER BY keys, in arrival order among
 * equals. A row at or behind the watermark can no longer be put in order: it is late, left out
 * of the result and sent to the late-rows side output. State holds only rows not yet emitted.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { OutputTag } from '../../graph/OutputTag';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { MapStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Change } from '../Change';
import { Row } from '../types';
import type { LateRow } from './OverAggregateFunction';
import { RowComparator } from './rowOrder';
import { RowsAwaitingWatermark } from './RowsAwaitingWatermark';
import { RowKey } from '../rowKey';

export const sortLateRows = new OutputTag<LateRow>('sql-sort-late-rows');

export class TemporalSortFunction extends KeyedProcessFunction<RowKey, Change, Change> {
  override readonly sideOutputTags = [sortLateRows];
  private pending!: RowsAwaitingWatermark;

  /** `tieBreak` orders the rows of one time (the ORDER BY keys after the time attribute). */
  constructor(private readonly timeField: number, private readonly tieBreak: RowComparator) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.pending = new RowsAwaitingWatermark(ctx.getMapState(new MapStateDescriptor<number, Row[]>('sort-pending', Serializers.json(), Serializers.json())), this.timeField, sortLateRows);
  }

  processElement(change: Change, ctx: KeyedProcessContext<RowKey>, _out: Collector<Change>): void {
    this.pending.hold(change.row, ctx);
  }

  onTimer(time: number, _ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    const rows = this.pending.take(time);
    if (rows === undefined) return;
    // Array.prototype.sort is stable: equal rows keep their arrival order.
    for (const row of rows.sort(this.tieBreak)) out.collect({ kind: '+I', row });
  }
}
