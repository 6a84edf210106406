/**
 * Expressions of the FlinkSQL parse tree as Sluice's AST: literals, intervals, columns,
 * operators, predicates (IS NULL, BETWEEN, IN, LIKE), CASE, CAST, EXTRACT and function calls,
 * each with the position the planner reports problems at (an operator's own token, as
 * before). What the grammar accepts but Sluice does not run is refused as unsupported.
 */
import type { Token } from 'antlr4ng';
import type {
  BooleanExpressionContext,
  ColumnNameContext,
  ColumnTypeContext,
  ConstantContext,
  ExpressionContext,
  FunctionCallExpressionContext,
  OrderItemDefinitionContext,
  PredicateContext,
  PrimaryExpressionContext,
  TimeIntervalExpressionContext,
  UidContext,
  ValueExpressionContext,
  WhenClauseContext,
} from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { Expr, OrderItem, TypeName } from '../ast';
import { flinkGrammar } from './flinkSqlGrammar';
import { at, isStringLiteral, nameOf, problem, singleToken, textOf, tokensOf, unquote, unsupported, VisitScope } from './visitScope';

export function visitExpression(scope: VisitScope, ctx: ExpressionContext): Expr {
  return visitBoolean(scope, ctx.booleanExpression());
}

export function visitBoolean(scope: VisitScope, ctx: BooleanExpressionContext): Expr {
  const G = flinkGrammar();
  if (ctx instanceof G.LogicalNotContext) return { kind: 'unary', op: 'NOT', arg: visitBoolean(scope, ctx.booleanExpression()), pos: at(ctx.KW_NOT()) };
  if (ctx instanceof G.PredicatedContext) {
    const arg = visitValue(scope, ctx.valueExpression());
    const predicate = ctx.predicate();
    return predicate === null ? arg : visitPredicate(scope, arg, predicate);
  }
  if (ctx instanceof G.LogicalBinaryContext) {
    const [left, right] = ctx.booleanExpression();
    const op = ctx._operator ?? ctx.start!;
    return { kind: 'binary', op: (op.text ?? '').toUpperCase(), left: visitBoolean(scope, left), right: visitBoolean(scope, right), pos: at(op) };
  }
  if (ctx instanceof G.LogicalNestedContext) {
    if (ctx.KW_NULL() === null) return unsupported(scope, ctx.KW_IS(), `IS ${ctx.KW_NOT() === null ? '' : 'NOT '}${ctx._kind?.text?.toUpperCase() ?? ''}`);
    return { kind: 'isNull', arg: visitBoolean(scope, ctx.booleanExpression()), negated: ctx.KW_NOT() !== null, pos: at(ctx.KW_IS()) };
  }
  if (ctx instanceof G.ExistsContext) return unsupported(scope, ctx, 'EXISTS (subquery)');
  return unsupported(scope, ctx, `the expression ${textOf(ctx)}`);
}

function visitPredicate(scope: VisitScope, arg: Expr, ctx: PredicateContext): Expr {
  const G = flinkGrammar();
  const P = G.FlinkSqlParser;
  const pos = at(ctx);
  const negated = ctx.KW_NOT() !== null;
  const like = ctx.likePredicate();
  if (like !== null) {
    const pattern = like.valueExpression();
    if (pattern === null) return unsupported(scope, like, `LIKE ${like._quantifier?.text?.toUpperCase() ?? ''} (...)`);
    if (like.KW_ESCAPE() !== null) return unsupported(scope, like.KW_ESCAPE()!, 'LIKE ... ESCAPE');
    return { kind: 'like', arg, pattern: visitValue(scope, pattern), negated: like.KW_NOT() !== null, pos: at(like) };
  }
  switch (ctx._kind?.type) {
    case P.KW_BETWEEN: {
      if (ctx.KW_ASYMMETRIC() !== null || ctx.KW_SYMMETRIC() !== null) return unsupported(scope, ctx, 'BETWEEN SYMMETRIC / ASYMMETRIC');
      const [low, high] = ctx.valueExpression();
      return { kind: 'between', arg, low: visitValue(scope, low), high: visitValue(scope, high), negated, pos };
    }
    case P.KW_IN:
      if (ctx.queryStatement() !== null) return unsupported(scope, ctx, 'IN (subquery)');
      return { kind: 'in', arg, list: ctx.expression().map((e) => visitExpression(scope, e)), negated, pos };
    case P.KW_NULL:
      return { kind: 'isNull', arg, negated, pos };
    default:
      return unsupported(scope, ctx, `the predicate ${textOf(ctx)}`);
  }
}

