/**
 * `SELECT ..., agg(x) OVER (PARTITION BY k ORDER BY ts <frame>) AS a FROM input`: per
 * partition, each input row with the aggregates over its frame, emitted in event-time order
 * once the watermark passes it (append-only). As in Flink, the OVER items of one SELECT share
 * one window, ordered by a time attribute, over an append-only input. (ROW_NUMBER(), RANK()
 * and DENSE_RANK() OVER are Top-Ns: planTopN.ts.)
 */
import { CallExpr, Expr, OverWindow, Select } from './ast';
import { Compiled, compileExpression, expressionKey } from './compileExpression';
import { OverFrameSpec, PlanNode } from './logicalPlan';
import { compileAggregate } from './planAggregation';
import { planCalc, planFiltered } from './planCalc';
import { PlanningContext, Scope, fieldRef } from './PlanningContext';
import { Field } from './types';

/** A select item `fn(...) OVER (...)`: where it is in the select list, the call and its window. */
export interface OverItem {
  readonly index: number;
  readonly call: CallExpr;
  readonly over: OverWindow;
}

/** The select items of `s` that are `fn(...) OVER (...)`, in order. */
export function overItems(s: Select): OverItem[] {
  return s.items.flatMap((item, index) => (item.expr.kind === 'call' && item.expr.over !== undefined ? [{ index, call: item.expr, over: item.expr.over }] : []));
}

/** `items` are the OVER items of `s` (overItems), none of them a ranking. */
export function planOverAggregate(s: Select, scope: Scope, where: Expr | undefined, items: readonly OverItem[], planning: PlanningContext): PlanNode {
  const [first] = items;
  const { over } = first;
  const windowKey = (w: OverWindow) => expressionKey([w.partitionBy, w.orderBy, w.frame]);
  for (const { call, over: other } of items.slice(1)) {
    if (windowKey(other) !== windowKey(over)) planning.problem(call.pos, `the OVER aggregations of one SELECT must share one window: ${call.name}(...) OVER differs from ${first.call.name}(...) OVER (name it once in a WINDOW clause)`);
  }
  if (s.groupBy.length > 0) planning.problem(s.pos, 'OVER aggregations cannot be combined with GROUP BY in one SELECT: aggregate in a subquery');
  const input = planFiltered(s, scope, where, planning);
  if (input.updating && !scope.opaque) {
    planning.problem(first.call.pos, `${first.call.name}(...) OVER needs an append-only input, but its input is updating (it comes from a GROUP BY, a continuous Top-N or an outer join): an OVER aggregation emits each row once and cannot take it back`);
  }
  const ctx = planning.context(scope, 'OVER');
  const partitionKeys = over.partitionBy.map((p) => compileExpression(p, ctx));
  const timeField = overTimeAttribute(over, scope, first.call, planning);
  const peerOrder = over.orderBy.slice(1).map((o) => ({ expr: compileExpression(o.expr, ctx), descending: o.descending }));
  const frame = overFrame(over, first.call, planning);
  const aggregates = items.map(({ call }) => compileAggregate({ ...call, over: undefined }, scope, false, false, planning));
  const recompute = items.some(({ call }) => {
    const udf = planning.catalog.functions.get(call.name);
    return udf?.kind === 'aggregate' && udf.retract === undefined;
  });
  const fields: Field[] = [...input.fields, ...aggregates.map((a, i) => ({ name: `w0$o${i}`, type: a.type }))];
  const node: PlanNode = { kind: 'overAggregate', input, partitionKeys, timeField, peerOrder, frame, aggregates, recompute, fields, updating: false };
  const overScope: Scope = { node, columns: fields.map((f, i) => ({ ...f, qualifier: scope.columns[i]?.qualifier })), opaque: scope.opaque };
  const refs = new Map<Expr, Compiled>(items.map(({ call }, i) => [call, fieldRef(fields, input.fields.length + i)]));
  return planCalc(s, overScope, undefined, planning, { substitute: (e) => refs.get(e), aggregated: false, starWidth: input.fields.length });
}

/**
 * The time attribute, ascending, an OVER window is ordered by first (0 after a problem).
 * Further ORDER BY items only order the rows of one time (a Sluice extension: Flink takes
 * them in arrival order, which makes a ROWS frame depend on it).
 */
function overTimeAttribute(over: OverWindow, scope: Scope, call: CallExpr, planning: PlanningContext): number {
  const [order] = over.orderBy;
  const hint = 'an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending';
  if (order === undefined) {
    planning.problem(call.pos, `${call.name}(...) OVER (...) needs ORDER BY: ${hint}`);
    return 0;
  }
  const time = compileExpression(order.expr, planning.context(scope, 'OVER'));
  if (scope.opaque || time.type === 'ANY') return time.field ?? 0;
  if (time.field === undefined || !time.rowtime) planning.problem(order.expr.pos, `OVER (... ORDER BY ${time.text}): ${hint}; ${time.text} is not one`);
  else if (order.descending) planning.problem(order.expr.pos, `OVER (... ORDER BY ${time.text} DESC): ${hint}`);
  return time.field ?? 0;
}

/** The frame as the runtime reads it; none written is RANGE UNBOUNDED PRECEDING, as in SQL. */
function overFrame(over: OverWindow, call: CallExpr, planning: PlanningContext): OverFrameSpec {
  const frame = over.frame;
  if (frame === undefined) return { unit: 'RANGE', rangeMs: undefined };
  const reach = frame.preceding;
  if (frame.unit === 'ROWS') {
    if (reach === undefined || typeof reach === 'number') return { unit: 'ROWS', rows: reach };
    planning.problem(frame.pos, `ROWS counts rows: write ROWS BETWEEN n PRECEDING AND CURRENT ROW, or RANGE BETWEEN INTERVAL ... PRECEDING AND CURRENT ROW for a time range`);
    return { unit: 'ROWS', rows: undefined };
  }
  if (reach === undefined || reach === 0) return { unit: 'RANGE', rangeMs: reach };
  if (typeof reach === 'number') {
    planning.problem(frame.pos, `RANGE over a time attribute reaches back a time: write RANGE BETWEEN INTERVAL '${reach}' SECOND PRECEDING AND CURRENT ROW (or ROWS BETWEEN ${reach} PRECEDING AND CURRENT ROW to count rows)`);
    return { unit: 'RANGE', rangeMs: undefined };
  }
  const c = compileExpression(reach, planning.context({ columns: [], opaque: false }, 'a window frame'));
  if (c.type !== 'INTERVAL' || c.constant === undefined || !((c.constant.value as number) >= 0)) {
    if (c.type !== 'ANY') planning.problem(reach.pos, `${call.name}(...) OVER: the frame must reach back an INTERVAL literal such as INTERVAL '10' SECOND, got ${c.text}`);
    return { unit: 'RANGE', rangeMs: undefined };
  }
  return { unit: 'RANGE', rangeMs: c.constant.value as number };
}
