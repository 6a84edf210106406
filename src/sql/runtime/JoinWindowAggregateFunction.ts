/**
 * An interval join and the window aggregation over it in one operator (src/sql/joinWindowAggregate.ts
 * says which plans): the join keeps its rows as JoinFunction does, and instead of emitting its
 * joined rows, puts each, through the Calc between them, into the aggregation's windows, kept
 * per group beside the join's rows (the group's columns hold the join key, so a group's rows all
 * have one join key). A window is emitted as the window operator emits it, when the watermark
 * reaches its last millisecond, and a joined row is dropped as it drops one, when that
 * millisecond is not after the watermark. The join's rows still expire as the join's do.
 */
import { KeyedProcessContext, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { keyToString } from '../../state/keyHash';
import { Serializers } from '../../state/Serializer';
import { MapState } from '../../state/State';
import { MapStateDescriptor } from '../../state/StateDescriptor';
import { WindowAssigner } from '../../windowing/WindowAssigner';
import { TimeWindow } from '../../windowing/Window';
import { Accumulation } from '../aggregates';
import { Change } from '../Change';
import { RowKey } from '../rowKey';
import { Row } from '../types';
import { JoinFunction, SideChange } from './JoinFunction';

/** One group's window: its bounds, its group columns (of its first row) and its aggregates' accumulators. */
export interface WindowGroup {
  readonly start: number;
  readonly end: number;
  readonly keys: unknown[];
  readonly accs: unknown[];
}

/** The state of the windows of a join key, by window start and group key. */
export const JOIN_WINDOW_GROUPS_STATE = 'join-window-groups';

/** The aggregation over the join, as the planner gave it (the Calc between them folded in). */
export interface WindowAggregateOverJoin {
  /** The Calc's projection of a joined row, and its filter. */
  readonly project: (row: Row) => Row;
  readonly filter: ((row: Row) => unknown) | undefined;
  /** The projected row's time attribute, which the windows are assigned by. */
  readonly timeField: number;
  readonly assigner: WindowAssigner<TimeWindow>;
  /** The GROUP BY columns of a projected row: their values, and the group's key as keyed state would tell it. */
  readonly keyValues: (row: Row) => unknown[];
  readonly groupKey: (row: Row) => RowKey;
  readonly accumulations: readonly Accumulation[];
}

export class JoinWindowAggregateFunction extends JoinFunction {
  private groups!: MapState<string, WindowGroup>;
  private ctx!: KeyedProcessContext<RowKey>;
  /** Where the join's rows go: into the windows (made in open: a job's functions are copies of the one given). */
  private intoWindows!: Collector<Change>;
  private lastStart = NaN;
  private lastKeyText = '';
  private lastId = '';

  constructor(join: ConstructorParameters<typeof JoinFunction>, private readonly aggregation: WindowAggregateOverJoin) {
    super(...join);
  }

  override open(ctx: RuntimeContext): void {
    super.open(ctx);
    this.intoWindows = { collect: (c: Change) => this.accumulate(c.row) };
    this.groups = ctx.getMapState(new MapStateDescriptor<string, WindowGroup>(JOIN_WINDOW_GROUPS_STATE, Serializers.string, Serializers.json<WindowGroup>()));
  }

  override processElement(input: SideChange, ctx: KeyedProcessContext<RowKey>, _out: Collector<Change>): void {
    this.ctx = ctx;
    super.processElement(input, ctx, this.intoWindows);
  }

  /**
   * A window group's id in `groups`: its window's start and its key's text. The last one is
   * given again while they repeat (a key's joined rows often come in a run, as a hot auction's
   * bids do), so the text is not built and hashed again for each row.
   */
  private groupId(start: number, keyText: string): string {
    if (start !== this.lastStart || keyText !== this.lastKeyText) {
      this.lastStart = start;
      this.lastKeyText = keyText;
      this.lastId = `${start}|${keyText}`;
    }
    return this.lastId;
  }

  /** A joined row (an insert: both inputs are insert-only) into its windows, as the window operator adds it. */
  private accumulate(joined: Row): void {
    const { project, filter, timeField, assigner, accumulations } = this.aggregation;
    const row = project(joined);
    if (filter !== undefined && filter(row) !== true) return;
    const timers = this.ctx.timerService();
    const watermark = timers.currentWatermark();
    for (const window of assigner.assignWindows(row[timeField] as number)) {
      // Late, as the window operator tells it: its last millisecond is not after the watermark.
      if (window.maxTimestamp() <= watermark) continue;
      const id = this.groupId(window.start, keyToString(this.aggregation.groupKey(row)));
      let group = this.groups.get(id);
      if (group === undefined) {
        group = { start: window.start, end: window.end, keys: this.aggregation.keyValues(row), accs: accumulations.map((a) => a.create()) };
        timers.registerEventTimeTimer(window.maxTimestamp());
      }
      for (let i = 0; i < accumulations.length; i++) group.accs[i] = accumulations[i].add(group.accs[i], row);
      this.groups.put(id, group);
    }
  }

  override onTimer(timestamp: number, ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    super.onTimer(timestamp, ctx, out);
    if (this.groups.isEmpty()) return;
    const { accumulations } = this.aggregation;
    for (const [id, group] of this.groups.entries()) {
      if (group.end - 1 > timestamp) continue;
      // The window operator's row: the group columns, window_start, window_end, window_time, the aggregates.
      const row: unknown[] = [...group.keys, group.start, group.end, group.end - 1];
      for (let i = 0; i < accumulations.length; i++) row.push(accumulations[i].result(group.accs[i]));
      out.collect({ kind: '+I', row });
      this.groups.remove(id);
    }
  }
}