export function visitValue(scope: VisitScope, ctx: ValueExpressionContext): Expr {
  const G = flinkGrammar();
  if (ctx instanceof G.ValueExpressionDefaultContext) return visitPrimary(scope, ctx.primaryExpression());
  if (ctx instanceof G.ArithmeticUnaryContext) {
    const op = ctx._operator!;
    const arg = visitValue(scope, ctx.valueExpression());
    if (op.text === '-') return { kind: 'unary', op: '-', arg, pos: at(op) };
    if (op.text === '+') return arg;
    return unsupported(scope, op, `the operator ${op.text ?? ''}`);
  }
  if (ctx instanceof G.ArithmeticBinaryContext) {
    const op = ctx._operator!;
    const [left, right] = ctx.valueExpression();
    const text = op.text ?? '';
    if (!['*', '/', '%', '+', '-', '||'].includes(text)) return unsupported(scope, op, `the operator ${text}`);
    return { kind: 'binary', op: text, left: visitValue(scope, left), right: visitValue(scope, right), pos: at(op) };
  }
  if (ctx instanceof G.ComparisonContext) {
    const operator = ctx.comparisonOperator();
    const text = operator.getText();
    if (!['=', '<>', '!=', '<', '<=', '>', '>='].includes(text)) return unsupported(scope, operator, `the operator ${text}`);
    const [left, right] = ctx.valueExpression();
    return { kind: 'binary', op: text === '!=' ? '<>' : text, left: visitValue(scope, left), right: visitValue(scope, right), pos: at(operator) };
  }
  return unsupported(scope, ctx, `the expression ${textOf(ctx)}`);
}

export function visitPrimary(scope: VisitScope, ctx: PrimaryExpressionContext): Expr {
  const G = flinkGrammar();
  const pos = at(ctx);
  if (ctx instanceof G.ColumnReferenceContext) return visitColumnPath(scope, ctx.columnNamePath().uid());
  if (ctx instanceof G.DereferenceContext) return visitColumnPath(scope, ctx.dereferenceDefinition().uid());
  if (ctx instanceof G.ConstantDefaultContext) return visitConstant(scope, ctx.constant());
  if (ctx instanceof G.FunctionCallContext) return visitFunctionCall(scope, ctx.functionCallExpression());
  if (ctx instanceof G.ParenthesizedExpressionContext) return visitExpression(scope, ctx.expression());
  if (ctx instanceof G.SearchedCaseContext) {
    const otherwise = ctx.expression();
    return { kind: 'case', whens: visitWhens(scope, ctx.whenClause()), otherwise: otherwise === null ? undefined : visitExpression(scope, otherwise), pos };
  }
  if (ctx instanceof G.SimpleCaseContext) {
    const [operand, otherwise] = ctx.expression();
    return { kind: 'case', operand: visitExpression(scope, operand), whens: visitWhens(scope, ctx.whenClause()), otherwise: otherwise === undefined ? undefined : visitExpression(scope, otherwise), pos };
  }
  if (ctx instanceof G.CastContext) return { kind: 'cast', arg: visitExpression(scope, ctx.expression()), type: visitType(scope, ctx.columnType()), pos };
  if (ctx instanceof G.ExtractContext) return { kind: 'extract', unit: ctx.identifier().getText().toUpperCase(), arg: visitValue(scope, ctx.valueExpression()), pos };
  if (ctx instanceof G.PositionContext) {
    const [needle, haystack] = ctx.valueExpression();
    return { kind: 'call', name: 'POSITION', args: [visitValue(scope, needle), visitValue(scope, haystack)], distinct: false, star: false, pos };
  }
  if (ctx instanceof G.StarContext) return unsupported(scope, ctx, "'*' in an expression (write COUNT(*), or SELECT *)");
  if (ctx instanceof G.SubqueryExpressionContext) return unsupported(scope, ctx, 'a subquery as an expression');
  if (ctx instanceof G.SubscriptContext) return unsupported(scope, ctx, 'subscripts [...]');
  return unsupported(scope, ctx, `the expression ${textOf(ctx)}`);
}

