/**
 * Projection and filter (Flink's Calc): the select list over a scope, and the WHERE or HAVING
 * that keeps rows. Every other part of the planner ends in one: an aggregation, a ranking or an
 * OVER aggregation is planned under it, and its select list read through substitutions.
 */
import { Expr, Select } from './ast';
import { Compiled, ExpressionContext, compileExpression } from './compileExpression';
import { PlanNode } from './logicalPlan';
import { PlanningContext, Scope, fieldRef } from './PlanningContext';

export interface CalcOptions {
  /** How the select list reads what an aggregation, a ranking or an OVER aggregation computed. */
  readonly substitute?: ExpressionContext['substitute'];
  /** Over an aggregation's output: the filter is a HAVING, and * is refused. Default: a substitute is given. */
  readonly aggregated?: boolean;
  /** How many of the scope's columns * stands for: the input's, not the ones a ranking or OVER appends. Default: all. */
  readonly starWidth?: number;
}

/** Output names are unique, as Flink makes them: a second `id` becomes `id0`. */
export function uniqueNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 0; used.has(candidate); n++) candidate = `${name}${n}`;
    used.add(candidate);
    return candidate;
  });
}

/** The select list of `s` over `scope`, keeping the rows that pass `filter` (none: every row). */
export function planCalc(s: Select, scope: Scope, filter: Expr | undefined, planning: PlanningContext, options: CalcOptions = {}): PlanNode {
  const { substitute, aggregated = substitute !== undefined, starWidth = scope.columns.length } = options;
  const ctx = planning.context(scope, 'the select list', substitute);
  const projections: Compiled[] = [];
  const names: string[] = [];
  for (const item of s.items) {
    if (item.expr.kind === 'star') {
      const star = item.expr;
      const matched = scope.columns.slice(0, starWidth).map((c, i) => ({ c, i })).filter(({ c }) => star.table === undefined || c.qualifier === star.table);
      if (star.table !== undefined && matched.length === 0 && !scope.opaque) planning.problem(star.pos, `unknown table or alias '${star.table}' in ${star.table}.*`);
      if (aggregated && !scope.opaque) planning.problem(star.pos, 'SELECT * cannot be used with GROUP BY: list the grouped columns and aggregates');
      for (const { c, i } of matched) {
        projections.push(fieldRef(scope.node.fields, i));
        names.push(c.name);
      }
      continue;
    }
    const compiled = compileExpression(item.expr, ctx);
    projections.push(compiled);
    names.push(item.alias ?? (item.expr.kind === 'column' ? item.expr.name : `EXPR$${projections.length - 1}`));
  }
  let condition: Compiled | undefined;
  if (filter !== undefined) {
    const clause = aggregated ? 'HAVING' : 'WHERE';
    condition = compileExpression(filter, planning.context(scope, clause, substitute));
    if (condition.type !== 'BOOLEAN' && condition.type !== 'ANY' && condition.type !== 'NULL') {
      planning.problem(filter.pos, `${clause} needs a BOOLEAN condition but ${condition.text} is ${condition.type}`);
    }
  }
  const input = scope.node;
  const fields = uniqueNames(names).map((name, i) => {
    const { type, rowtime, field } = projections[i];
    return {
      name,
      type,
      // A time attribute survives a projection only as the same column of an append-only input.
      rowtime: rowtime && !input.updating ? true : undefined,
      // So does a window bound (under any alias).
      windowBound: field !== undefined && !input.updating ? input.fields[field]?.windowBound : undefined,
    };
  });
  return { kind: 'calc', input, projections, filter: condition, fields, updating: input.updating };
}

/**
 * The input rows that pass `where`, all columns kept: the WHERE under an aggregation, a ranking
 * or an OVER aggregation. Without a WHERE, the scope's rows as they are (no Calc).
 */
export function planFiltered(s: Select, scope: Scope, where: Expr | undefined, planning: PlanningContext): PlanNode {
  if (where === undefined) return scope.node;
  return planCalc({ ...s, items: [{ expr: { kind: 'star', pos: s.pos } }] }, scope, where, planning);
}
