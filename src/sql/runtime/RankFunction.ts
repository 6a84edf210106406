/**
 * Continuous Top-N: per partition, the rows in ranking order in keyed state. After each
 * change the ranked rows before and after are compared and the difference emitted as a
 * changelog:
 * - ROW_NUMBER, numbered: per position that changed, -U/+U (+I for a position filled for the
 *   first time, -D for one that empties), as Flink's Top-N with row numbers does;
 * - RANK and DENSE_RANK, numbered: per row, -U/+U when its number changes, +I when it enters
 *   the range, -D when it leaves (ties share a number, so positions do not identify rows);
 * - without the number (ORDER BY … LIMIT): -D for a row that leaves, +I for one that enters.
 * Over an append-only input only the rows that can still be in range are kept (a new row only
 * pushes the others down); over an updating one (a ranking of a GROUP BY's results, say) every
 * row is, since a retraction can bring a row from below back into range. In batch mode the
 * final ranking is emitted once, at the end of the input.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Change, isAccumulate } from '../Change';
import { Row } from '../types';
import { RankFunctionName, RankRange, Ranked, rankRows, rowsWithinReach } from './rankNumbers';
import { RowComparator } from './rowOrder';
import { END_OF_INPUT, withRetention } from './stateRetention';
import { RowKey } from '../rowKey';

const sameRow = (a: Row, b: Row) => a.length === b.length && a.every((v, i) => v === b[i]);

export interface RankOptions {
  readonly fn: RankFunctionName;
  readonly compare: RowComparator;
  readonly range: RankRange;
  /** Output rows end with their number (a rank column); ORDER BY … LIMIT has none. */
  readonly numbered: boolean;
  /** The input retracts rows: keep them all, not only those that can be in range. */
  readonly retracting: boolean;
  readonly batch: boolean;
  readonly retentionMs: number | undefined;
}

export class RankFunction extends KeyedProcessFunction<RowKey, Change, Change> {
  /** The partition's rows in ranking order (ties in arrival order). */
  private rows!: ValueState<Row[]>;

  constructor(private readonly options: RankOptions) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.rows = ctx.getState(withRetention(new ValueStateDescriptor<Row[]>('rank', Serializers.json()), this.options.retentionMs));
  }

  private ranked(rows: readonly Row[]): Ranked[] {
    return rankRows(this.options.fn, this.options.compare, rows, this.options.range);
  }

  private output(r: Ranked): Row {
    return this.options.numbered ? [...r.row, r.rank] : r.row;
  }

  processElement(change: Change, ctx: KeyedProcessContext<RowKey>, out: Collector<Change>): void {
    const { compare, retracting, batch, fn, range } = this.options;
    const rows = this.rows.value() ?? [];
    if (rows.length === 0 && batch) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
    const before = batch ? [] : this.ranked(rows);
    if (isAccumulate(change.kind)) {
      let at = rows.length;
      while (at > 0 && compare(rows[at - 1], change.row) > 0) at--;
      rows.splice(at, 0, change.row);
      if (!retracting) {
        const keep = rowsWithinReach(fn, compare, rows, range.last);
        // The new row fell out of reach itself: nothing changed (taken out again, so the state
        // held is the state written: a snapshot holds only what was written back).
        if (at >= keep) {
          rows.splice(at, 1);
          return;
        }
        rows.length = keep;
      }
    } else {
      const at = rows.findIndex((r) => sameRow(r, change.row));
      // A retraction of a row this partition does not hold (its state expired): nothing to undo.
      if (at < 0) return;
      rows.splice(at, 1);
    }
    if (rows.length === 0) this.rows.clear();
    else this.rows.update(rows);
    if (batch) return;
    const after = this.ranked(rows);
    if (!this.options.numbered) this.emitRowsChanged(before, after, out);
    else if (fn === 'ROW_NUMBER') this.emitPositionsChanged(before, after, out);
    else this.emitNumbersChanged(before, after, out);
  }

  /** ROW_NUMBER: the rows at each position, before and after (positions are the update key). */
  private emitPositionsChanged(before: readonly Ranked[], after: readonly Ranked[], out: Collector<Change>): void {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) out.collect({ kind: '-D', row: this.output(before[i]) });
      else if (i >= before.length) out.collect({ kind: '+I', row: this.output(after[i]) });
      else if (!sameRow(before[i].row, after[i].row)) {
        out.collect({ kind: '-U', row: this.output(before[i]) });
        out.collect({ kind: '+U', row: this.output(after[i]) });
      }
    }
  }

  /** RANK, DENSE_RANK: each row (the update key) with its number before and after. */
  private emitNumbersChanged(before: readonly Ranked[], after: readonly Ranked[], out: Collector<Change>): void {
    const unmatched = [...before];
    const matches = after.map((a) => {
      const i = unmatched.findIndex((b) => sameRow(b.row, a.row));
      return i < 0 ? undefined : unmatched.splice(i, 1)[0];
    });
    for (const gone of unmatched) out.collect({ kind: '-D', row: this.output(gone) });
    after.forEach((a, i) => {
      const was = matches[i];
      if (was === undefined) out.collect({ kind: '+I', row: this.output(a) });
      else if (was.rank !== a.rank) {
        out.collect({ kind: '-U', row: this.output(was) });
        out.collect({ kind: '+U', row: this.output(a) });
      }
    });
  }

  /** Without numbers: the rows that left and the rows that entered. */
  private emitRowsChanged(before: readonly Ranked[], after: readonly Ranked[], out: Collector<Change>): void {
    const unmatched = [...before];
    const entered = after.filter((a) => {
      const i = unmatched.findIndex((b) => sameRow(b.row, a.row));
      if (i < 0) return true;
      unmatched.splice(i, 1);
      return false;
    });
    for (const gone of unmatched) out.collect({ kind: '-D', row: gone.row });
    for (const a of entered) out.collect({ kind: '+I', row: a.row });
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    for (const r of this.ranked(this.rows.value() ?? [])) out.collect({ kind: '+I', row: this.output(r) });
    this.rows.clear();
  }
}
