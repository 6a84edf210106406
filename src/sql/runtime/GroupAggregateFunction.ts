/**
 * GROUP BY over a stream: per group key, the row count and the accumulators in keyed state;
 * each change updates them and emits the result's change (+I the first time, -U/+U when it
 * changes, -D when the group empties). In batch mode only the final rows are emitted, at the
 * end of the input.
 */
import { KeyedProcessContext, KeyedProcessFunction, OnTimerContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { Serializers } from '../../state/Serializer';
import { Accumulation, AggregateCall } from '../aggregates';
import { Change, isAccumulate } from '../Change';
import { Compiled } from '../compileExpression';
import { Row } from '../types';
import { END_OF_INPUT, withRetention } from './stateRetention';
import { RowKey } from '../rowKey';

interface GroupState {
  /** Rows in the group: inserted minus retracted. */
  n: number;
  keys: unknown[];
  accs: unknown[];
  /** The result last emitted, to retract when it changes. */
  out?: unknown[];
}

export interface GroupAggregateOptions {
  readonly batch: boolean;
  readonly retentionMs: number | undefined;
  readonly retractingInput: boolean;
}

const sameRow = (a: Row, b: Row) => a.length === b.length && a.every((v, i) => v === b[i]);

export class GroupAggregateFunction extends KeyedProcessFunction<RowKey, Change, Change> {
  private state!: ValueState<GroupState>;
  private accumulations!: Accumulation[];

  constructor(private readonly keys: readonly Compiled[], private readonly aggregates: readonly AggregateCall[], private readonly options: GroupAggregateOptions) {
    super();
  }

  open(ctx: RuntimeContext): void {
    this.state = ctx.getState(withRetention(new ValueStateDescriptor<GroupState>('group-aggregate', Serializers.json()), this.options.retentionMs));
    this.accumulations = this.aggregates.map((a) => a.accumulation(this.options.retractingInput));
  }

  processElement(change: Change, ctx: KeyedProcessContext<RowKey>, out: Collector<Change>): void {
    const { row } = change;
    let st = this.state.value();
    const adding = isAccumulate(change.kind);
    if (st === undefined) {
      // A retraction for a group that holds nothing (its state expired): nothing to take back.
      if (!adding) return;
      st = { n: 0, keys: this.keys.map((k) => k.eval(row)), accs: this.accumulations.map((a) => a.create()) };
      if (this.options.batch) ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
    }
    st.n += adding ? 1 : -1;
    for (let i = 0; i < this.accumulations.length; i++) {
      st.accs[i] = adding ? this.accumulations[i].add(st.accs[i], row) : this.accumulations[i].retract(st.accs[i], row);
    }
    if (st.n <= 0) {
      if (st.out !== undefined) out.collect({ kind: '-D', row: st.out });
      this.state.clear();
      return;
    }
    if (!this.options.batch) {
      const result = this.result(st);
      if (st.out === undefined) out.collect({ kind: '+I', row: result });
      else if (!sameRow(st.out, result)) {
        out.collect({ kind: '-U', row: st.out });
        out.collect({ kind: '+U', row: result });
      }
      st.out = result;
    }
    this.state.update(st);
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<RowKey>, out: Collector<Change>): void {
    const st = this.state.value();
    if (st !== undefined && st.n > 0) out.collect({ kind: '+I', row: this.result(st) });
    this.state.clear();
  }

  private result(st: GroupState): unknown[] {
    const row = st.keys.slice();
    for (let i = 0; i < this.accumulations.length; i++) row.push(this.accumulations[i].result(st.accs[i]));
    return row;
  }
}
