/**
 * Queries of the FlinkSQL parse tree as Sluice's AST: SELECT (DISTINCT, WHERE, GROUP BY,
 * HAVING), UNION ALL, subqueries, joins and window table functions in FROM.
 */
import type {
  ColumnProjectItemContext,
  GroupItemDefinitionContext,
  QueryStatementContext,
  SelectStatementContext,
  TableExpressionContext,
  TableReferenceContext,
} from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { Expr, FromItem, Query, SelectItem } from '../ast';
import { visitBoolean, visitColumnName, visitExpression } from './expressionVisitor';
import { NamedWindows, visitOverWindowItem, visitWindowClause } from './overWindowVisitor';
import { visitOrderAndLimit } from './orderByVisitor';
import { parseSlice } from './parseSlice';
import { at, nameOf, problem, singleToken, textOf, tokenAfterChild, tokensOf, unsupported, VisitScope } from './visitScope';
import { visitWindowTableFunction } from './windowTableFunction';
import { visitMatchRecognize } from './matchRecognizeClause';

export function visitQuery(scope: VisitScope, ctx: QueryStatementContext): Query {
  return visitOrderAndLimit(scope, ctx, visitQueryBody(scope, ctx));
}

function visitQueryBody(scope: VisitScope, ctx: QueryStatementContext): Query {
  if (ctx.valuesClause() !== null) return placeholderQuery(scope, ctx, 'VALUES as a query');
  if (ctx.withClause() !== null) return placeholderQuery(scope, ctx, 'WITH ... AS (common table expressions): create a view instead');
  const operator = ctx._operator;
  if (operator !== null && operator !== undefined) {
    const [left, right] = ctx.queryStatement();
    if (operator.text?.toUpperCase() !== 'UNION') return placeholderQuery(scope, operator, `${operator.text?.toUpperCase() ?? ''}`);
    if (ctx.KW_ALL() === null) problem(scope, operator, 'only UNION ALL is supported (UNION without ALL would remove duplicates)');
    const first = visitQuery(scope, left);
    // The grammar gives an ORDER BY / LIMIT after the last input to that input; it ends the union.
    const last = visitQuery(scope, right);
    const ordersUnion = last.kind === 'ordered' && right.LR_BRACKET() === null;
    const lastInput = ordersUnion ? last.query : last;
    // a UNION ALL b UNION ALL c is one union of three inputs (but not when parenthesized).
    const inputs = first.kind === 'unionAll' && left._operator != null ? [...first.inputs, lastInput] : [first, lastInput];
    const union: Query = { kind: 'unionAll', inputs, pos: inputs[0].pos };
    return ordersUnion ? { ...last, query: union } : union;
  }
  const select = ctx.selectStatement();
  if (select !== null) return visitSelect(scope, select);
  if (ctx.selectClause() !== null) return placeholderQuery(scope, ctx, 'SELECT without FROM');
  const inner = ctx.queryStatement();
  if (inner.length === 1) return visitQuery(scope, inner[0]);
  return placeholderQuery(scope, ctx, `the query ${textOf(ctx)}`);
}

/** Records an unsupported query and stands in for it. */
function placeholderQuery(scope: VisitScope, node: Parameters<typeof unsupported>[1], what: string): Query {
  unsupported(scope, node, what);
  const pos = at(node);
  return { kind: 'select', distinct: false, items: [], from: { kind: 'table', name: '', pos }, groupBy: [], pos };
}

