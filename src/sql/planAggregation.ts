/**
 * GROUP BY and aggregate functions. A GROUP BY on the window_start and window_end of a window
 * TVF, or on the start and end of one windowing kept from an earlier windowed operator, is a
 * window aggregation (final results when the window closes, append-only); any other is an
 * updating aggregation (a changelog). The select list and HAVING then read the group keys and
 * aggregates from the aggregation's output; other columns are refused.
 */
import { CallExpr, Expr, Select } from './ast';
import { AggregateCall, builtinAggregate, userAggregate } from './aggregates';
import { Compiled, ExpressionContext, compileExpression, expressionKey, isAggregateCall } from './compileExpression';
import { PlanNode, WindowSpec } from './logicalPlan';
import { planCalc, planFiltered, uniqueNames } from './planCalc';
import { PlanningContext, Scope, fieldRef, planningContext } from './PlanningContext';
import { WINDOW_COLUMNS, windowFields } from './planWindowTableFunction';
import { SqlProblem } from './SqlProblem';
import { Field, SqlType, WindowBound, isNumeric, sameWindowing } from './types';
import { UserDefinedFunction } from './UserDefinedFunction';

type WindowAggregate = Extract<PlanNode, { kind: 'windowAggregate' }>;

/** The aggregate calls of the select list and HAVING (not inside another aggregate's arguments), in order. */
export function aggregateCalls(s: Select, functions: ReadonlyMap<string, UserDefinedFunction>): CallExpr[] {
  const calls: CallExpr[] = [];
  for (const item of s.items) if (item.expr.kind !== 'star') collectAggregates(item.expr, functions, calls);
  if (s.having !== undefined) collectAggregates(s.having, functions, calls);
  return calls;
}

function collectAggregates(e: Expr, functions: ReadonlyMap<string, UserDefinedFunction>, out: CallExpr[]): void {
  if (e.kind === 'call' && isAggregateCall(e, functions)) {
    out.push(e);
    return;
  }
  const visit = (x: Expr | undefined): void => {
    if (x !== undefined) collectAggregates(x, functions, out);
  };
  switch (e.kind) {
    case 'unary':
    case 'cast':
    case 'isNull':
    case 'extract':
      return visit(e.arg);
    case 'binary':
      return (visit(e.left), visit(e.right), undefined);
    case 'call':
      return e.args.forEach(visit);
    case 'case':
      visit(e.operand);
      e.whens.forEach((w) => (visit(w.when), visit(w.then)));
      return visit(e.otherwise);
    case 'between':
      return (visit(e.arg), visit(e.low), visit(e.high), undefined);
    case 'in':
      return (visit(e.arg), e.list.forEach(visit));
    case 'like':
      return (visit(e.arg), visit(e.pattern), undefined);
    default:
      return;
  }
}

/**
 * A SELECT with a GROUP BY or aggregate `calls` (see aggregateCalls) over `scope`, its rows
 * filtered by `where` first.
 */
export function planAggregation(s: Select, scope: Scope, where: Expr | undefined, calls: readonly CallExpr[], planning: PlanningContext): PlanNode {
  const isWindowGroup = scope.node.kind === 'windowTvf' && ['window_start', 'window_end'].every((w) => s.groupBy.some((g) => g.kind === 'column' && g.name === w));
  if (isWindowGroup) return planWindowAggregate(s, scope, where, calls, planning);
  const bounds = groupedWindowBounds(s, scope, planning);
  if (bounds !== undefined) return planAttachedWindowAggregate(s, scope, where, calls, bounds, planning);
  return planGroupAggregate(s, scope, where, calls, planning);
}

