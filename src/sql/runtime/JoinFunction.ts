/**
 * A regular join on equal keys: both inputs, tagged with their side, are keyed by the join key;
 * each side's rows (with their multiplicity) stay in keyed state, and a change on one side is
 * joined with the other side's rows. A side whose input is insert-only and that is not padded
 * with NULLs keeps its rows as a list per key, in arrival order (each arrival its own element);
 * any other side keeps a map from each row's JSON text to its count and matches, which a
 * retraction needs to find the row it takes back. The joined row keeps the change's kind (an insert joins
 * as inserts, a retraction retracts what it joined). LEFT JOIN also emits the left row padded
 * with NULLs while it has no match, and retracts that row once a match arrives (FULL JOIN: either
 * side). State expires after the table environment's idle-state retention, when set; in
 * interval and window joins, each row's state goes when the watermark passes its expiry.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { MapState, ValueState } from '../../state/State';
import { MapStateDescriptor, ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializer, Serializers } from '../../state/Serializer';
import { isLeft, left, right } from 'fp-ts/Either';
import { Change, RowKind, isAccumulate } from '../Change';
import { Compiled } from '../compileExpression';
import { Row } from '../types';
import { withRetention } from './stateRetention';
import { RowKey } from '../rowKey';
import { RetiredState } from '../../graph/RetiredState';
import { StoredRowLayout, rowJoiner } from './storedRows';

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
 * Each side's rows, as a map from each row's text to its counts (a side whose input may retract,
 * or padded with NULLs). Named anew when what a join stores changed shape, so that state of the
 * former shape is recognized at restore and refused (joinRetiredState): in 0.2 the rows hold
 * only the fields the query reads, and only those that pass the WHERE's conditions on one side.
 */
export const JOIN_STATE_NAMES = ['join-left-kept', 'join-right-kept'] as const;

/**
 * Each side's rows as a list (an insert-only side not padded with NULLs): the rows alone, in
 * arrival order, with no text per row in memory and written once as JSON in a snapshot.
 */
export const JOIN_ROWS_STATE_NAMES = ['join-left-rows', 'join-right-rows'] as const;

/**
 * A list's text as last written, without its closing bracket, and how many rows it held: a list
 * is only appended to in place (pushed; cleanup makes a new list), so the next snapshot of a
 * list that grew stringifies only the rows added since and joins them on, instead of the whole
 * list again (a key of a regular join keeps its rows for good, and a checkpoint writes every
 * changed key's value). Weak: a list gone takes its text with it.
 */
const writtenRows = new WeakMap<readonly Row[], { readonly length: number; readonly body: string }>();

/**
 * A list side's rows: JSON text of the array of rows (each row an array), written once, not a
 * text per row inside the state's encoding as a map's entries are. The same text as
 * JSON.stringify(rows), of a list that grew made from the text written before.
 */
export const joinRowsSerializer: Serializer<Row[]> = {
  name: 'join-rows',
  serialize: (rows) => {
    const before = writtenRows.get(rows);
    let body: string;
    if (before !== undefined && before.length === rows.length) body = before.body;
    else if (before !== undefined && before.length > 0 && before.length < rows.length) body = `${before.body},${JSON.stringify(rows.slice(before.length)).slice(1, -1)}`;
    else body = JSON.stringify(rows).slice(0, -1);
    writtenRows.set(rows, { length: rows.length, body });
    return `${body}]`;
  },
  deserialize: (text) => {
    const p = Serializers.json<unknown>().deserialize(text);
    if (isLeft(p)) return p;
    const v = p.right;
    if (!(Array.isArray(v) && v.every((row) => Array.isArray(row)))) return left(`a join side's rows are an array of rows (arrays), got ${text.slice(0, 80)}`);
    return right(v as Row[]);
  },
};

/**
 * A list side's rows stored in `layout` (only the fields read: storedRows.ts): written as
 * joinRowsSerializer writes them; read back, a list written before lists were stored narrow
 * (each row as wide as the side's input, NULL in the fields not read) is narrowed as it is read.
 */
