/**
 * OVER aggregation in event time, as Flink's RowTime*Over functions: per partition, rows wait
 * in keyed state until the watermark passes their time, then each is emitted (+I, append-only)
 * with the aggregates over its frame, in event-time order (rows of one time in the order of the
 * further ORDER BY items, else in arrival order).
 * A row that arrives at or behind the watermark can no longer be put in order: it is late,
 * dropped from the result and sent to the late-rows side output.
 *
 * State is bounded by the frame: pending rows, the accumulators, and for a bounded frame the
 * emitted rows it can still reach (ROWS n: the last n; RANGE d: those at most d older than
 * the next row can be). A RANGE frame also sets a timer for when its newest rows fall out of
 * reach, so a partition that goes quiet does not keep them. RANGE peers (rows of one time)
 * share one result, ROWS counts them one by one.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { OutputTag } from '../../graph/OutputTag';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { ValueState } from '../../state/State';
import { MapStateDescriptor, ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Accumulation, AggregateCall } from '../aggregates';
import { Change } from '../Change';
import { OverFrameSpec } from '../logicalPlan';
import { Row } from '../types';
import { RowComparator } from './rowOrder';
import { RowsAwaitingWatermark } from './RowsAwaitingWatermark';
import { withRetention } from './stateRetention';
import { RowKey } from '../rowKey';

/** A row that reached an OVER aggregation at or behind the watermark, and that watermark. */
export interface LateRow {
  readonly row: Row;
  readonly watermark: number;
}

export const overLateRows = new OutputTag<LateRow>('sql-over-late-rows');

export interface OverAggregateOptions {
  readonly timeField: number;
  /** Orders the rows of one time; undefined: arrival order. */
  readonly comparePeers: RowComparator | undefined;
  readonly frame: OverFrameSpec;
  readonly aggregates: readonly AggregateCall[];
  /** Some aggregate cannot retract: aggregate each bounded frame anew from its rows. */
  readonly recompute: boolean;
  readonly retentionMs: number | undefined;
}

interface FrameState {
  /** Emitted rows the frame can still reach, oldest first (bounded frames only). */
  rows: Row[];
  /** The aggregates over `rows` (over every emitted row for an unbounded frame). */
  accs: unknown[];
}

export class OverAggregateFunction extends KeyedProcessFunction<RowKey, Change, Change> {
  override readonly sideOutputTags = [overLateRows];
  private pending!: RowsAwaitingWatermark;
  private frame!: ValueState<FrameState>;
  private accumulations!: Accumulation[];

  constructor(private readonly options: OverAggregateOptions) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.pending = new RowsAwaitingWatermark(ctx.getMapState(new MapStateDescriptor<number, Row[]>('over-pending', Serializers.json(), Serializers.json())), this.options.timeField, overLateRows);
    this.frame = ctx.getState(withRetention(new ValueStateDescriptor<FrameState>('over-frame', Serializers.json()), this.options.retentionMs));
    // A bounded frame takes rows out again: MIN and MAX then keep every value they hold.
    const bounded = this.options.frame.unit === 'ROWS' ? this.options.frame.rows !== undefined : this.options.frame.rangeMs !== undefined;
    this.accumulations = this.options.aggregates.map((a) => a.accumulation(bounded));
  }

  processElement(change: Change, ctx: KeyedProcessContext<RowKey>, _out: Collector<Change>): void {
    this.pending.hold(change.row, ctx);
  }

  onTimer(time: number, ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    const rows = this.pending.take(time);
    if (rows !== undefined && this.options.comparePeers !== undefined) rows.sort(this.options.comparePeers);
    const state = this.frame.value() ?? { rows: [], accs: this.accumulations.map((a) => a.create()) };
    const { frame } = this.options;
    if (frame.unit === 'ROWS') {
      for (const row of rows ?? []) this.emitRow(state, row, frame.rows, out);
    } else if (rows !== undefined) {
      this.emitPeers(state, rows, time, frame.rangeMs, out);
    }
    if (frame.unit === 'RANGE' && frame.rangeMs !== undefined) {
      // No later row reaches back to `time - rangeMs`: what is that old can go.
      this.evict(state, time - frame.rangeMs + 1);
      if (rows !== undefined && frame.rangeMs > 0) ctx.timerService().registerEventTimeTimer(time + frame.rangeMs);
    }
    if (state.rows.length === 0 && frame.unit === 'RANGE' && frame.rangeMs !== undefined) this.frame.clear();
    else this.frame.update(state);
  }

  /** ROWS: each row in turn joins the frame, which keeps the `reach` rows before it. */
  private emitRow(state: FrameState, row: Row, reach: number | undefined, out: Collector<Change>): void {
    if (reach === undefined) {
      this.add(state, row);
      out.collect({ kind: '+I', row: [...row, ...this.results(state.accs)] });
      return;
    }
    const frameRows = [...state.rows, row];
    const accs = this.options.recompute ? this.aggregate(frameRows) : this.add(state, row);
    out.collect({ kind: '+I', row: [...row, ...this.results(accs)] });
    state.rows = frameRows;
    while (state.rows.length > reach) {
      const gone = state.rows.shift()!;
      if (!this.options.recompute) this.retract(state, gone);
    }
  }

  /** RANGE: the rows of one time join the frame together and share its result. */
  private emitPeers(state: FrameState, rows: readonly Row[], time: number, reachMs: number | undefined, out: Collector<Change>): void {
    let accs: unknown[];
    if (reachMs === undefined) {
      for (const row of rows) this.add(state, row);
      accs = state.accs;
    } else {
      this.evict(state, time - reachMs);
      state.rows.push(...rows);
      if (this.options.recompute) accs = this.aggregate(state.rows);
      else {
        for (const row of rows) this.add(state, row);
        accs = state.accs;
      }
    }
    const results = this.results(accs);
    for (const row of rows) out.collect({ kind: '+I', row: [...row, ...results] });
  }

  /** Takes the rows older than `from` out of a RANGE frame. */
  private evict(state: FrameState, from: number): void {
    const field = this.options.timeField;
    while (state.rows.length > 0 && (state.rows[0][field] as number) < from) {
      const gone = state.rows.shift()!;
      if (!this.options.recompute) this.retract(state, gone);
    }
  }

  private add(state: FrameState, row: Row): unknown[] {
    for (let i = 0; i < this.accumulations.length; i++) state.accs[i] = this.accumulations[i].add(state.accs[i], row);
    return state.accs;
  }

  private retract(state: FrameState, row: Row): void {
    for (let i = 0; i < this.accumulations.length; i++) state.accs[i] = this.accumulations[i].retract(state.accs[i], row);
  }

  /** The aggregates over `rows` computed afresh (aggregates that cannot retract). */
  private aggregate(rows: readonly Row[]): unknown[] {
    return this.accumulations.map((a) => rows.reduce((acc, row) => a.add(acc, row), a.create()));
  }

  private results(accs: readonly unknown[]): unknown[] {
    return this.accumulations.map((a, i) => a.result(accs[i]));
  }
}