function visitSelect(scope: VisitScope, ctx: SelectStatementContext): Query {
  const clause = ctx.selectClause();
  const pos = at(clause);
  if (ctx.matchRecognizeClause() !== null) return placeholderQuery(scope, ctx.matchRecognizeClause()!, 'MATCH_RECOGNIZE');
  const windows = visitWindowClause(scope, ctx.windowClause()?.namedWindow() ?? []);
  const fromClause = ctx.fromClause();
  if (fromClause === null) return placeholderQuery(scope, clause, 'SELECT without FROM');
  const items = clause.selectList().columnProjectItem().map((item) => visitSelectItem(scope, item, windows));
  const from = withMatchRecognize(scope, fromClause.tableExpression(), visitFrom(scope, fromClause.tableExpression()));
  const whereClause = ctx.whereClause();
  let where: Expr | undefined;
  if (whereClause !== null) {
    const condition = whereClause.booleanExpression();
    where = condition !== null ? visitBoolean(scope, condition) : unsupported(scope, whereClause, 'this WHERE clause');
  }
  const groupBy = (ctx.groupByClause()?.groupItemDefinition() ?? []).flatMap((g) => visitGroupItem(scope, g));
  const having = ctx.havingClause();
  return {
    kind: 'select',
    distinct: clause.setQuantifier()?.KW_DISTINCT() != null,
    items,
    from,
    where,
    groupBy,
    having: having === null ? undefined : visitBoolean(scope, having.booleanExpression()),
    pos,
  };
}

/** The FROM item, under the MATCH_RECOGNIZE written after it, if any (see matchRecognizeClause.ts). */
function withMatchRecognize(scope: VisitScope, ctx: TableExpressionContext, from: FromItem): FromItem {
  const clause = ctx.stop === null ? undefined : scope.matchRecognize?.get(ctx.stop);
  if (clause === undefined) return from;
  scope.matchRecognize!.delete(ctx.stop!);
  return visitMatchRecognize(scope, clause, from) ?? { kind: 'table', name: '', pos: at(ctx) };
}

function visitSelectItem(scope: VisitScope, ctx: ColumnProjectItemContext, windows: NamedWindows): SelectItem {
  const pos = at(ctx);
  const windowItem = ctx.selectWindowItemColumnName();
  if (windowItem !== null) return visitOverWindowItem(scope, windowItem.overWindowItem(), windows);
  const star = ctx.tableAllColumns();
  if (star !== null) {
    if (ctx.columnAlias() !== null) unsupported(scope, ctx.columnAlias()!, 'an alias for *');
    const path = star.identifier();
    return { expr: { kind: 'star', table: path.length === 0 ? undefined : nameOf(scope, path[path.length - 1]), pos } };
  }
  const alias = ctx.columnAlias();
  const aliasName = alias !== null ? nameOf(scope, alias.identifier()) : undefined;
  const literal = ctx.selectLiteralColumnName();
  if (literal !== null && ctx.expression() !== null && ctx.KW_AS() === null) {
    // The grammar reads `f(x)` or `a -1` as a column followed by an alias expression: read the
    // item again as one expression; only if that fails is the second part an alias.
    const tokens = tokensOf(ctx);
    const whole = parseSlice(scope, tokens, tokens[tokens.length - 1], (p) => p.expression(), (e) => visitExpression(scope, e), true);
    if (whole !== undefined) return { expr: whole };
  }
  if (literal !== null) {
    // `column alias` where the grammar took the alias as an expression: only a plain name is one.
    const aliasExpr = ctx.expression();
    let name = aliasName;
    if (aliasExpr !== null) {
      const e = visitExpression(scope, aliasExpr);
      if (e.kind === 'column' && e.table === undefined) name = e.name;
      else problem(scope, aliasExpr, `expected an alias (a name) but found ${textOf(aliasExpr)}`);
    }
    return { expr: visitColumnName(scope, literal.columnName()), alias: name };
  }
  const expression = ctx.selectExpressionColumnName();
  if (expression !== null) {
    const aliasColumn = ctx.columnName();
    let name = aliasName;
    if (aliasColumn !== null) {
      const e = visitColumnName(scope, aliasColumn);
      if (e.kind === 'column' && e.table === undefined) name = e.name;
      else problem(scope, aliasColumn, `expected an alias (a name) but found ${textOf(aliasColumn)}`);
    }
    return { expr: visitExpression(scope, expression.expression()), alias: name };
  }
  return { expr: unsupported(scope, ctx, `the select item ${textOf(ctx)}`) };
}