/** An updating aggregation: per group, its aggregates' results as they change. */
function planGroupAggregate(s: Select, scope: Scope, where: Expr | undefined, calls: readonly CallExpr[], planning: PlanningContext): PlanNode {
  const input = planFiltered(s, scope, where, planning);
  const group = groupKeys(s.groupBy, scope, planning);
  const { keys } = group;
  const { aggregates, index } = compileAggregates(calls, scope, input.updating, false, planning);
  const keyNames = uniqueNames(keys.map((k, i) => (k.field !== undefined ? scope.node.fields[k.field].name : `EXPR$${i}`)));
  const fields: Field[] = [...keys.map((k, i) => ({ name: keyNames[i], type: k.type })), ...aggregates.map((a, i) => ({ name: `EXPR$${keys.length + i}`, type: a.type }))];
  const node: PlanNode = { kind: 'groupAggregate', input, keys, aggregates, fields, updating: true };
  return selectAggregated(s, scope, { node, columns: fields, opaque: scope.opaque }, group, index, keys.length, () => undefined, planning);
}

/** A GROUP BY window_start, window_end over a window TVF: the TVF assigns the windows, the aggregation closes them. */
function planWindowAggregate(s: Select, scope: Scope, where: Expr | undefined, calls: readonly CallExpr[], planning: PlanningContext): PlanNode {
  const tvf = scope.node as Extract<PlanNode, { kind: 'windowTvf' }>;
  const inputScope: Scope = { node: tvf.input, columns: scope.columns.slice(0, tvf.input.fields.length), opaque: scope.opaque };
  let input = tvf.input;
  if (where !== undefined) {
    // The WHERE is planned under the TVF, where the window columns do not exist yet.
    const probe: SqlProblem[] = [];
    input = planFiltered(s, inputScope, where, planningContext(planning.catalog, probe, planning.mode));
    if (probe.length > 0) {
      const usesWindow = WINDOW_COLUMNS.some((w) => probe.some((p) => p.message.includes(`'${w}'`)));
      if (usesWindow) planning.problem(where.pos, 'WHERE before a window aggregation cannot use window_start, window_end or window_time: filter in an enclosing query');
      else planning.problems.push(...probe);
    }
  }
  const groups = s.groupBy.filter((g) => !(g.kind === 'column' && WINDOW_COLUMNS.includes(g.name)));
  const windowColumn = (e: Expr) => (e.kind === 'column' && WINDOW_COLUMNS.includes(e.name) ? WINDOW_COLUMNS.indexOf(e.name) : undefined);
  const windowing = { kind: 'assign' as const, timeField: tvf.timeField };
  return windowAggregate(s, inputScope, input, tvf.window, windowing, groups, windowColumn, calls, planning);
}

/** The GROUP BY items that are the start and the end of one windowing, and that windowing. */
interface GroupedWindowBounds {
  readonly start: number;
  readonly end: number;
  readonly window: WindowSpec;
  readonly items: ReadonlySet<Expr>;
}

/**
 * The GROUP BY items that are the start and the end of one windowing, kept from an earlier
 * windowed operator over an append-only input: such a GROUP BY is a window aggregation.
 */
function groupedWindowBounds(s: Select, scope: Scope, planning: PlanningContext): GroupedWindowBounds | undefined {
  if (scope.node.updating) return undefined;
  const found: { item: Expr; field: number; bound: WindowBound }[] = [];
  for (const g of s.groupBy) {
    const c = compileExpression(g, { ...planning.context(scope, 'GROUP BY'), problems: [] });
    const bound = c.field === undefined ? undefined : scope.node.fields[c.field]?.windowBound;
    if (c.field !== undefined && bound !== undefined) found.push({ item: g, field: c.field, bound });
  }
  for (const start of found.filter((f) => f.bound.bound === 'start')) {
    const end = found.find((f) => f.bound.bound === 'end' && sameWindowing(f.bound, start.bound));
    if (end !== undefined) return { start: start.field, end: end.field, window: start.bound.window, items: new Set([start.item, end.item]) };
  }
  return undefined;
}

