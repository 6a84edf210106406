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
import { Serializer, Serializers } from '../../state/Serializer';
import { isLeft, left, right } from 'fp-ts/Either';
import { Change, RowKind, isAccumulate } from '../Change';
import { Compiled } from '../compileExpression';
import { Row } from '../types';
import { withRetention } from './stateRetention';
import { RowKey } from '../rowKey';
import { RetiredState } from '../../graph/RetiredState';

export interface SideChange {
  readonly side: 0 | 1;
  readonly change: Change;
}

/**
 * A row on one side, kept under its id (the row's JSON text): how many times it is there and,
 * on a LEFT JOIN's left, how many matches it has. A row read back from a checkpoint is
 * undefined until first used, then parsed from its id (rowOf).
 */
type StoredEntry = [row: Row | undefined, count: number, matches: number];

/**
 * Writes an entry's counts only: its row is already in its key (the id), which a checkpoint
 * writes beside it, so each row's text is written once instead of twice. Reads both that and
 * the former [row, count, matches].
 */
export const joinEntrySerializer: Serializer<StoredEntry> = {
  name: 'join-entry',
  // The same text as JSON.stringify([count, matches]), without the array.
  serialize: (e) => `[${e[1]},${e[2]}]`,
  deserialize: (text) => {
    const p = Serializers.json<unknown>().deserialize(text);
    if (isLeft(p)) return p;
    const v = p.right;
    const counts = (count: unknown, matches: unknown) => typeof count === 'number' && typeof matches === 'number';
    if (Array.isArray(v) && v.length === 2 && counts(v[0], v[1])) return right([undefined, v[0] as number, v[1] as number]);
    if (Array.isArray(v) && v.length === 3 && Array.isArray(v[0]) && counts(v[1], v[2])) return right(v as StoredEntry);
    return left(`a join entry is [count, matches] (or [row, count, matches]), got ${text.slice(0, 80)}`);
  },
};

/**
 * A stored row's id, the row's JSON text, written as it is: as a JSON string (Serializers.string)
 * it was quoted and its quotes escaped, then escaped again by the map's encoding in each
 * snapshot. Reads both: a row's text starts with '[', a JSON string with '"'.
 */
export const joinRowIdSerializer: Serializer<string> = {
  name: 'join-row-id',
  serialize: (id) => id,
  deserialize: (text) => {
    if (text.startsWith('[')) return right(text);
    if (text.startsWith('"')) return Serializers.string.deserialize(text);
    return left(`a join row id is a row's JSON text (an array), got ${text.slice(0, 80)}`);
  },
};

/** The entry's row, parsed from its id the first time an entry read back from a checkpoint is used. */
function rowOf(id: string, entry: StoredEntry): Row {
  return (entry[0] ??= JSON.parse(id) as Row);
}

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

/**
 * Each side's rows. Named anew when what a join stores changed shape, so that state of the former
 * shape is recognized at restore and refused (joinRetiredState): in 0.2 the rows hold only the
 * fields the query reads, and only those that pass the WHERE's conditions on one side.
 */
export const JOIN_STATE_NAMES = ['join-left-kept', 'join-right-kept'] as const;

/**
 * The former shape, 'join-left' and 'join-right': whole rows, including rows a WHERE over the
 * join now drops before it. Restored, they would join rows the query no longer sees, and a
 * retraction (a narrowed row) would not find the whole row it retracts.
 */
export const joinRetiredState: RetiredState = {
  names: ['join-left', 'join-right'],
  why:
    "it is a SQL join's state from an earlier Sluice, which kept whole rows, including those its WHERE now filters out before the join; " +
    'this join keeps only the fields the query reads, and restored whole rows would join rows the query drops and not be retracted',
};

export class JoinFunction extends KeyedProcessFunction<RowKey, SideChange, Change> {
  private sides!: [MapState<string, StoredEntry>, MapState<string, StoredEntry>];

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
    const side = (name: string) => ctx.getMapState(withRetention(new MapStateDescriptor<string, StoredEntry>(name, joinRowIdSerializer, joinEntrySerializer), this.retentionMs));
    this.sides = [side(JOIN_STATE_NAMES[0]), side(JOIN_STATE_NAMES[1])];
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
      // A window join is keyed by its window, whose rows all expire together: the first row of
      // the key registers the one timer (a timer fired has emptied both sides).
      const timed = rowTime === undefined && !(this.sides[0].isEmpty() && this.sides[1].isEmpty());
      if (stored && !timed) ctx.timerService().registerEventTimeTimer(Math.ceil(expires / every) * every);
    }
    const mine = this.sides[side];
    const other = this.sides[1 - side];
    const id = JSON.stringify(change.row);
    const adding = isAccumulate(change.kind);
    const emit = (kind: RowKind, row: Row, times: number) => {
      for (let i = 0; i < times; i++) out.collect({ kind, row });
    };
    let matches = 0;
    for (const [otherId, entry] of other.entries()) {
      const otherRow = rowOf(otherId, entry);
      const [, count, otherMatches] = entry;
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
    if (expiry.rowTime === undefined) {
      // A window join: the key is a window, and every row of it expires now.
      for (const state of this.sides) state.clear();
      return;
    }
    this.sides.forEach((state, side) => {
      const expires = side === 0 ? expiry.left : expiry.right;
      const entries = state.entries();
      const expired = entries.filter(([id, entry]) => expires(rowOf(id, entry)) <= timestamp);
      // Often every row of the key has expired: one clear, not a removal per row.
      if (expired.length === entries.length) state.clear();
      else for (const [id] of expired) state.remove(id);
    });
  }
}
