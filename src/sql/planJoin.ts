/**
 * `a [INNER | LEFT | RIGHT | FULL] JOIN b ON ...`: the equalities between a column of each side
 * are the join keys, the rest of ON a condition on joined rows. Over append-only inputs, keys on
 * both bounds of one windowing make a window join, and conditions that bound one side's time
 * attribute by the other's an interval join; any other join keeps both inputs in state.
 */
import { Expr, FromItem } from './ast';
import { Compiled, ScopeColumn, compileExpression } from './compileExpression';
import { PlanNode } from './logicalPlan';
import { PlanningContext, Scope, conjunction, conjuncts, fieldRef } from './PlanningContext';
import { SqlProblem } from './SqlProblem';
import { Field, commonType, sameWindowing } from './types';

type JoinFromItem = Extract<FromItem, { kind: 'join' }>;
type IntervalBounds = NonNullable<Extract<PlanNode, { kind: 'join' }>['interval']>;

/** `planFrom` plans each input (for a RIGHT JOIN the right one first). */
export function planJoin(f: JoinFromItem, planning: PlanningContext, planFrom: (f: FromItem) => Scope): Scope {
  if (f.joinType === 'RIGHT') {
    // A RIGHT JOIN is the LEFT JOIN of the swapped inputs, its columns put back in order.
    const swapped = planJoin({ ...f, joinType: 'LEFT', left: f.right, right: f.left }, planning, planFrom);
    const rightWidth = swapped.node.kind === 'join' ? swapped.node.left.fields.length : 0;
    const total = swapped.columns.length;
    const order = [...Array.from({ length: total - rightWidth }, (_, i) => rightWidth + i), ...Array.from({ length: rightWidth }, (_, i) => i)];
    const projections = order.map((i) => fieldRef(swapped.node.fields, i));
    const node: PlanNode = { kind: 'calc', input: swapped.node, projections, fields: order.map((i) => swapped.node.fields[i]), updating: swapped.node.updating };
    return { node, columns: order.map((i) => swapped.columns[i]), opaque: swapped.opaque };
  }
  const left = planFrom(f.left);
  const right = planFrom(f.right);
  const columns = [...left.columns, ...right.columns];
  const scope = { columns, opaque: left.opaque || right.opaque };
  const n = left.columns.length;
  const leftKeys: Compiled[] = [];
  const rightKeys: Compiled[] = [];
  const rest: Expr[] = [];
  const side = (c: Compiled) => (c.field === undefined ? undefined : c.field < n ? 'left' : 'right');
  for (const part of conjuncts(f.on)) {
    if (part.kind === 'binary' && part.op === '=') {
      const probe: SqlProblem[] = [];
      const a = compileExpression(part.left, { ...planning.context(scope, 'ON'), problems: probe });
      const b = compileExpression(part.right, { ...planning.context(scope, 'ON'), problems: probe });
      const sa = side(a);
      const sb = side(b);
      if (probe.length === 0 && sa !== undefined && sb !== undefined && sa !== sb && commonType(a.type, b.type) !== undefined) {
        const [l, r] = sa === 'left' ? [a, b] : [b, a];
        leftKeys.push(fieldRef(left.node.fields, l.field!));
        rightKeys.push(fieldRef(right.node.fields, r.field! - n));
        continue;
      }
    }
    rest.push(part);
  }
  const restExpr = conjunction(rest);
  const condition = restExpr === undefined ? undefined : compileExpression(restExpr, planning.context(scope, 'ON'));
  if (condition !== undefined && condition.type !== 'BOOLEAN' && condition.type !== 'ANY') planning.problem(f.pos, `ON needs a BOOLEAN condition, got ${condition.type}`);
  if (leftKeys.length === 0 && !scope.opaque) planning.problem(f.pos, 'a join needs at least one equality between a column of each side in ON (e.g. a.id = b.id)');
  const appendOnly = !left.node.updating && !right.node.updating;
  const window = appendOnly ? windowJoin(left.node, right.node, leftKeys, rightKeys) : undefined;
  const interval = appendOnly && window === undefined ? intervalJoin(rest, scope, n, planning) : undefined;
  const padded = f.joinType === 'LEFT' || f.joinType === 'FULL';
  const kept = interval === undefined ? undefined : keptTimeAttribute(interval, n);
  const fields: Field[] = [...left.node.fields, ...right.node.fields].map((x, i) => ({ name: x.name, type: x.type, rowtime: i === kept || undefined }));
  const node: PlanNode = {
    kind: 'join',
    joinType: f.joinType,
    left: left.node,
    right: right.node,
    leftKeys,
    rightKeys,
    condition,
    window,
    interval,
    fields,
    updating: left.node.updating || right.node.updating || padded,
  };
  return { node, columns: columns.map((c, i) => ({ ...c, rowtime: i === kept || undefined })), opaque: scope.opaque };
}

/**
 * A join on equal window starts and equal window ends of two inputs windowed the same way
 * (their window bounds kept under any name) is a window join.
 */
function windowJoin(left: PlanNode, right: PlanNode, leftKeys: readonly Compiled[], rightKeys: readonly Compiled[]): { leftEnd: number; rightEnd: number } | undefined {
  const pair = (bound: 'start' | 'end') =>
    leftKeys.findIndex((k, i) => {
      const l = left.fields[k.field!].windowBound;
      const r = right.fields[rightKeys[i].field!].windowBound;
      return l?.bound === bound && r?.bound === bound && sameWindowing(l, r);
    });
  const start = pair('start');
  const end = pair('end');
  if (start < 0 || end < 0 || !sameWindowing(left.fields[leftKeys[start].field!].windowBound!, left.fields[leftKeys[end].field!].windowBound!)) return undefined;
  return { leftEnd: leftKeys[end].field!, rightEnd: rightKeys[end].field! };
}

