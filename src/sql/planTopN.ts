/**
 * Top-N, as Flink writes it: `SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY ...
 * ORDER BY ...) AS rownum FROM input) WHERE rownum <= N` (or RANK(), DENSE_RANK()). The inner
 * SELECT plans a ranking; the enclosing filter on its rank column becomes the ranking's limit,
 * and a ranking left without one is refused. Partitioned by both bounds of one windowing, it is
 * a window Top-N (each window ranked once when it closes); otherwise a continuous one (a
 * changelog). ORDER BY ... LIMIT is planned as a Top-N too, in planOrderBy.ts.
 */
import { Expr, Select } from './ast';
import { Compiled, compileExpression } from './compileExpression';
import { PlanNode } from './logicalPlan';
import { planCalc, planFiltered } from './planCalc';
import { OverItem } from './planOverAggregate';
import { PlanningContext, Scope, conjunction, conjuncts, fieldRef } from './PlanningContext';
import { RankFunctionName } from './runtime/rankNumbers';
import { Field, sameWindowing } from './types';

const RANK_FUNCTIONS: readonly RankFunctionName[] = ['ROW_NUMBER', 'RANK', 'DENSE_RANK'];

/** The ranking function a call's name names, if it names one. */
export function rankFunction(name: string): RankFunctionName | undefined {
  return RANK_FUNCTIONS.find((fn) => fn === name);
}

/**
 * `SELECT ..., ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) AS rownum FROM input`: the
 * ranking `rank` (an item of `s`) of the input rows, without a limit until the enclosing
 * query's filter gives it one (applyRankLimit).
 */
export function planRank(s: Select, scope: Scope, where: Expr | undefined, rank: OverItem & { readonly fn: RankFunctionName }, planning: PlanningContext): PlanNode {
  const { call, over, fn } = rank;
  if (call.args.length > 0 || call.star) planning.problem(call.pos, `${fn}() takes no arguments`);
  if (over.frame !== undefined) planning.problem(over.frame.pos, `${fn}() numbers rows and takes no frame (ROWS / RANGE BETWEEN ...)`);
  if (over.orderBy.length === 0) planning.problem(call.pos, `${fn}() OVER (...) needs an ORDER BY`);
  if (s.groupBy.length > 0) planning.problem(s.pos, `${fn}() cannot be combined with GROUP BY in one SELECT: aggregate in a subquery`);
  const input = planFiltered(s, scope, where, planning);
  const ctx = planning.context(scope, 'OVER');
  const partitionKeys = over.partitionBy.map((p) => compileExpression(p, ctx));
  const orderBy = over.orderBy.map((o) => ({ expr: compileExpression(o.expr, ctx), descending: o.descending }));
  // Partitioned by both bounds of one windowing (kept under any name, so the input is
  // append-only): a window Top-N, ranking each window once it closes.
  const bound = (k: Compiled) => (k.field === undefined ? undefined : input.fields[k.field].windowBound);
  const windowStart = partitionKeys.find((k) => bound(k)?.bound === 'start');
  const windowEnd = partitionKeys.find((k) => bound(k)?.bound === 'end' && windowStart !== undefined && sameWindowing(bound(k)!, bound(windowStart)!));
  const rankName = s.items[rank.index].alias ?? 'rownum';
  const rankFields: Field[] = [...input.fields.map((f) => ({ name: f.name, type: f.type })), { name: rankName, type: 'BIGINT' }];
  const windowed = windowStart !== undefined && windowEnd !== undefined;
  const node: PlanNode = {
    kind: 'rank',
    fn,
    input,
    partitionKeys,
    orderBy,
    limit: undefined,
    rankStart: 1,
    numbered: true,
    windowEnd: windowed ? windowEnd.field : undefined,
    pos: call.pos,
    fields: rankFields,
    // A window Top-N emits each window's final ranking once; a continuous one updates it.
    updating: !windowed,
  };
  const rankScope: Scope = { node, columns: rankFields.map((f, i) => ({ ...f, qualifier: scope.columns[i]?.qualifier })), opaque: scope.opaque };
  const rankRef = fieldRef(rankFields, rankFields.length - 1);
  const rankColumn: Expr = { kind: 'column', name: rankName, pos: call.pos };
  const items = s.items.map((it, i) => (i === rank.index ? { expr: rankColumn, alias: rankName } : it));
  return planCalc({ ...s, items }, rankScope, undefined, planning, { substitute: (e) => (e === rankColumn ? rankRef : undefined), aggregated: false, starWidth: input.fields.length });
}

/**
 * When `node` is a Top-N (under its projection) without a limit and `where` bounds its rank
 * column (rownum <= N, rownum < N, rownum = 1), the Top-N with that limit and what is left of `where`.
 */
export function applyRankLimit(node: PlanNode, where: Expr): { node: PlanNode; rest: Expr | undefined } | undefined {
  if (node.kind !== 'calc' || node.input.kind !== 'rank' || node.input.limit !== undefined || !node.input.numbered) return undefined;
  const rank = node.input;
  const rankField = node.projections.findIndex((p) => p.field === rank.fields.length - 1);
  if (rankField < 0) return undefined;
  const rankName = node.fields[rankField].name;
  const parts = conjuncts(where);
  for (const [i, part] of parts.entries()) {
    if (part.kind !== 'binary' || part.left.kind !== 'column' || part.left.name !== rankName || part.right.kind !== 'literal' || typeof part.right.value !== 'number') continue;
    const n = part.right.value;
    const limit = part.op === '<=' ? n : part.op === '<' ? n - 1 : part.op === '=' && n === 1 ? 1 : undefined;
    if (limit === undefined || limit < 1) continue;
    const limited: PlanNode = { ...node, input: { ...rank, limit } };
    return { node: limited, rest: conjunction(parts.filter((_, j) => j !== i)) };
  }
  return undefined;
}

/** Refuses each ranking in `node` that no enclosing filter gave a limit. */
export function checkRanks(node: PlanNode, planning: PlanningContext): void {
  if (node.kind === 'rank' && node.numbered && node.limit === undefined) {
    planning.problem(node.pos, `${node.fn}() OVER (...) needs a filter on its result in the enclosing query (e.g. WHERE rownum <= 3)`);
  }
  if (node.kind === 'union') node.inputs.forEach((i) => checkRanks(i, planning));
  else if (node.kind === 'join') (checkRanks(node.left, planning), checkRanks(node.right, planning));
  else if ('input' in node) checkRanks(node.input, planning);
}