function visitWhens(scope: VisitScope, whens: readonly WhenClauseContext[]): { when: Expr; then: Expr }[] {
  return whens.map((w) => {
    const [when, then] = w.expression();
    return { when: visitExpression(scope, when), then: visitExpression(scope, then) };
  });
}

/** `name` or `table.name`; a window table function here is out of place. */
export function visitColumnPath(scope: VisitScope, uid: UidContext): Expr {
  const pos = at(uid);
  const token = singleToken(uid);
  if (token !== undefined && scope.calls.has(token)) return unsupported(scope, uid, `${token.text ?? ''} outside FROM: a window table function is a table`);
  const parts = uid.identifier();
  if (parts.length === 1 && isStringLiteral(parts[0])) return { kind: 'literal', value: unquote(parts[0].getText()), pos };
  const names = parts.map((p) => nameOf(scope, p));
  if (names.length === 1) return { kind: 'column', name: names[0], pos };
  if (names.length === 2) return { kind: 'column', table: names[0], name: names[1], pos };
  return unsupported(scope, uid, `the column path ${names.join('.')} (write table.column)`);
}

/** A column name where the grammar takes one (GROUP BY, PARTITION BY, DESCRIPTOR...). */
export function visitColumnName(scope: VisitScope, ctx: ColumnNameContext): Expr {
  const uid = ctx.uidAllowEmpty();
  if (uid === null) return unsupported(scope, ctx, 'an empty column name');
  const pos = at(ctx);
  const parts = uid.identifier();
  if (parts.length === 1 && isStringLiteral(parts[0])) return { kind: 'literal', value: unquote(parts[0].getText()), pos };
  const token = singleToken(ctx);
  if (token !== undefined && scope.calls.has(token)) return unsupported(scope, ctx, `${token.text ?? ''} outside FROM: a window table function is a table`);
  const names = parts.map((p) => nameOf(scope, p));
  if (names.length === 1) return { kind: 'column', name: names[0], pos };
  if (names.length === 2) return { kind: 'column', table: names[0], name: names[1], pos };
  return unsupported(scope, ctx, `the column path ${names.join('.')} (write table.column)`);
}

function visitConstant(scope: VisitScope, ctx: ConstantContext): Expr {
  const pos = at(ctx);
  const interval = ctx.timeIntervalExpression();
  if (interval !== null) return visitInterval(scope, interval);
  const text = ctx.stringLiteral();
  if (text !== null) {
    // The grammar lexes `name` and "name" as strings too: in an expression they are columns.
    const quoted = text.getText();
    return quoted.startsWith("'") ? { kind: 'literal', value: unquote(quoted), pos } : { kind: 'column', name: unquote(quoted), pos };
  }
  const digits = ctx.decimalLiteral();
  if (digits !== null) {
    const literal: Expr = { kind: 'literal', value: Number(digits.getText()), pos: at(digits) };
    const minus = ctx.HYPHEN_SIGN();
    return minus === null ? literal : { kind: 'unary', op: '-', arg: literal, pos };
  }
  const real = ctx.REAL_LITERAL();
  if (real !== null) return { kind: 'literal', value: Number(real.getText()), pos };
  const bool = ctx.booleanLiteral();
  if (bool !== null) return { kind: 'literal', value: bool.KW_TRUE() !== null, pos };
  if (ctx.KW_NULL() !== null && ctx.KW_NOT() === null) return { kind: 'literal', value: null, pos };
  return unsupported(scope, ctx, `the literal ${textOf(ctx)}`);
}

/** INTERVAL '10' SECOND: one value, one unit (checked by the planner). */
export function visitInterval(scope: VisitScope, ctx: TimeIntervalExpressionContext): Expr {
  const pos = at(ctx);
  const multi = ctx.errorCapturingMultiUnitsInterval();
  if (multi === null || multi.unitToUnitInterval() !== null) {
    if (multi === null && ctx.errorCapturingUnitToUnitInterval() === null) {
      problem(scope, ctx, "INTERVAL needs a value and a unit, e.g. INTERVAL '10' SECOND");
      return { kind: 'literal', value: null, pos };
    }
    return unsupported(scope, ctx, 'intervals from one unit to another (... TO ...)');
  }
  const units = multi.multiUnitsInterval();
  const values = units.intervalValue();
  if (values.length !== 1) return unsupported(scope, ctx, "intervals of several units: write one unit, e.g. INTERVAL '90' SECOND");
  const value = values[0];
  const quoted = value.STRING_LITERAL();
  const text = quoted === null ? value.getText() : unquote(quoted.getText());
  return { kind: 'interval', text, unit: units.timeIntervalUnit(0)!.getText().toUpperCase(), pos };
}