/**
 * Conditions that bound one side's time attribute by the other's (l.ts BETWEEN r.ts -
 * INTERVAL ... AND r.ts + INTERVAL ..., or with >= and <=) make an interval join: the bounds
 * on right time - left time, when both are found.
 */
function intervalJoin(conditions: readonly Expr[], scope: { columns: readonly ScopeColumn[]; opaque: boolean }, leftWidth: number, planning: PlanningContext): IntervalBounds | undefined {
  const comparisons: { op: string; left: Expr; right: Expr }[] = [];
  for (const c of conditions) {
    if (c.kind === 'binary' && ['<', '<=', '>', '>='].includes(c.op)) comparisons.push({ op: c.op, left: c.left, right: c.right });
    if (c.kind === 'between' && !c.negated) comparisons.push({ op: '>=', left: c.arg, right: c.low }, { op: '<=', left: c.arg, right: c.high });
  }
  const term = (e: Expr): { field: number; offset: number } | undefined => {
    const probe: SqlProblem[] = [];
    const ctx = { ...planning.context(scope, 'ON'), problems: probe };
    let column = e;
    let offset = 0;
    if (e.kind === 'binary' && (e.op === '+' || e.op === '-') && e.right.kind === 'interval') {
      const ms = compileExpression(e.right, ctx).constant?.value as number | undefined;
      if (ms === undefined) return undefined;
      column = e.left;
      offset = e.op === '+' ? ms : -ms;
    }
    const c = compileExpression(column, ctx);
    return probe.length === 0 && c.field !== undefined && c.rowtime ? { field: c.field, offset } : undefined;
  };
  let lower: number | undefined;
  let upper: number | undefined;
  let times: { left: number; right: number } | undefined;
  for (const c of comparisons) {
    const a = term(c.left);
    const b = term(c.right);
    if (a === undefined || b === undefined || (a.field < leftWidth) === (b.field < leftWidth)) continue;
    // Written as l + ol (op) r + or: right - left is bounded by ol - or.
    const [l, r, op] = a.field < leftWidth ? [a, b, c.op] : [b, a, ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[c.op]];
    const pair = { left: l.field, right: r.field - leftWidth };
    if (times !== undefined && (times.left !== pair.left || times.right !== pair.right)) continue;
    times = pair;
    const bound = l.offset - r.offset;
    if (op === '>' || op === '>=') upper = Math.min(upper ?? Infinity, bound);
    else lower = Math.max(lower ?? -Infinity, bound);
  }
  if (times === undefined || lower === undefined || upper === undefined) return undefined;
  return { leftTime: times.left, rightTime: times.right, lowerMs: lower, upperMs: upper };
}

/**
 * The time attribute an interval join keeps: that of the side whose time is never below the
 * other's (right - left within [lower, upper] with lower >= 0: the right one; upper <= 0: the
 * left one). A joined row is emitted when its later row arrives, which is ahead of the
 * watermark, so that time is too; the earlier side's time may not be, and is a plain
 * TIMESTAMP after the join. (Flink keeps both and holds the watermark back instead.)
 */
function keptTimeAttribute(interval: IntervalBounds, leftWidth: number): number | undefined {
  if (interval.lowerMs >= 0) return leftWidth + interval.rightTime;
  if (interval.upperMs <= 0) return interval.leftTime;
  return undefined;
}

/**
 * The parts of a WHERE over an inner join (its AND-ed conditions) that read one side only, as
 * a filter under that side: the join then keeps only that side's rows that pass (Nexmark q3
 * kept every auction and every person, though it joins those of one category and three
 * states). The join's rows are those of the WHERE after the join, in the same order: a row of
 * one side that fails such a condition would fail it in every joined row. The rest stays in
 * `where`.
 */
export function pushWhereIntoJoin(scope: Scope, where: Expr | undefined, planning: PlanningContext): { scope: Scope; where: Expr | undefined } {
  const join = scope.node;
  if (where === undefined || join.kind !== 'join' || join.joinType !== 'INNER' || scope.opaque) return { scope, where };
  const leftWidth = join.left.fields.length;
  const sides: [Expr[], Expr[]] = [[], []];
  const rest: Expr[] = [];
  for (const part of conjuncts(where)) {
    const probe: SqlProblem[] = [];
    const c = compileExpression(part, { ...planning.context(scope, 'WHERE'), problems: probe });
    const reads = c.reads;
    if (probe.length > 0 || c.type !== 'BOOLEAN' || reads === undefined || reads.length === 0) rest.push(part);
    else if (reads.every((f) => f < leftWidth)) sides[0].push(part);
    else if (reads.every((f) => f >= leftWidth)) sides[1].push(part);
    else rest.push(part);
  }
  if (sides[0].length === 0 && sides[1].length === 0) return { scope, where };
  const filtered = (input: PlanNode, columns: readonly ScopeColumn[], parts: readonly Expr[]): PlanNode => {
    const condition = conjunction(parts);
    if (condition === undefined) return input;
    const filter = compileExpression(condition, planning.context({ columns, opaque: false }, 'WHERE'));
    return { kind: 'calc', input, projections: input.fields.map((_, i) => fieldRef(input.fields, i)), filter, fields: input.fields, updating: input.updating };
  };
  const node: PlanNode = {
    ...join,
    left: filtered(join.left, scope.columns.slice(0, leftWidth), sides[0]),
    right: filtered(join.right, scope.columns.slice(leftWidth), sides[1]),
  };
  return { scope: { ...scope, node }, where: conjunction(rest) };
}
