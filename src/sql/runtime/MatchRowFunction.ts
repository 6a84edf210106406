/**
 * The one row MATCH_RECOGNIZE emits per match: the partition keys (read from the match's first
 * row), then the measures over the match's rows.
 */
import { OutputTag } from '../../graph/OutputTag';
import { Collector } from '../../graph/Collector';
import { Match, PatternContext, PatternProcessFunction } from '../../cep/PatternProcessFunction';
import { Change } from '../Change';
import { Compiled } from '../compileExpression';
import { MatchMeasure, MatchView } from '../logicalPlan';

/** Rows behind the watermark when they reached MATCH_RECOGNIZE. */
export const matchLateRows = new OutputTag<Change>('match-late-rows');

export class MatchRowFunction extends PatternProcessFunction<Change, Change> {
  constructor(
    private readonly partitionKeys: readonly Compiled[],
    private readonly variables: readonly string[],
    private readonly measures: readonly MatchMeasure[],
  ) {
    super();
  }

  processMatch(match: Match<Change>, _ctx: PatternContext, out: Collector<Change>): void {
    const view = completeView(match, this.variables);
    const first = view.rowsOf(undefined)[0];
    out.collect({ kind: '+I', row: [...this.partitionKeys.map((k) => k.eval(first)), ...this.measures.map((m) => m.eval(view))] });
  }
}

/** The rows of a complete match, by variable; every row in PATTERN order, which is their order. */
function completeView(match: Readonly<Record<string, readonly Change[]>>, variables: readonly string[]): MatchView {
  const all = variables.flatMap((v) => (match[v] ?? []).map((c) => c.row));
  return { rowsOf: (v) => (v === undefined ? all : (match[v] ?? []).map((c) => c.row)) };
}
