/**
 * The join of a table's rows with the maxima of its own tumbling windows (windowMaxJoin.ts),
 * keyed by window: each window keeps its running maximum (the MAX call's accumulator, over the
 * rows the window aggregation would count) and the rows that could still meet its final
 * maximum, i.e. not below the running one (a row the interval join would keep and could join
 * with that window's row). When the watermark reaches the window's last millisecond, the
 * window's row (what the aggregation and its Calc would give) is joined with those rows as
 * the interval join joins a right row arriving: rows with equal keys, the condition checked on
 * each, each distinct row `count` times, in the order the rows came. The window's row is then
 * kept while a row on time can still meet it, as the join keeps its right rows.
 *
 * Bounded by the ties on a window's maximum: rows equal to the running maximum are kept.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, ProcessContext, ProcessFunction } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { lookupKeyOf } from '../../state/lookupKey';
import { Accumulation } from '../aggregates';
import { Change } from '../Change';
import { Compiled } from '../compileExpression';
import { RowKey } from '../rowKey';
import { Row } from '../types';
import { WindowMaxJoin } from '../windowMaxJoin';

/** A left row sent to one window: to count in its maximum (its own window), to join (a window the interval reaches), or both. */
export interface WindowBoundRow {
  readonly end: number;
  readonly row: Row;
  readonly accumulate: boolean;
  readonly join: boolean;
}

interface WindowMaxState {
  /** The MAX accumulator over the window's rows so far. */
  max: unknown;
  /** Whether the window has rows: only then does the aggregation give it a row. */
  rows: boolean;
  /** Rows that may meet the final maximum: [row's JSON text, row, how many times], in the order they came. */
  candidates: Array<[string, Row, number]>;
  /** Once the window closed: its row, kept while a row on time can still meet it. */
  right?: Row;
}

/**
 * Sends each left row to its own window (by its timestamp, as the window aggregation assigns
 * it) and to every window whose window_time the interval reaches from the row's time.
 */
export class WindowBinding extends ProcessFunction<Change, WindowBoundRow> {
  constructor(private readonly plan: WindowMaxJoin) {
    super();
  }

  processElement(change: Change, ctx: ProcessContext, out: Collector<WindowBoundRow>): void {
    const { sizeMs, lowerMs, upperMs, leftTime } = this.plan;
    const row = change.row;
    const timestamp = ctx.timestamp();
    const own = timestamp === undefined ? undefined : windowEnd(timestamp, sizeMs);
    const t = row[leftTime] as number;
    // Windows whose window_time (end - 1) is within [t + lower, t + upper].
    let joined = false;
    for (let end = windowEnd(t + lowerMs, sizeMs); end - 1 <= t + upperMs; end += sizeMs) {
      out.collect({ end, row, accumulate: end === own, join: true });
      if (end === own) joined = true;
    }
    if (own !== undefined && !joined) out.collect({ end: own, row, accumulate: true, join: false });
  }
}

/** The end of the tumbling window (offset 0) holding `t`, as TumblingEventTimeWindows assigns it. */
function windowEnd(t: number, sizeMs: number): number {
  const remainder = t % sizeMs;
  return (remainder < 0 ? t - remainder - sizeMs : t - remainder) + sizeMs;
}

export class WindowMaxJoinFunction extends KeyedProcessFunction<RowKey, WindowBoundRow, Change> {
  private state!: ValueState<WindowMaxState>;
  private readonly max: Accumulation;

  constructor(
    private readonly plan: WindowMaxJoin,
    private readonly leftKey: (c: Change) => RowKey,
    private readonly rightKey: (c: Change) => RowKey,
    private readonly condition: Compiled | undefined,
    /** The right row as the join keeps it (the fields not read are NULL). */
    private readonly keepRight: (row: Row) => Row,
  ) {
    super();
    this.max = plan.max.accumulation(false);
  }

  open(ctx: RuntimeContext): void {
    this.state = ctx.getState(new ValueStateDescriptor<WindowMaxState>('window-max-join', Serializers.json()));
  }

  processElement({ end, row, accumulate, join }: WindowBoundRow, ctx: KeyedProcessContext<RowKey>, out: Collector<Change>): void {
    const watermark = ctx.timerService().currentWatermark();
    // As the interval join: a row behind the watermark is late, and joins nothing.
    const joins = join && (row[this.plan.leftTime] as number) >= watermark;
    let st = this.state.value();
    if (st?.right !== undefined) {
      if (joins) this.emitMatch(row, 1, st.right, out);
      return;
    }
    // As the window operator: a row of a window the watermark reached is late for it.
    if (end - 1 <= watermark) return;
    if (st === undefined) {
      if (!joins && !accumulate) return;
      st = { max: this.max.create(), rows: false, candidates: [] };
      ctx.timerService().registerEventTimeTimer(end - 1);
    }
    if (accumulate) {
      const before = st.max;
      st.max = this.max.add(st.max, row);
      st.rows = true;
      if (st.max !== before) st.candidates = st.candidates.filter(([, r]) => !this.below(st!, r));
    }
    if (joins && !this.below(st, row)) {
      const text = JSON.stringify(row);
      const same = st.candidates.find((c) => c[0] === text);
      if (same !== undefined) same[2]++;
      else st.candidates.push([text, row, 1]);
    }
    this.state.update(st);
  }

  onTimer(_timestamp: number, ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    const st = this.state.value();
    // The timer after a closed window's last meeting, or a window without rows: no row of its own.
    if (st === undefined || st.right !== undefined || !st.rows) {
      this.state.clear();
      return;
    }
    const end = ctx.getCurrentKey() as number;
    const aggregated: Row = [end - this.plan.sizeMs, end, end - 1, this.max.result(st.max)];
    const right = this.keepRight(this.plan.rightProjections.map((p) => p.eval(aggregated)));
    for (const [, row, count] of st.candidates) this.emitMatch(row, count, right, out);
    // The join keeps the window's row until the watermark passes its time (window_time) minus
    // the interval's lower bound: a left row on time (at or after the watermark) can meet it till then.
    const lastMeeting = end - 1 - this.plan.lowerMs;
    if (lastMeeting >= ctx.timerService().currentWatermark()) {
      this.state.update({ max: st.max, rows: true, candidates: [], right });
      ctx.timerService().registerEventTimeTimer(lastMeeting + 1);
    } else this.state.clear();
  }

  /** A left row the running maximum beats: it cannot equal the final maximum (NULL equals none once one value is there). */
  private below(st: WindowMaxState, row: Row): boolean {
    const best = this.max.result(st.max);
    if (best === null || best === undefined) return false;
    const v = row[this.plan.column];
    return v === null || v === undefined || (best as number) > (v as number);
  }

  /** Joins as the interval join does a right row arriving: equal keys (as keyed state tells them), then the condition. */
  private emitMatch(left: Row, count: number, right: Row, out: Collector<Change>): void {
    if (!sameKey(lookupKeyOf(this.leftKey({ kind: '+I', row: left })), lookupKeyOf(this.rightKey({ kind: '+I', row: right })))) return;
    const row = [...left, ...right];
    if (this.condition !== undefined && this.condition.eval(row) !== true) return;
    for (let i = 0; i < count; i++) out.collect({ kind: '+I', row });
  }
}

/** Map key equality (SameValueZero), as keyed state finds keys. */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}
