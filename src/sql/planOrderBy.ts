/**
 * ORDER BY, LIMIT and OFFSET of a query, planned as Flink plans them:
 * - with a LIMIT: a Top-N over the whole result (a SortLimit: the rank operator without a rank
 *   column); on a stream it is a changelog, unless there is no ORDER BY (the first rows to come,
 *   append-only);
 * - without one, in batch mode: a full sort, emitted at the end of the input;
 * - without one, on a stream: only a sort whose first key is an ascending time attribute runs
 *   (a temporal sort: rows wait until the watermark passes them, later keys break ties), since
 *   any other order is never final on an unbounded input.
 * ORDER BY names the query's output columns. NULLs sort as the smallest values (Flink's
 * default: first when ascending, last when descending) unless NULLS FIRST / LAST says otherwise.
 */
import { Expr, OrderedQuery } from './ast';
import { ExpressionContext, ScopeColumn, compileExpression } from './compileExpression';
import { PlanNode, SortKey } from './logicalPlan';
import { SqlProblem } from './SqlProblem';

export interface OrderByPlanning {
  readonly mode: 'streaming' | 'batch';
  readonly problems: SqlProblem[];
  readonly context: (scope: { columns: readonly ScopeColumn[]; opaque: boolean }, clause: string) => ExpressionContext;
}

export function planOrderBy(q: OrderedQuery, input: PlanNode, planning: OrderByPlanning): PlanNode {
  const { problems } = planning;
  const opaque = input.kind === 'invalid';
  const context = planning.context({ columns: input.fields.map((f) => ({ ...f, qualifier: undefined })), opaque }, 'ORDER BY');
  // `ORDER BY b.price` names the output column price when the query outputs one price.
  const unqualified = (e: Expr): Expr => (e.kind === 'column' && e.table !== undefined && input.fields.filter((f) => f.name === e.name).length === 1 ? { ...e, table: undefined } : e);
  const orderBy: SortKey[] = q.orderBy.map((o) => ({ expr: compileExpression(unqualified(o.expr), context), descending: o.descending, nullsFirst: o.nullsFirst ?? !o.descending }));
  if (opaque) return input;
  const offset = q.offset?.rows ?? 0;
  const base = { kind: 'rank', fn: 'ROW_NUMBER', input, partitionKeys: [], orderBy, rankStart: offset + 1, numbered: false, windowEnd: undefined, pos: q.pos, fields: input.fields } as const;
  if (q.limit !== undefined) {
    // Without ORDER BY the first rows to arrive are kept: nothing already emitted is taken back.
    return { ...base, limit: offset + q.limit.rows, updating: input.updating || orderBy.length > 0 };
  }
  if (planning.mode === 'batch') return { ...base, limit: undefined, updating: input.updating };
  if (q.offset !== undefined) {
    problems.push({ ...q.offset.pos, message: 'OFFSET on an unbounded stream needs a LIMIT (ORDER BY ... LIMIT n OFFSET m is a continuous Top-N); or run the query in batch mode' });
    return input;
  }
  const [first] = orderBy;
  // LIMIT ALL alone: nothing to do.
  if (first === undefined) return input;
  const time = first.expr;
  if (time.type !== 'ANY' && (time.field === undefined || !time.rowtime || first.descending)) {
    const what = time.field !== undefined && time.rowtime ? `${time.text} DESC` : `${time.text}, which is not a time attribute,`;
    problems.push({
      ...q.orderBy[0].pos,
      message: `ORDER BY on an unbounded stream must sort first by an ascending time attribute (a column with a WATERMARK), but it sorts by ${what} whose order is never final; add a LIMIT for a continuous Top-N (ORDER BY ... LIMIT n), or run the query in batch mode`,
    });
    return input;
  }
  if (input.updating) {
    problems.push({ ...q.pos, message: 'ORDER BY a time attribute needs an append-only input, but this one is updating (a GROUP BY, a join with retractions or a continuous Top-N)' });
    return input;
  }
  return { kind: 'temporalSort', input, timeField: time.field!, orderBy, fields: input.fields, updating: false };
}