export function joinRowsSerializerFor(layout: StoredRowLayout | undefined): Serializer<Row[]> {
  if (layout === undefined) return joinRowsSerializer;
  const width = layout.kept.length;
  return {
    name: 'join-rows',
    serialize: joinRowsSerializer.serialize,
    deserialize: (text) => {
      const read = joinRowsSerializer.deserialize(text);
      if (isLeft(read)) return read;
      const rows = read.right;
      if (rows.every((row) => row.length === width)) return read;
      if (rows.every((row) => row.length === layout.width)) return right(rows.map(layout.store));
      return left(`a join side's stored rows have ${width} fields (or, written before rows were stored narrow, ${layout.width}), got ${text.slice(0, 80)}`);
    },
  };
}

/** Which sides of a join keep their rows as a list: an insert-only input, not padded with NULLs. */
export function listSidesOf(updating: readonly [boolean, boolean], outer: readonly [boolean, boolean]): [boolean, boolean] {
  return [!updating[0] && !outer[0], !updating[1] && !outer[1]];
}

const WHOLE_ROWS_WHY =
  "it is a SQL join's state from an earlier Sluice, which kept whole rows, including those its WHERE now filters out before the join; " +
  'this join keeps only the fields the query reads, and restored whole rows would join rows the query drops and not be retracted';

/**
 * The former shapes of a join's state. 'join-left' and 'join-right': whole rows, including rows
 * a WHERE over the join now drops before it; restored, they would join rows the query no longer
 * sees, and a retraction (a narrowed row) would not find the whole row it retracts. And, for a
 * side now kept as a list, its map of rows by their text ('join-left-kept', 'join-right-kept'),
 * which this join no longer reads: restored under the new name it would be empty.
 */
export function joinRetiredState(listSides: readonly [boolean, boolean]): RetiredState {
  const mapped = JOIN_STATE_NAMES.filter((_, side) => listSides[side]);
  if (mapped.length === 0) return { names: ['join-left', 'join-right'], why: WHOLE_ROWS_WHY };
  const rows = JOIN_ROWS_STATE_NAMES.filter((_, side) => listSides[side]);
  return {
    names: ['join-left', 'join-right', ...mapped],
    why:
      "it is a SQL join's state from an earlier Sluice: 'join-left' and 'join-right' kept whole rows, including those its WHERE now filters out before the join, " +
      `and ${mapped.map((n) => `'${n}'`).join(' and ')} kept each row of an insert-only side under its JSON text, ` +
      `where this join keeps them as a list of rows (${rows.map((n) => `'${n}'`).join(' and ')}) and would start without them`,
  };
}

/** A side's storage: a map of rows by their text, or (an insert-only side) a list of rows. */
type SideState = { readonly list: false; readonly state: MapState<string, StoredEntry> } | { readonly list: true; readonly state: ValueState<Row[]> };

export class JoinFunction extends KeyedProcessFunction<RowKey, SideChange, Change> {
  private sides!: [SideState, SideState];

  constructor(
    /** Per side: its rows are emitted padded with NULLs while they have no match (LEFT: the left side; FULL: both). */
    private readonly outer: readonly [boolean, boolean],
    /** The number of columns of each side. */
    private readonly widths: readonly [number, number],
    private readonly condition: Compiled | undefined,
    private readonly retentionMs: number | undefined,
    private readonly expiry?: RowExpiry,
    /** Per side: its input is insert-only and its rows are kept as a list (listSidesOf); never for an outer side. */
    private readonly listSides: readonly [boolean, boolean] = [false, false],
    /**
     * Per list side: the layout its rows are stored in (only the fields read), none to store
     * them as they come. `expiry`'s functions of that side read a row in this layout.
     */
    private readonly layouts: readonly [StoredRowLayout | undefined, StoredRowLayout | undefined] = [undefined, undefined],
  ) {
    super();
    if ((listSides[0] && outer[0]) || (listSides[1] && outer[1])) throw new Error('a join side padded with NULLs keeps its rows as a map (their matches are counted per row)');
    if ((layouts[0] !== undefined && !listSides[0]) || (layouts[1] !== undefined && !listSides[1])) throw new Error('only a join side kept as a list stores its rows narrow');
  }