/** A GROUP BY on the bounds of windows its input rows already carry (see groupedWindowBounds). */
function planAttachedWindowAggregate(s: Select, scope: Scope, where: Expr | undefined, calls: readonly CallExpr[], bounds: GroupedWindowBounds, planning: PlanningContext): PlanNode {
  const input = planFiltered(s, scope, where, planning);
  const groups = s.groupBy.filter((g) => !bounds.items.has(g));
  const boundKeys = new Map([...bounds.items].map((g) => [expressionKey(g), g]));
  const windowColumn = (e: Expr) => {
    const item = boundKeys.get(expressionKey(e));
    if (item === undefined) return undefined;
    const c = compileExpression(item, { ...planning.context(scope, 'GROUP BY'), problems: [] });
    return c.field === bounds.start ? 0 : 1;
  };
  const windowing = { kind: 'attached' as const, start: bounds.start, end: bounds.end };
  return windowAggregate(s, scope, input, bounds.window, windowing, groups, windowColumn, calls, planning);
}

/**
 * The window aggregation of `input` grouped by `groups` (the GROUP BY items other than the
 * window's), and the select list over it; `windowColumn` tells which of window_start,
 * window_end, window_time (0, 1, 2) an expression of the select list or HAVING stands for.
 */
function windowAggregate(
  s: Select,
  inputScope: Scope,
  input: PlanNode,
  window: WindowSpec,
  windowing: WindowAggregate['windowing'],
  groups: readonly Expr[],
  windowColumn: (e: Expr) => number | undefined,
  calls: readonly CallExpr[],
  planning: PlanningContext,
): PlanNode {
  const group = groupKeys(groups, inputScope, planning);
  const { keys, keyFields } = group;
  // Rows that carry their window were merged already, if the windows were sessions.
  const merging = window.kind === 'SESSION' && windowing.kind === 'assign';
  const { aggregates, index } = compileAggregates(calls, inputScope, false, merging, planning);
  const keyNames = keys.map((k, i) => (k.field !== undefined ? input.fields[k.field].name : `EXPR$${i}`));
  const fields: Field[] = [
    ...keys.map((k, i) => ({ name: keyNames[i], type: k.type })),
    ...windowFields(window),
    ...aggregates.map((a, i) => ({ name: `EXPR$${keys.length + 3 + i}`, type: a.type })),
  ];
  const node: PlanNode = { kind: 'windowAggregate', input, window, windowing, keys, aggregates, fields, updating: false };
  if (windowing.kind === 'attached') keyFields.set(windowing.start, keys.length).set(windowing.end, keys.length + 1);
  const windowOutput = (e: Expr) => {
    const w = windowColumn(e);
    return w === undefined ? undefined : keys.length + w;
  };
  return selectAggregated(s, inputScope, { node, columns: fields, opaque: inputScope.opaque }, group, index, keys.length + 3, windowOutput, planning);
}

/** GROUP BY items compiled over the input, and where the select list finds each in the aggregation's output. */
interface GroupKeys {
  readonly keys: Compiled[];
  /** By expression (expressionKey): the key's output column. */
  readonly byExpression: ReadonlyMap<string, number>;
  /** By input column, for a key that is a bare column (named another way in the select list): the key's output column. */
  readonly keyFields: Map<number, number>;
}

function groupKeys(groups: readonly Expr[], scope: Scope, planning: PlanningContext): GroupKeys {
  const ctx = planning.context(scope, 'GROUP BY');
  const keys = groups.map((g) => compileExpression(g, ctx));
  return {
    keys,
    byExpression: new Map(groups.map((g, i) => [expressionKey(g), i])),
    keyFields: new Map(keys.flatMap((k, i) => (k.field === undefined ? [] : [[k.field, i] as const]))),
  };
}

/**
 * The select list and HAVING of `s` over an aggregation's output (`aggregated`): group keys
 * and aggregate calls (from column `aggregateOffset` on) read it, and so do the expressions
 * `extra` places (a window's bounds); other columns of the input are refused.
 */
