/**
 * What the parts of the SQL planner share: the scope a query's expressions read, the planning
 * context (the catalog, batch or streaming, the list every problem goes to) and small helpers
 * on fields and conditions. The parts are Planner.ts (queries, FROM, the choice of plan for a
 * SELECT) and the plan*.ts files beside it, one a construct (docs/internals.md, "SQL planner").
 */
import { Expr } from './ast';
import { Catalog } from './Catalog';
import { Compiled, ExpressionContext, ScopeColumn } from './compileExpression';
import { PlanNode } from './logicalPlan';
import { SqlPosition, SqlProblem } from './SqlProblem';
import { Field } from './types';

/** The rows a SELECT reads and the columns its expressions can name. */
export interface Scope {
  readonly node: PlanNode;
  readonly columns: readonly ScopeColumn[];
  /** The scope's columns are unknown because of a problem already reported. */
  readonly opaque: boolean;
}

export interface PlanningContext {
  readonly catalog: Catalog;
  /** Every problem found, with its position; planning goes on, so a refused query lists them all. */
  readonly problems: SqlProblem[];
  /** Batch mode runs what a stream cannot, such as ORDER BY any column. */
  readonly mode: 'streaming' | 'batch';
  /** The context to compile an expression of `clause` over `scope`, its problems going to `problems`. */
  context(scope: Pick<Scope, 'columns' | 'opaque'>, clause: string, substitute?: ExpressionContext['substitute']): ExpressionContext;
  problem(pos: SqlPosition, message: string): void;
}

export function planningContext(catalog: Catalog, problems: SqlProblem[], mode: 'streaming' | 'batch'): PlanningContext {
  return {
    catalog,
    problems,
    mode,
    context: (scope, clause, substitute) => ({ columns: scope.columns, problems, functions: catalog.functions, clause, opaque: scope.opaque, substitute }),
    problem: (pos, message) => {
      problems.push({ ...pos, message });
    },
  };
}

/** The plan of a FROM item that could not be planned (its problem is reported): no columns. */
export const INVALID: PlanNode = { kind: 'invalid', fields: [], updating: false };

export function scopeOf(node: PlanNode, qualifier: string | undefined): Scope {
  return { node, columns: node.fields.map((field) => ({ ...field, qualifier })), opaque: node.kind === 'invalid' };
}

/** The expression that reads field `index` of `fields` as it is. */
export function fieldRef(fields: readonly Field[], index: number): Compiled {
  const f = fields[index];
  return { type: f.type, eval: (r) => r[index], text: f.name, field: index, rowtime: f.rowtime, reads: [index] };
}

/** The conjuncts of an AND tree. */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** The AND of `parts` (at the position of the last), undefined when there are none. */
export function conjunction(parts: readonly Expr[]): Expr | undefined {
  return parts.reduce<Expr | undefined>((acc, e) => (acc === undefined ? e : { kind: 'binary', op: 'AND', left: acc, right: e, pos: e.pos }), undefined);
}