  /** Per side of the row arriving: its joined rows with the other side's stored rows (made in open: a job's functions are copies of the one given). */
  private joiners!: [(left: Row, right: Row) => Row, (left: Row, right: Row) => Row];

  open(ctx: RuntimeContext): void {
    const side = (s: 0 | 1): SideState =>
      this.listSides[s]
        ? { list: true, state: ctx.getState(withRetention(new ValueStateDescriptor<Row[]>(JOIN_ROWS_STATE_NAMES[s], joinRowsSerializerFor(this.layouts[s])), this.retentionMs)) }
        : { list: false, state: ctx.getMapState(withRetention(new MapStateDescriptor<string, StoredEntry>(JOIN_STATE_NAMES[s], joinRowIdSerializer, joinEntrySerializer), this.retentionMs)) };
    this.sides = [side(0), side(1)];
    this.joiners = [rowJoiner(this.widths, [undefined, this.layouts[1]]), rowJoiner(this.widths, [this.layouts[0], undefined])];
  }

  /** The joined row of a row arriving on `side` (as it came) and a stored row of the other side, when it meets the condition. */
  private joined(side: 0 | 1, left: Row, right: Row): Row | undefined {
    const row = this.joiners[side](left, right);
    return this.condition === undefined || this.condition.eval(row) === true ? row : undefined;
  }

  private padded(side: 0 | 1, row: Row): Row {
    const nulls = new Array(this.widths[1 - side]).fill(null);
    return side === 0 ? [...row, ...nulls] : [...nulls, ...row];
  }

  private static isEmpty(side: SideState): boolean {
    return side.list ? side.state.value() === undefined : side.state.isEmpty();
  }

  private static emit(out: Collector<Change>, kind: RowKind, row: Row, times: number): void {
    for (let i = 0; i < times; i++) out.collect({ kind, row });
  }

  /**
   * Whether the key already has the cleanup timer a row of `side` expiring at `expires` needs.
   * A window join is keyed by its window, whose rows all expire together: the first row of the
   * key registers the one timer (a timer fired has emptied both sides). An interval join's list
   * side: when the list's last row has the same cleanup time, since that time's timer, once
   * fired, removed every row expiring by then, that row included (registering again only
   * looked the timer up, per stored row).
   */
  private timerStands(side: 0 | 1, windowJoin: boolean, expires: number): boolean {
    if (windowJoin) return !(JoinFunction.isEmpty(this.sides[0]) && JoinFunction.isEmpty(this.sides[1]));
    const mine = this.sides[side];
    if (!mine.list) return false;
    const rows = mine.state.value();
    if (rows === undefined || rows.length === 0) return false;
    const expiry = this.expiry!;
    const every = expiry.cleanupEveryMs;
    return Math.ceil((side === 0 ? expiry.left : expiry.right)(rows[rows.length - 1]) / every) === Math.ceil(expires / every);
  }