function visitFunctionCall(scope: VisitScope, ctx: FunctionCallExpressionContext): Expr {
  const pos = at(ctx);
  const noParams = ctx.reservedKeywordsNoParamsUsedAsFuncName();
  if (noParams !== null) return unsupported(scope, ctx, `${noParams.getText().toUpperCase()} (queries compute on the data's event time)`);
  const typed = ctx.functionNameAndParams();
  if (typed !== null) {
    const interval = typed.timeIntervalExpression();
    if (interval !== null) return visitInterval(scope, interval);
    const type = typed.reservedKeywordsFollowParamsUsedAsFuncName()!.getText().toUpperCase();
    const value = unquote(typed.STRING_LITERAL()!.getText());
    if (type === 'TIMESTAMP' || type === 'DATE') return { kind: 'typedLiteral', type, text: value, pos };
    return unsupported(scope, ctx, `${type} literals`);
  }
  const fn = ctx.functionNameWithParams()!;
  const uid = fn.uid();
  let name: string;
  if (uid === null) name = fn.getText().toUpperCase();
  else {
    const parts = uid.identifier();
    if (parts.length !== 1) return unsupported(scope, fn, `the qualified function name ${textOf(uid)}`);
    const quoted = /^[`"]/.test(parts[0].getText());
    name = quoted ? nameOf(scope, parts[0]) : parts[0].getText().toUpperCase();
  }
  const distinct = ctx.setQuantifier()?.KW_DISTINCT() != null;
  // The grammar also matches an empty parameter (ROW_NUMBER()): it is no argument.
  const params = ctx.functionParam().filter((p) => tokensOf(p).length > 0);
  const args: Expr[] = [];
  let star = false;
  for (const param of params) {
    const expression = param.expression();
    const keyword = param.reservedKeywordsUsedAsFuncParam();
    if (keyword?.ASTERISK_SIGN() != null || (expression !== null && expression.getText() === '*')) {
      if (params.length !== 1) return unsupported(scope, param, `'*' among other arguments of ${name}`);
      star = true;
    } else if (expression !== null) args.push(visitExpression(scope, expression));
    else return unsupported(scope, param, `the argument ${textOf(param)} of ${name}`);
  }
  return { kind: 'call', name, args, distinct, star, pos };
}

export function visitOrderItems(scope: VisitScope, items: readonly OrderItemDefinitionContext[]): OrderItem[] {
  return items.map((item) => {
    if (item.KW_NULLS() !== null) unsupported(scope, item.KW_NULLS()!, 'NULLS FIRST / NULLS LAST');
    const column = item.columnName();
    const value = item.valueExpression();
    const expr = column !== null ? visitColumnName(scope, column) : visitValue(scope, value!);
    return { expr, descending: item.KW_DESC() !== null };
  });
}

/** A column type as written: TIMESTAMP(3), VARCHAR(20), DECIMAL(10, 2)... (the planner checks the name). */
export function visitType(scope: VisitScope, ctx: ColumnTypeContext): TypeName {
  const token: Token = ctx._colType ?? ctx.start!;
  const pos = at(token);
  let name = (token.text ?? '').toUpperCase();
  const one = ctx.lengthOneDimension();
  const two = ctx.lengthTwoOptionalDimension();
  const args = one !== null ? [Number(one.decimalLiteral().getText())] : two !== null ? two.decimalLiteral().map((d) => Number(d.getText())) : [];
  if (ctx.KW_ZONE() !== null) {
    if (ctx.KW_LOCAL() !== null && ctx.KW_WITH() !== null) name = 'TIMESTAMP_LTZ';
    else if (ctx.KW_WITH() !== null) problem(scope, ctx, 'TIMESTAMP WITH TIME ZONE is not supported: use TIMESTAMP_LTZ or TIMESTAMP');
  }
  // ARRAY<INT>, MAP<...>, ROW<...>: named in full, for the planner to refuse as a type it does not know.
  if (ctx.lengthOneTypeDimension() !== null || ctx.mapTypeDimension() !== null || ctx.rowTypeDimension() !== null || ctx.lengthTwoStringDimension() !== null) {
    name = ctx.getText().toUpperCase();
  }
  return { name, args, pos };
}
