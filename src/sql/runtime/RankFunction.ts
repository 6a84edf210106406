/**
 * Continuous Top-N: per partition, the rows in ranking order in keyed state. After each
 * change the top N before and after are compared and each position that changed is emitted
 * (-U/+U; +I for a position filled for the first time, -D for one that empties), as Flink's
 * Top-N with row numbers does. Over an append-only input only the top N are kept; over an
 * updating one (a ranking of a GROUP BY's results, say) every row is, since a retraction can
 * bring a row from below the top N back into it. In batch mode the final ranking is emitted
 * once, at the end of the input.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../api/functions';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Change, isAccumulate } from '../Change';
import { Row } from '../types';
import { RowComparator } from './rowOrder';
import { END_OF_INPUT, withRetention } from './stateRetention';

const sameRow = (a: Row, b: Row) => a.length === b.length && a.every((v, i) => v === b[i]);

export class RankFunction extends KeyedProcessFunction<string, Change, Change> {
  /** The partition's rows in ranking order (ties in arrival order). */
  private rows!: ValueState<Row[]>;

  constructor(
    private readonly compare: RowComparator,
    private readonly limit: number,
    /** The input retracts rows: keep them all, not only the top N. */
    private readonly retracting: boolean,
    private readonly batch: boolean,
    private readonly retentionMs: number | undefined,
  ) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.rows = ctx.getState(withRetention(new ValueStateDescriptor<Row[]>('rank', Serializers.json()), this.retentionMs));
  }

  processElement(change: Change, ctx: KeyedProcessContext<string>, out: Collector<Change>): void {
    const rows = this.rows.value() ?? [];
    if (rows.length === 0 && this.batch) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
    const before = rows.slice(0, this.limit);
    if (isAccumulate(change.kind)) {
      let at = rows.length;
      while (at > 0 && this.compare(rows[at - 1], change.row) > 0) at--;
      if (at >= this.limit && !this.retracting) return;
      rows.splice(at, 0, change.row);
      if (!this.retracting && rows.length > this.limit) rows.length = this.limit;
    } else {
      const at = rows.findIndex((r) => sameRow(r, change.row));
      // A retraction of a row this partition does not hold (its state expired): nothing to undo.
      if (at < 0) return;
      rows.splice(at, 1);
    }
    if (rows.length === 0) this.rows.clear();
    else this.rows.update(rows);
    if (this.batch) return;
    const after = rows.slice(0, this.limit);
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) out.collect({ kind: '-D', row: [...before[i], i + 1] });
      else if (i >= before.length) out.collect({ kind: '+I', row: [...after[i], i + 1] });
      else if (!sameRow(before[i], after[i])) {
        out.collect({ kind: '-U', row: [...before[i], i + 1] });
        out.collect({ kind: '+U', row: [...after[i], i + 1] });
      }
    }
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<string>, out: Collector<Change>): void {
    (this.rows.value() ?? []).slice(0, this.limit).forEach((row, i) => out.collect({ kind: '+I', row: [...row, i + 1] }));
    this.rows.clear();
  }
}
