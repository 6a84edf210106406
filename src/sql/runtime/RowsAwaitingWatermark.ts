/**
 * Rows held in keyed state until the watermark passes their event time: the buffer of the
 * operators that emit rows in event-time order (OVER aggregations, ORDER BY a time attribute).
 * A row whose time is not ahead of the watermark is late and goes to the operator's late rows.
 */
import { OutputTag } from '../../graph/OutputTag';
import { KeyedProcessContext } from '../../api/ProcessFunction';
import { MapState } from '../../state/State';
import { Row } from '../types';
import type { LateRow } from './OverAggregateFunction';
import { RowKey } from '../rowKey';

export class RowsAwaitingWatermark {
  constructor(
    private readonly pending: MapState<number, Row[]>,
    private readonly timeField: number,
    private readonly lateRows: OutputTag<LateRow>,
  ) {}

  /** Keeps the row until the watermark passes its time (one timer per time), or reports it late. */
  hold(row: Row, ctx: KeyedProcessContext<RowKey>): void {
    const time = row[this.timeField] as number | null;
    const watermark = ctx.timerService().currentWatermark();
    if (time === null || !(time > watermark)) {
      ctx.output(this.lateRows, { row, watermark });
      return;
    }
    const waiting = this.pending.get(time);
    if (waiting === undefined) {
      this.pending.put(time, [row]);
      ctx.timerService().registerEventTimeTimer(time);
    } else {
      waiting.push(row);
      this.pending.put(time, waiting);
    }
  }

  /** The rows of `time` in arrival order, taken out of state (undefined when there are none). */
  take(time: number): Row[] | undefined {
    const rows = this.pending.get(time);
    if (rows !== undefined) this.pending.remove(time);
    return rows;
  }
}