function selectAggregated(
  s: Select,
  input: Scope,
  aggregated: Scope,
  group: GroupKeys,
  aggregates: ReadonlyMap<string, number>,
  aggregateOffset: number,
  extra: (e: Expr) => number | undefined,
  planning: PlanningContext,
): PlanNode {
  const { fields } = aggregated.node;
  const substitute: ExpressionContext['substitute'] = (e) => {
    const key = expressionKey(e);
    const k = group.byExpression.get(key);
    if (k !== undefined) return fieldRef(fields, k);
    const a = aggregates.get(key);
    if (a !== undefined) return fieldRef(fields, aggregateOffset + a);
    const x = extra(e);
    if (x !== undefined) return fieldRef(fields, x);
    if (e.kind === 'column') {
      const probe: SqlProblem[] = [];
      const c = compileExpression(e, { ...planning.context(input, 'GROUP BY'), problems: probe });
      const keyField = c.field === undefined ? undefined : group.keyFields.get(c.field);
      if (keyField !== undefined) return fieldRef(fields, keyField);
      if (probe.length > 0) planning.problems.push(...probe);
      else if (!input.opaque) planning.problem(e.pos, `column '${c.text}' must be in GROUP BY or inside an aggregate function`);
      return { type: 'ANY', eval: () => null, text: c.text };
    }
    return undefined;
  };
  return planCalc(s, aggregated, s.having, planning, { substitute });
}

/** Each distinct aggregate call once, and by expression (expressionKey) its index among them. */
function compileAggregates(calls: readonly CallExpr[], scope: Scope, updatingInput: boolean, merging: boolean, planning: PlanningContext): { aggregates: AggregateCall[]; index: Map<string, number> } {
  const aggregates: AggregateCall[] = [];
  const index = new Map<string, number>();
  for (const call of calls) {
    const key = expressionKey(call);
    if (index.has(key)) continue;
    index.set(key, aggregates.length);
    aggregates.push(compileAggregate(call, scope, updatingInput, merging, planning));
  }
  return { aggregates, index };
}

/**
 * One aggregate call, checked: a user-defined aggregate needs retract over an updating input
 * and merge in SESSION windows (`merging`); a refused call is reported and stands as COUNT().
 */
export function compileAggregate(call: CallExpr, scope: Scope, updatingInput: boolean, merging: boolean, planning: PlanningContext): AggregateCall {
  const ctx = planning.context(scope, "an aggregate function's arguments");
  const args = call.args.map((a) => compileExpression(a, ctx));
  const checked = checkedAggregate(call, args, updatingInput, merging, planning);
  const unknown = args.some((a) => a.reads === undefined);
  return unknown ? checked : { ...checked, reads: [...new Set(args.flatMap((a) => a.reads!))] };
}

function checkedAggregate(call: CallExpr, args: readonly Compiled[], updatingInput: boolean, merging: boolean, planning: PlanningContext): AggregateCall {
  const text = `${call.name}(${call.distinct ? 'DISTINCT ' : ''}${call.star ? '*' : args.map((a) => a.text).join(', ')})`;
  const fail = (message: string): AggregateCall => {
    planning.problem(call.pos, message);
    return builtinAggregate('COUNT', [], false, text);
  };
  const udf = planning.catalog.functions.get(call.name);
  if (udf !== undefined && udf.kind === 'aggregate') {
    if (updatingInput && udf.retract === undefined) return fail(`${call.name} has no retract method, which an aggregate over an updating input needs`);
    if (merging && udf.merge === undefined) return fail(`${call.name} has no merge method, which SESSION windows need`);
    return userAggregate(udf, args, text);
  }
  if (call.star && call.name !== 'COUNT') return fail(`${call.name}(*) is not valid: only COUNT takes *`);
  if (call.distinct && call.name !== 'COUNT') return fail(`DISTINCT is supported in COUNT only`);
  if (!call.star && args.length !== 1) return fail(`${call.name} takes one argument, got ${args.length}`);
  const type: SqlType = args[0]?.type ?? 'INT';
  if ((call.name === 'SUM' || call.name === 'AVG') && !isNumeric(type)) return fail(`${call.name} needs a number but ${args[0].text} is ${type}`);
  if ((call.name === 'MIN' || call.name === 'MAX') && (type === 'INTERVAL' || type === 'BOOLEAN')) return fail(`${call.name} cannot order ${type} values`);
  return builtinAggregate(call.name, args, call.distinct, text);
}
