/**
 * Continuous Top-N over an append-only input: per partition, the current first N rows in
 * keyed state. A row that enters the top N shifts those below it: each changed position is
 * emitted as -U/+U (or +I for a position filled for the first time), as Flink's Top-N with
 * row numbers does. In batch mode the final ranking is emitted once at the end of the input.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../api/functions';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Change } from '../Change';
import { Row } from '../types';
import { RowComparator } from './rowOrder';
import { END_OF_INPUT, withRetention } from './stateRetention';

export class RankFunction extends KeyedProcessFunction<string, Change, Change> {
  private top!: ValueState<Row[]>;

  constructor(private readonly compare: RowComparator, private readonly limit: number, private readonly batch: boolean, private readonly retentionMs: number | undefined) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.top = ctx.getState(withRetention(new ValueStateDescriptor<Row[]>('rank', Serializers.json()), this.retentionMs));
  }

  processElement(change: Change, ctx: KeyedProcessContext<string>, out: Collector<Change>): void {
    const before = this.top.value() ?? [];
    if (before.length === 0 && this.batch) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
    // After the last row that is not greater: ties keep arrival order.
    let at = before.length;
    while (at > 0 && this.compare(before[at - 1], change.row) > 0) at--;
    if (at >= this.limit) return;
    const after = [...before.slice(0, at), change.row, ...before.slice(at)].slice(0, this.limit);
    this.top.update(after);
    if (this.batch) return;
    for (let i = at; i < after.length; i++) {
      if (i < before.length) {
        out.collect({ kind: '-U', row: [...before[i], i + 1] });
        out.collect({ kind: '+U', row: [...after[i], i + 1] });
      } else out.collect({ kind: '+I', row: [...after[i], i + 1] });
    }
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<string>, out: Collector<Change>): void {
    (this.top.value() ?? []).forEach((row, i) => out.collect({ kind: '+I', row: [...row, i + 1] }));
    this.top.clear();
  }
}
