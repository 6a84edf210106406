/**
 * A query's ORDER BY, LIMIT (FETCH FIRST) and OFFSET as Sluice's AST: the query they end
 * wrapped in an 'ordered' query. The planner decides what a stream can run.
 */
import type { ParserRuleContext, Token } from 'antlr4ng';
import type { OrderItemDefinitionContext, QueryStatementContext } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { OrderedQuery, Query } from '../ast';
import { SqlPosition } from '../SqlProblem';
import { visitColumnName, visitExpression, visitValue } from './expressionVisitor';
import { positionOf } from './lexStatement';
import { at, problem, VisitScope } from './visitScope';

/** `body` with the ORDER BY / LIMIT / OFFSET written at the end of `ctx`, if any. */
export function visitOrderAndLimit(scope: VisitScope, ctx: QueryStatementContext, body: Query): Query {
  const order = ctx.orderByClause();
  const limitClause = ctx.limitClause();
  const offset = takeOffset(scope, [limitClause, order, ctx.selectStatement(), ctx.selectClause()]);
  if (order === null && limitClause === null && offset === undefined) return body;
  const orderBy = (order?.orderItemDefinition() ?? []).map((item) => visitOrderItem(scope, item));
  let limit: OrderedQuery['limit'];
  const limitExpr = limitClause?.expression() ?? null;
  if (limitClause !== null && limitExpr !== null) {
    const e = visitExpression(scope, limitExpr);
    if (e.kind === 'literal' && typeof e.value === 'number' && Number.isInteger(e.value) && e.value >= 0) limit = { rows: e.value, pos: at(limitClause) };
    else problem(scope, limitExpr, `LIMIT takes a number of rows (a non-negative integer literal), got ${limitExpr.getText()}`);
  }
  const pos = order !== null ? at(order) : limitClause !== null ? at(limitClause) : offset!.pos;
  return { kind: 'ordered', query: body, orderBy, limit, offset, pos };
}

function visitOrderItem(scope: VisitScope, item: OrderItemDefinitionContext): OrderedQuery['orderBy'][number] {
  const column = item.columnName();
  const value = item.valueExpression();
  const expr = column !== null ? visitColumnName(scope, column) : visitValue(scope, value!);
  const nullsFirst = item.KW_NULLS() === null ? undefined : item.KW_FIRST() !== null;
  return { expr, descending: item.KW_DESC() !== null, nullsFirst, pos: at(item) };
}

/** The OFFSET cut out right after one of `ends` (the first that has one), taken from the scope. */
function takeOffset(scope: VisitScope, ends: readonly (ParserRuleContext | null)[]): { rows: number; pos: SqlPosition } | undefined {
  for (const end of ends) {
    const stop: Token | null | undefined = end?.stop;
    const clause = stop == null ? undefined : scope.offsets?.get(stop);
    if (clause === undefined) continue;
    scope.offsets!.delete(stop!);
    return { rows: Number(clause.rows.text), pos: positionOf(clause.keyword) };
  }
  return undefined;
}