  processElement({ side, change }: SideChange, ctx: KeyedProcessContext<RowKey>, out: Collector<Change>): void {
    // The row as this side stores it (its layout), which the expiry's functions read.
    const layout = this.layouts[side];
    const kept = layout === undefined ? change.row : layout.store(change.row);
    let stored = true;
    if (this.expiry !== undefined) {
      const watermark = ctx.timerService().currentWatermark();
      const expires = (side === 0 ? this.expiry.left : this.expiry.right)(kept);
      const rowTime = this.expiry.rowTime;
      const late = rowTime !== undefined ? (side === 0 ? rowTime.left : rowTime.right)(kept) < watermark : watermark >= expires;
      if (late) return;
      stored = watermark < expires;
      if (stored && !this.timerStands(side, rowTime === undefined, expires)) {
        const every = this.expiry.cleanupEveryMs;
        ctx.timerService().registerEventTimeTimer(Math.ceil(expires / every) * every);
      }
    }
    const mine = this.sides[side];
    const other = this.sides[1 - side];
    const adding = isAccumulate(change.kind);
    let matches = 0;
    if (other.list) {
      // Insert-only and not padded: each row once, nothing to update on it.
      const rows = other.state.value();
      if (rows !== undefined) {
        for (const otherRow of rows) {
          const row = side === 0 ? this.joined(0, change.row, otherRow) : this.joined(1, otherRow, change.row);
          if (row === undefined) continue;
          matches++;
          out.collect({ kind: change.kind, row });
        }
      }
    } else {
      const map = other.state;
      for (const [otherId, entry] of map.entries()) {
        const otherRow = rowOf(otherId, entry);
        const [, count, otherMatches] = entry;
        const row = side === 0 ? this.joined(0, change.row, otherRow) : this.joined(1, otherRow, change.row);
        if (row === undefined) continue;
        matches += count;
        const otherSide = (1 - side) as 0 | 1;
        if (this.outer[otherSide]) {
          // The other side's row gains or loses a match: swap its NULL-padded row in or out.
          if (adding && otherMatches === 0) JoinFunction.emit(out, '-D', this.padded(otherSide, otherRow), count);
          const now = otherMatches + (adding ? 1 : -1);
          map.put(otherId, [otherRow, count, now]);
          JoinFunction.emit(out, change.kind, row, count);
          if (!adding && now === 0) JoinFunction.emit(out, '+I', this.padded(otherSide, otherRow), count);
        } else JoinFunction.emit(out, change.kind, row, count);
      }
    }
    if (this.outer[side] && matches === 0) JoinFunction.emit(out, adding ? '+I' : '-D', this.padded(side, change.row), 1);
    if (!stored) return;
    if (mine.list) {
      if (!adding) throw new Error(`a join side kept as a list takes inserts only (its input is insert-only), got ${change.kind}`);
      const rows = mine.state.value();
      if (rows === undefined) mine.state.update([kept]);
      else {
        rows.push(kept);
        mine.state.update(rows);
      }
      return;
    }
    const id = JSON.stringify(change.row);
    const current = mine.state.get(id);
    const count = (current?.[1] ?? 0) + (adding ? 1 : -1);
    if (count <= 0) mine.state.remove(id);
    else mine.state.put(id, [change.row, count, matches]);
  }

  onTimer(timestamp: number, _ctx: OnTimerContext<RowKey>, _out: Collector<Change>): void {
    const expiry = this.expiry!;
    if (expiry.rowTime === undefined) {
      // A window join: the key is a window, and every row of it expires now.
      for (const side of this.sides) side.state.clear();
      return;
    }
    this.sides.forEach((side, s) => {
      const expires = s === 0 ? expiry.left : expiry.right;
      if (side.list) {
        const rows = side.state.value();
        if (rows === undefined) return;
        // Often no row has expired (another period's timer, or a window's in
        // JoinWindowAggregateFunction): then the list is left as it is, not copied.
        let first = 0;
        while (first < rows.length && expires(rows[first]) > timestamp) first++;
        if (first === rows.length) return;
        const kept = rows.slice(0, first);
        for (let i = first + 1; i < rows.length; i++) if (expires(rows[i]) > timestamp) kept.push(rows[i]);
        // Often every row of the key has expired: one clear.
        if (kept.length === 0) side.state.clear();
        else side.state.update(kept);
        return;
      }
      const state = side.state;
      const entries = state.entries();
      const expired = entries.filter(([id, entry]) => expires(rowOf(id, entry)) <= timestamp);
      // Often every row of the key has expired: one clear, not a removal per row.
      if (expired.length === entries.length) state.clear();
      else for (const [id] of expired) state.remove(id);
    });
  }
}