function visitGroupItem(scope: VisitScope, ctx: GroupItemDefinitionContext): Expr[] {
  const column = ctx.columnName();
  if (column !== null) return [visitColumnName(scope, column)];
  if (ctx.groupWindowFunction() !== null) return [unsupported(scope, ctx, 'group window functions in GROUP BY: use a window table function, e.g. FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL \'10\' SECOND)) ... GROUP BY window_start, window_end')];
  if (ctx.groupingSets() !== null || ctx.groupingSetsNotationName() !== null) return [unsupported(scope, ctx, 'GROUPING SETS, CUBE and ROLLUP')];
  const expressions = ctx.expression();
  if (expressions.length === 0) return [unsupported(scope, ctx, 'GROUP BY ()')];
  return expressions.map((e) => visitExpression(scope, e));
}

export function visitFrom(scope: VisitScope, ctx: TableExpressionContext): FromItem {
  const references = ctx.tableReference();
  if (references.length > 1) problem(scope, ctx.COMMA(0)!, 'comma joins are not supported: write JOIN ... ON ...');
  if (references.length > 0) return visitTableReference(scope, references[0]);
  const sides = ctx.tableExpression();
  if (sides.length === 2) {
    const left = visitFrom(scope, sides[0]);
    const right = visitFrom(scope, sides[1]);
    const joinToken = tokenAfterChild(ctx, 0);
    const pos = joinToken === undefined ? at(ctx) : at(joinToken);
    if (ctx.KW_CROSS() !== null) return { kind: 'join', joinType: 'INNER', left, right, on: unsupported(scope, ctx.KW_CROSS()!, 'CROSS JOIN'), pos };
    if (ctx.KW_NATURAL() !== null) unsupported(scope, ctx.KW_NATURAL()!, 'NATURAL JOIN: write JOIN ... ON ...');
    const joinType = ctx.KW_LEFT() !== null ? 'LEFT' : ctx.KW_RIGHT() !== null ? 'RIGHT' : ctx.KW_FULL() !== null ? 'FULL' : 'INNER';
    const condition = ctx.joinCondition();
    const on = condition?.booleanExpression() ?? null;
    if (condition === null) return { kind: 'join', joinType, left, right, on: unsupported(scope, ctx.KW_JOIN()!, 'a join without ON: write JOIN ... ON ...'), pos };
    if (on === null) return { kind: 'join', joinType, left, right, on: unsupported(scope, condition, 'JOIN ... USING: write JOIN ... ON ...'), pos };
    return { kind: 'join', joinType, left, right, on: visitBoolean(scope, on), pos };
  }
  const pos = at(ctx);
  unsupported(scope, ctx, ctx.inlineDataValueClause() !== null ? 'VALUES in FROM' : `this FROM item`);
  return { kind: 'table', name: '', pos };
}

function visitTableReference(scope: VisitScope, ctx: TableReferenceContext): FromItem {
  const aliasCtx = ctx.tableAlias();
  if (aliasCtx?.identifierList() != null) unsupported(scope, aliasCtx.identifierList()!, 'column aliases after a table alias');
  const alias = aliasCtx === null ? undefined : nameOf(scope, aliasCtx.identifier());
  const primary = ctx.tablePrimary();
  const path = primary.tablePath() ?? primary.viewPath();
  if (path !== null) {
    if (primary.systemTimePeriod() !== null) unsupported(scope, primary.systemTimePeriod()!, 'FOR SYSTEM_TIME AS OF (temporal joins)');
    const placeholder = singleToken(path);
    const call = placeholder === undefined ? undefined : scope.calls.get(placeholder);
    if (call !== undefined) return visitWindowTableFunction(scope, call, alias);
    const parts = path.identifier();
    // Dotted names (catalog.db.table) are accepted; the last part names the table.
    const last = parts[parts.length - 1];
    return { kind: 'table', name: nameOf(scope, last), alias, pos: at(last) };
  }
  const atom = primary.atomExpressionTable();
  if (atom !== null && atom.queryStatement() !== null) {
    if (atom.KW_LATERAL() !== null) unsupported(scope, atom.KW_LATERAL()!, 'LATERAL subqueries');
    return { kind: 'subquery', query: visitQuery(scope, atom.queryStatement()!), alias, pos: at(atom.LR_BRACKET()) };
  }
  const pos = at(primary);
  unsupported(scope, primary, atom !== null ? 'UNNEST' : 'LATERAL TABLE(...) (table functions)');
  return { kind: 'table', name: '', alias, pos };
}
