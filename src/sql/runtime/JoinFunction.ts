/**
 * A regular join on equal keys: both inputs, tagged with their side, are keyed by the join key;
 * each side's rows (with their multiplicity) stay in keyed state, and a change on one side is
 * joined with the other side's rows. The joined row keeps the change's kind (an insert joins
 * as inserts, a retraction retracts what it joined). LEFT JOIN also emits the left row padded
 * with NULLs while it has no match, and retracts that row once a match arrives (FULL JOIN: either
 * side). State expires after the table environment's idle-state retention, when set; in
 * interval and window joins, each row's state goes when the watermark passes its expiry.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { MapState } from '../../state/State';
import { MapStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Change, RowKind, isAccumulate } from '../Change';
import { Compiled } from '../compileExpression';
import { Row } from '../types';
import { withRetention } from './stateRetention';
import { RowKey } from '../rowKey';

export interface SideChange {
  readonly side: 0 | 1;
  readonly change: Change;
}

/** A row on one side: how many times it is there and, on a LEFT JOIN's left, how many matches it has. */
type Entry = [row: Row, count: number, matches: number];

/**
 * For interval and window joins: the event time after which a row of each side can match
 * nothing more, when its state is dropped.
 */
export interface RowExpiry {
  readonly left: (row: Row) => number;
  readonly right: (row: Row) => number;
  /**
   * Interval joins: each row's own time attribute. As in Flink, a row is late (dropped) when
   * its time is behind the watermark; a row on time still joins the other side's rows in state
   * even when it can match nothing later, and is then not stored.
   * Window joins (absent): a row is late once the watermark reaches its window's last
   * millisecond.
   */
  readonly rowTime?: { readonly left: (row: Row) => number; readonly right: (row: Row) => number };
  /**
   * Cleanup timers are rounded up to a multiple of this (ms): rows expiring each at its own
   * time (interval joins) then share a timer, and a key's rows are scanned once per period
   * instead of once per row, which made a key with many rows quadratic. Rows stay up to one
   * period past their expiry, harmless since the join condition is checked on every match.
   */
  readonly cleanupEveryMs: number;
}

export class JoinFunction extends KeyedProcessFunction<RowKey, SideChange, Change> {
  private sides!: [MapState<string, Entry>, MapState<string, Entry>];

  constructor(
    /** Per side: its rows are emitted padded with NULLs while they have no match (LEFT: the left side; FULL: both). */
    private readonly outer: readonly [boolean, boolean],
    /** The number of columns of each side. */
    private readonly widths: readonly [number, number],
    private readonly condition: Compiled | undefined,
    private readonly retentionMs: number | undefined,
    private readonly expiry?: RowExpiry,
  ) {
    super();
  }

  open(ctx: RuntimeContext): void {
    const side = (name: string) => ctx.getMapState(withRetention(new MapStateDescriptor<string, Entry>(name, Serializers.string, Serializers.json()), this.retentionMs));
    this.sides = [side('join-left'), side('join-right')];
  }

  private joined(left: Row, right: Row): Row | undefined {
    const row = [...left, ...right];
    return this.condition === undefined || this.condition.eval(row) === true ? row : undefined;
  }

  private padded(side: 0 | 1, row: Row): Row {
    const nulls = new Array(this.widths[1 - side]).fill(null);
    return side === 0 ? [...row, ...nulls] : [...nulls, ...row];
  }

  processElement({ side, change }: SideChange, ctx: KeyedProcessContext<RowKey>, out: Collector<Change>): void {
    let stored = true;
    if (this.expiry !== undefined) {
      const watermark = ctx.timerService().currentWatermark();
      const expires = (side === 0 ? this.expiry.left : this.expiry.right)(change.row);
      const rowTime = this.expiry.rowTime;
      const late = rowTime !== undefined ? (side === 0 ? rowTime.left : rowTime.right)(change.row) < watermark : watermark >= expires;
      if (late) return;
      stored = watermark < expires;
      const every = this.expiry.cleanupEveryMs;
      if (stored) ctx.timerService().registerEventTimeTimer(Math.ceil(expires / every) * every);
    }
    const mine = this.sides[side];
    const other = this.sides[1 - side];
    const id = JSON.stringify(change.row);
    const adding = isAccumulate(change.kind);
    const emit = (kind: RowKind, row: Row, times: number) => {
      for (let i = 0; i < times; i++) out.collect({ kind, row });
    };
    let matches = 0;
    for (const [otherId, [otherRow, count, otherMatches]] of other.entries()) {
      const row = side === 0 ? this.joined(change.row, otherRow) : this.joined(otherRow, change.row);
      if (row === undefined) continue;
      matches += count;
      const otherSide = (1 - side) as 0 | 1;
      if (this.outer[otherSide]) {
        // The other side's row gains or loses a match: swap its NULL-padded row in or out.
        if (adding && otherMatches === 0) emit('-D', this.padded(otherSide, otherRow), count);
        const now = otherMatches + (adding ? 1 : -1);
        other.put(otherId, [otherRow, count, now]);
        emit(change.kind, row, count);
        if (!adding && now === 0) emit('+I', this.padded(otherSide, otherRow), count);
      } else emit(change.kind, row, count);
    }
    if (this.outer[side] && matches === 0) emit(adding ? '+I' : '-D', this.padded(side, change.row), 1);
    if (!stored) return;
    const current = mine.get(id);
    const count = (current?.[1] ?? 0) + (adding ? 1 : -1);
    if (count <= 0) mine.remove(id);
    else mine.put(id, [change.row, count, matches]);
  }

  onTimer(timestamp: number, _ctx: OnTimerContext<RowKey>, _out: Collector<Change>): void {
    const expiry = this.expiry!;
    this.sides.forEach((state, side) => {
      const expires = side === 0 ? expiry.left : expiry.right;
      for (const [id, [row]] of state.entries()) if (expires(row) <= timestamp) state.remove(id);
    });
  }
}
