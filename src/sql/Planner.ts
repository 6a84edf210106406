/**
 * Turns a parsed query into a logical plan, checking it on the way: tables, columns and
 * functions must exist, types must fit, and constructs must be ones the runtime can run.
 * Every problem is recorded with its position and planning goes on, so a refused query lists
 * them all. Aggregations over a window table function become window aggregations (final
 * results when the window closes); other GROUP BYs become updating aggregations.
 */
import { Expr, FromItem, OverWindow, Query, Select } from './ast';
import { AggregateCall, builtinAggregate, userAggregate } from './aggregates';
import { Catalog, unknownTable } from './Catalog';
import { Compiled, ExpressionContext, ScopeColumn, compileExpression, expressionKey, isAggregateCall } from './compileExpression';
import { OverFrameSpec, PlanNode, WindowSpec } from './logicalPlan';
import { planOrderBy } from './planOrderBy';
import { RankFunctionName } from './runtime/rankNumbers';
import { SqlPosition, SqlProblem } from './SqlProblem';
import { Field, SqlType, WindowBound, commonType, isNumeric, sameWindowing } from './types';

interface Scope {
  readonly node: PlanNode;
  readonly columns: readonly ScopeColumn[];
  /** The scope's columns are unknown because of a problem already reported. */
  readonly opaque: boolean;
}

const WINDOW_COLUMNS = ['window_start', 'window_end', 'window_time'];
const RANK_FUNCTIONS: readonly RankFunctionName[] = ['ROW_NUMBER', 'RANK', 'DENSE_RANK'];

/** The columns a window TVF or a window aggregation adds: its bounds and its time attribute. */
function windowFields(window: WindowSpec): Field[] {
  return [
    { name: 'window_start', type: 'TIMESTAMP', windowBound: { bound: 'start', window } },
    { name: 'window_end', type: 'TIMESTAMP', windowBound: { bound: 'end', window } },
    { name: 'window_time', type: 'TIMESTAMP', rowtime: true },
  ];
}
const INVALID: PlanNode = { kind: 'invalid', fields: [], updating: false };

export function fieldRef(fields: readonly Field[], index: number): Compiled {
  const f = fields[index];
  return { type: f.type, eval: (r) => r[index], text: f.name, field: index, rowtime: f.rowtime };
}

/** Output names are unique, as Flink makes them: a second `id` becomes `id0`. */
function uniqueNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 0; used.has(candidate); n++) candidate = `${name}${n}`;
    used.add(candidate);
    return candidate;
  });
}

/** The conjuncts of an AND tree. */
function conjuncts(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

function conjunction(parts: readonly Expr[]): Expr | undefined {
  return parts.reduce<Expr | undefined>((acc, e) => (acc === undefined ? e : { kind: 'binary', op: 'AND', left: acc, right: e, pos: (e as { pos: SqlPosition }).pos }), undefined);
}

/** Aggregate calls in an expression (not inside another aggregate's arguments). */
function collectAggregates(e: Expr, isAggregate: (e: Expr) => boolean, out: Expr[]): void {
  if (isAggregate(e)) {
    out.push(e);
    return;
  }
  const visit = (x: Expr | undefined): void => {
    if (x !== undefined) collectAggregates(x, isAggregate, out);
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
 * The time attribute an interval join keeps: that of the side whose time is never below the
 * other's (right - left within [lower, upper] with lower >= 0: the right one; upper <= 0: the
 * left one). A joined row is emitted when its later row arrives, which is ahead of the
 * watermark, so that time is too; the earlier side's time may not be, and is a plain
 * TIMESTAMP after the join. (Flink keeps both and holds the watermark back instead.)
 */
function keptTimeAttribute(interval: NonNullable<Extract<PlanNode, { kind: 'join' }>['interval']>, leftWidth: number): number | undefined {
  if (interval.lowerMs >= 0) return leftWidth + interval.rightTime;
  if (interval.upperMs <= 0) return interval.leftTime;
  return undefined;
}

export class Planner {
  constructor(
    private readonly catalog: Catalog,
    readonly problems: SqlProblem[],
    /** Batch mode runs what a stream cannot, such as ORDER BY any column. */
    private readonly mode: 'streaming' | 'batch' = 'streaming',
  ) {}

  private context(scope: Pick<Scope, 'columns' | 'opaque'>, clause: string, substitute?: ExpressionContext['substitute']): ExpressionContext {
    return { columns: scope.columns, problems: this.problems, functions: this.catalog.functions, clause, opaque: scope.opaque, substitute };
  }

  private problem(pos: SqlPosition, message: string): void {
    this.problems.push({ ...pos, message });
  }

  /** Plans a whole query; a Top-N without its rank filter is refused here. */
  plan(q: Query): PlanNode {
    const node = this.planQuery(q);
    this.checkRanks(node);
    return node;
  }

  private checkRanks(node: PlanNode): void {
    if (node.kind === 'rank' && node.numbered && node.limit === undefined) {
      this.problem(node.pos, `${node.fn}() OVER (...) needs a filter on its result in the enclosing query (e.g. WHERE rownum <= 3)`);
    }
    if (node.kind === 'union') node.inputs.forEach((i) => this.checkRanks(i));
    else if (node.kind === 'join') (this.checkRanks(node.left), this.checkRanks(node.right));
    else if ('input' in node) this.checkRanks(node.input);
  }

  planQuery(q: Query): PlanNode {
    if (q.kind === 'select') return this.planSelect(q);
    if (q.kind === 'ordered') return planOrderBy(q, this.planQuery(q.query), { mode: this.mode, problems: this.problems, context: (scope, clause) => this.context(scope, clause) });
    const inputs = q.inputs.map((i) => this.planQuery(i));
    const [first, ...rest] = inputs;
    let types = first.fields.map((f) => f.type);
    rest.forEach((input, n) => {
      const pos = (q.inputs[n + 1] as { pos: SqlPosition }).pos;
      if (input.kind === 'invalid' || first.kind === 'invalid') return;
      if (input.fields.length !== first.fields.length) {
        this.problem(pos, `UNION ALL inputs must have the same number of columns: ${first.fields.length} and ${input.fields.length}`);
        return;
      }
      types = types.map((t, i) => {
        const common = commonType(t, input.fields[i].type);
        if (common === undefined) this.problem(pos, `UNION ALL column ${i + 1} ('${first.fields[i].name}') mixes ${t} and ${input.fields[i].type}`);
        return common ?? 'ANY';
      });
    });
    const fields = first.fields.map((f, i) => ({ name: f.name, type: types[i], rowtime: inputs.every((n) => n.fields[i]?.rowtime === true) || undefined }));
    return { kind: 'union', inputs, fields, updating: inputs.some((i) => i.updating) };
  }

  private planFrom(f: FromItem): Scope {
    switch (f.kind) {
      case 'table': {
        const entry = this.catalog.get(f.name);
        let node: PlanNode = INVALID;
        if (entry === undefined) this.problems.push(unknownTable(this.catalog, f.name, f.pos));
        else if (entry.kind === 'view') node = this.planQuery(entry.query);
        else if (entry.kind === 'plan') node = entry.plan;
        else if (entry.source === undefined) this.problem(f.pos, `table '${f.name}' cannot be read: its connector only writes`);
        else node = { kind: 'scan', table: f.name, source: entry.source, fields: entry.fields, updating: false };
        return this.scopeOf(node, f.alias ?? f.name);
      }
      case 'subquery':
        return this.scopeOf(this.planQuery(f.query), f.alias);
      case 'windowTvf':
        return this.planWindowFunction(f);
      case 'join':
        return this.planJoin(f);
    }
  }

  private scopeOf(node: PlanNode, qualifier: string | undefined): Scope {
    return { node, columns: node.fields.map((field) => ({ ...field, qualifier })), opaque: node.kind === 'invalid' };
  }

  private intervalArgument(e: Expr, what: string): number {
    const c = compileExpression(e, this.context({ columns: [], opaque: false }, 'a window argument'));
    if (c.type === 'ANY') return 1;
    if (c.type !== 'INTERVAL' || c.constant === undefined || !((c.constant.value as number) > 0)) {
      this.problem((e as { pos: SqlPosition }).pos, `the ${what} must be a positive INTERVAL literal such as INTERVAL '10' SECOND, got ${c.text}`);
      return 1;
    }
    return c.constant.value as number;
  }

  private planWindowFunction(f: Extract<FromItem, { kind: 'windowTvf' }>): Scope {
    const inner = this.planFrom(f.input);
    const time = compileExpression(f.timeColumn, this.context(inner, 'DESCRIPTOR'));
    if (!inner.opaque && time.type !== 'ANY' && (time.field === undefined || !time.rowtime)) {
      this.problem((f.timeColumn as { pos: SqlPosition }).pos, `DESCRIPTOR(${time.text}) must name a time attribute of the input (a column with WATERMARK FOR in its table)`);
    }
    if (inner.node.updating) this.problem(f.pos, `${f.fn} needs an append-only input, but its input is updating (it comes from a GROUP BY or a join with retractions)`);
    const expected = { TUMBLE: ['size'], HOP: ['slide', 'size'], CUMULATE: ['step', 'size'], SESSION: ['gap'] }[f.fn];
    if (f.args.length !== expected.length) {
      this.problem(f.pos, `${f.fn}(TABLE t, DESCRIPTOR(time), ${expected.map((e) => `<${e}>`).join(', ')}) takes ${expected.length} interval argument(s), got ${f.args.length}`);
    }
    const ms = expected.map((what, i) => (f.args[i] === undefined ? 1 : this.intervalArgument(f.args[i], `${f.fn} ${what}`)));
    if (f.partitionBy.length > 0 && f.fn !== 'SESSION') this.problem(f.pos, `PARTITION BY is allowed in SESSION only`);
    f.partitionBy.forEach((p) => compileExpression(p, this.context(inner, 'PARTITION BY')));
    let window: WindowSpec;
    switch (f.fn) {
      case 'TUMBLE':
        window = { kind: 'TUMBLE', sizeMs: ms[0] };
        break;
      case 'HOP':
        window = { kind: 'HOP', slideMs: ms[0], sizeMs: ms[1] };
        break;
      case 'CUMULATE':
        window = { kind: 'CUMULATE', stepMs: ms[0], sizeMs: ms[1] };
        if (ms[1] % ms[0] !== 0) this.problem(f.pos, `CUMULATE's size must be a whole multiple of its step`);
        break;
      case 'SESSION':
        window = { kind: 'SESSION', gapMs: ms[0] };
        break;
    }
    const fields: Field[] = [...inner.node.fields.map((x) => ({ name: x.name, type: x.type })), ...windowFields(window)];
    const node: PlanNode = { kind: 'windowTvf', input: inner.node, window, timeField: time.field ?? 0, fields, updating: false };
    const qualifier = f.alias ?? inner.columns[0]?.qualifier;
    return { node, columns: fields.map((x) => ({ ...x, qualifier })), opaque: inner.opaque };
  }

  private planJoin(f: Extract<FromItem, { kind: 'join' }>): Scope {
    if (f.joinType === 'RIGHT') {
      // A RIGHT JOIN is the LEFT JOIN of the swapped inputs, its columns put back in order.
      const swapped = this.planJoin({ ...f, joinType: 'LEFT', left: f.right, right: f.left });
      const rightWidth = swapped.node.kind === 'join' ? swapped.node.left.fields.length : 0;
      const total = swapped.columns.length;
      const order = [...Array.from({ length: total - rightWidth }, (_, i) => rightWidth + i), ...Array.from({ length: rightWidth }, (_, i) => i)];
      const projections = order.map((i) => fieldRef(swapped.node.fields, i));
      const node: PlanNode = { kind: 'calc', input: swapped.node, projections, fields: order.map((i) => swapped.node.fields[i]), updating: swapped.node.updating };
      return { node, columns: order.map((i) => swapped.columns[i]), opaque: swapped.opaque };
    }
    const left = this.planFrom(f.left);
    const right = this.planFrom(f.right);
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
        const a = compileExpression(part.left, { ...this.context(scope, 'ON'), problems: probe });
        const b = compileExpression(part.right, { ...this.context(scope, 'ON'), problems: probe });
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
    const condition = restExpr === undefined ? undefined : compileExpression(restExpr, this.context(scope, 'ON'));
    if (condition !== undefined && condition.type !== 'BOOLEAN' && condition.type !== 'ANY') this.problem(f.pos, `ON needs a BOOLEAN condition, got ${condition.type}`);
    if (leftKeys.length === 0 && !scope.opaque) this.problem(f.pos, 'a join needs at least one equality between a column of each side in ON (e.g. a.id = b.id)');
    const appendOnly = !left.node.updating && !right.node.updating;
    const window = appendOnly ? this.windowJoin(left.node, right.node, leftKeys, rightKeys) : undefined;
    const interval = appendOnly && window === undefined ? this.intervalJoin(rest, scope, n) : undefined;
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
  private windowJoin(left: PlanNode, right: PlanNode, leftKeys: readonly Compiled[], rightKeys: readonly Compiled[]): { leftEnd: number; rightEnd: number } | undefined {
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
  private intervalJoin(conditions: readonly Expr[], scope: { columns: readonly ScopeColumn[]; opaque: boolean }, leftWidth: number): Extract<PlanNode, { kind: 'join' }>['interval'] {
    const comparisons: { op: string; left: Expr; right: Expr }[] = [];
    for (const c of conditions) {
      if (c.kind === 'binary' && ['<', '<=', '>', '>='].includes(c.op)) comparisons.push({ op: c.op, left: c.left, right: c.right });
      if (c.kind === 'between' && !c.negated) comparisons.push({ op: '>=', left: c.arg, right: c.low }, { op: '<=', left: c.arg, right: c.high });
    }
    const term = (e: Expr): { field: number; offset: number } | undefined => {
      const probe: SqlProblem[] = [];
      const ctx = { ...this.context(scope, 'ON'), problems: probe };
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

  private planSelect(s: Select): PlanNode {
    if (!s.distinct) return this.planSelectRows(s);
    // DISTINCT: group the result by all its columns, with no aggregate.
    const rows = this.planSelectRows({ ...s, distinct: false });
    const fields = rows.fields.map((f) => ({ name: f.name, type: f.type }));
    return { kind: 'groupAggregate', input: rows, keys: rows.fields.map((_, i) => fieldRef(rows.fields, i)), aggregates: [], fields, updating: true };
  }

  private planSelectRows(s: Select): PlanNode {
    let scope = this.planFrom(s.from);
    let where = s.where;
    // A filter on the rank column of a Top-N subquery is the Top-N's limit.
    if (where !== undefined) {
      const limited = this.applyRankLimit(scope.node, where);
      if (limited !== undefined) {
        scope = { ...scope, node: limited.node };
        where = limited.rest;
      }
    }
    const overItems = s.items.flatMap((i, n) => (i.expr.kind === 'call' && i.expr.over !== undefined ? [n] : []));
    if (overItems.length > 0) {
      const isRanking = (n: number) => (RANK_FUNCTIONS as readonly string[]).includes((s.items[n].expr as { name: string }).name);
      const rankItems = overItems.filter(isRanking);
      if (rankItems.length === 0) return this.planOverAggregate(s, scope, where, overItems);
      const aggregateItems = overItems.filter((n) => !isRanking(n));
      for (const n of aggregateItems) this.problem((s.items[n].expr as { pos: SqlPosition }).pos, 'OVER aggregations and ROW_NUMBER(), RANK() or DENSE_RANK() cannot share one SELECT: rank in an enclosing query');
      return this.planRank({ ...s, items: s.items.filter((_, n) => !aggregateItems.includes(n)) }, scope, where, rankItems[0] - aggregateItems.filter((n) => n < rankItems[0]).length);
    }

    const isAggregate = (e: Expr) => isAggregateCall(e, this.catalog.functions);
    const aggregateCalls: Expr[] = [];
    for (const item of s.items) if (item.expr.kind !== 'star') collectAggregates(item.expr, isAggregate, aggregateCalls);
    if (s.having !== undefined) collectAggregates(s.having, isAggregate, aggregateCalls);
    if (s.groupBy.length === 0 && aggregateCalls.length === 0) {
      if (s.having !== undefined) this.problem(s.pos, 'HAVING needs GROUP BY or an aggregate');
      return this.calc(s, scope, where, undefined);
    }
    const isWindowGroup =
      scope.node.kind === 'windowTvf' &&
      ['window_start', 'window_end'].every((w) => s.groupBy.some((g) => g.kind === 'column' && g.name === w));
    if (isWindowGroup) return this.planWindowAggregate(s, scope, where, aggregateCalls);
    const bounds = this.groupedWindowBounds(s, scope);
    return bounds !== undefined ? this.planAttachedWindowAggregate(s, scope, where, aggregateCalls, bounds) : this.planGroupAggregate(s, scope, where, aggregateCalls);
  }

  /**
   * The GROUP BY items that are the start and the end of one windowing, kept from an earlier
   * windowed operator over an append-only input: such a GROUP BY is a window aggregation.
   */
  private groupedWindowBounds(s: Select, scope: Scope): { start: number; end: number; window: WindowSpec; items: ReadonlySet<Expr> } | undefined {
    if (scope.node.updating) return undefined;
    const found: { item: Expr; field: number; bound: WindowBound }[] = [];
    for (const g of s.groupBy) {
      const c = compileExpression(g, { ...this.context(scope, 'GROUP BY'), problems: [] });
      const bound = c.field === undefined ? undefined : scope.node.fields[c.field]?.windowBound;
      if (bound !== undefined) found.push({ item: g, field: c.field!, bound });
    }
    for (const start of found.filter((f) => f.bound.bound === 'start')) {
      const end = found.find((f) => f.bound.bound === 'end' && sameWindowing(f.bound, start.bound));
      if (end !== undefined) return { start: start.field, end: end.field, window: start.bound.window, items: new Set([start.item, end.item]) };
    }
    return undefined;
  }

  /** The input rows that pass `where`, all columns kept: the WHERE under an aggregation or a ranking. */
  private filtered(s: Select, scope: Scope, where: Expr): PlanNode {
    return this.calc({ ...s, items: [{ expr: { kind: 'star', pos: s.pos } }] }, scope, where, undefined);
  }

  /** Projection and filter: the select list over `scope` (after substitutions when aggregated). */
  private calc(s: Select, scope: Scope, filter: Expr | undefined, substitute: ExpressionContext['substitute'], aggregated = substitute !== undefined, starWidth = scope.columns.length): PlanNode {
    const clause = 'the select list';
    const ctx = this.context(scope, clause, substitute);
    const projections: Compiled[] = [];
    const names: string[] = [];
    for (const item of s.items) {
      if (item.expr.kind === 'star') {
        const star = item.expr;
        const matched = scope.columns.slice(0, starWidth).map((c, i) => ({ c, i })).filter(({ c }) => star.table === undefined || c.qualifier === star.table);
        if (star.table !== undefined && matched.length === 0 && !scope.opaque) this.problem(star.pos, `unknown table or alias '${star.table}' in ${star.table}.*`);
        if (aggregated && !scope.opaque) this.problem(star.pos, 'SELECT * cannot be used with GROUP BY: list the grouped columns and aggregates');
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
    const condition = filter === undefined ? undefined : compileExpression(filter, this.context(scope, aggregated ? 'HAVING' : 'WHERE', substitute));
    if (condition !== undefined && condition.type !== 'BOOLEAN' && condition.type !== 'ANY' && condition.type !== 'NULL') {
      this.problem((filter as { pos: SqlPosition }).pos, `${aggregated ? 'HAVING' : 'WHERE'} needs a BOOLEAN condition but ${condition.text} is ${condition.type}`);
    }
    const input = scope.node;
    const fields = uniqueNames(names).map((name, i) => ({
      name,
      type: projections[i].type,
      // A time attribute survives a projection only as the same column of an append-only input.
      rowtime: projections[i].rowtime && !input.updating ? true : undefined,
      // So does a window bound (under any alias).
      windowBound: projections[i].field !== undefined && !input.updating ? input.fields[projections[i].field!]?.windowBound : undefined,
    }));
    return { kind: 'calc', input, projections, filter: condition, fields, updating: input.updating };
  }

  private compileAggregates(calls: readonly Expr[], scope: Scope, updatingInput: boolean, merging: boolean): { aggregates: AggregateCall[]; index: Map<string, number> } {
    const aggregates: AggregateCall[] = [];
    const index = new Map<string, number>();
    for (const call of calls) {
      if (call.kind !== 'call') continue;
      const key = expressionKey(call);
      if (index.has(key)) continue;
      index.set(key, aggregates.length);
      aggregates.push(this.compileAggregate(call, scope, updatingInput, merging));
    }
    return { aggregates, index };
  }

  private compileAggregate(call: Extract<Expr, { kind: 'call' }>, scope: Scope, updatingInput: boolean, merging: boolean): AggregateCall {
    const ctx = this.context(scope, "an aggregate function's arguments");
    const args = call.args.map((a) => compileExpression(a, ctx));
    const text = `${call.name}(${call.distinct ? 'DISTINCT ' : ''}${call.star ? '*' : args.map((a) => a.text).join(', ')})`;
    const fail = (message: string): AggregateCall => {
      this.problem(call.pos, message);
      return builtinAggregate('COUNT', [], false, text);
    };
    const udf = this.catalog.functions.get(call.name);
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

  /** Group keys and aggregate calls read the aggregation's output; other columns are refused. */
  private postAggregate(input: Scope, fields: readonly Field[], keys: ReadonlyMap<string, number>, keyFields: ReadonlyMap<number, number>, aggregates: ReadonlyMap<string, number>, aggregateOffset: number, extra: (e: Expr) => number | undefined): ExpressionContext['substitute'] {
    return (e) => {
      const key = expressionKey(e);
      const k = keys.get(key);
      if (k !== undefined) return fieldRef(fields, k);
      const a = aggregates.get(key);
      if (a !== undefined) return fieldRef(fields, aggregateOffset + a);
      const x = extra(e);
      if (x !== undefined) return fieldRef(fields, x);
      if (e.kind === 'column') {
        const probe: SqlProblem[] = [];
        const c = compileExpression(e, { ...this.context(input, 'GROUP BY'), problems: probe });
        if (c.field !== undefined && keyFields.has(c.field)) return fieldRef(fields, keyFields.get(c.field)!);
        if (probe.length > 0) this.problems.push(...probe);
        else if (!input.opaque) this.problem(e.pos, `column '${c.text}' must be in GROUP BY or inside an aggregate function`);
        return { type: 'ANY', eval: () => null, text: c.text };
      }
      return undefined;
    };
  }

  private planGroupAggregate(s: Select, scope: Scope, where: Expr | undefined, calls: readonly Expr[]): PlanNode {
    let input = scope.node;
    if (where !== undefined) input = this.filtered(s, scope, where);
    const filtered: Scope = { ...scope, node: input };
    const ctx = this.context(scope, 'GROUP BY');
    const keys = s.groupBy.map((g) => compileExpression(g, ctx));
    const { aggregates, index } = this.compileAggregates(calls, scope, input.updating, false);
    const keyNames = uniqueNames(keys.map((k, i) => (k.field !== undefined ? scope.node.fields[k.field].name : `EXPR$${i}`)));
    const fields: Field[] = [...keys.map((k, i) => ({ name: keyNames[i], type: k.type })), ...aggregates.map((a, i) => ({ name: `EXPR$${keys.length + i}`, type: a.type }))];
    const node: PlanNode = { kind: 'groupAggregate', input, keys, aggregates, fields, updating: true };
    const keyIndex = new Map(s.groupBy.map((g, i) => [expressionKey(g), i]));
    const keyFields = new Map(keys.flatMap((k, i) => (k.field === undefined ? [] : [[k.field, i] as const])));
    const substitute = this.postAggregate(filtered, fields, keyIndex, keyFields, index, keys.length, () => undefined);
    return this.calc(s, { node, columns: fields, opaque: scope.opaque }, s.having, substitute);
  }

  private planWindowAggregate(s: Select, scope: Scope, where: Expr | undefined, calls: readonly Expr[]): PlanNode {
    const tvf = scope.node as Extract<PlanNode, { kind: 'windowTvf' }>;
    const inputScope: Scope = { node: tvf.input, columns: scope.columns.slice(0, tvf.input.fields.length), opaque: scope.opaque };
    let input = tvf.input;
    if (where !== undefined) {
      const probe: SqlProblem[] = [];
      const planner = new Planner(this.catalog, probe, this.mode);
      input = planner.filtered(s, inputScope, where);
      if (probe.length > 0) {
        const usesWindow = WINDOW_COLUMNS.some((w) => probe.some((p) => p.message.includes(`'${w}'`)));
        if (usesWindow) this.problem((where as { pos: SqlPosition }).pos, 'WHERE before a window aggregation cannot use window_start, window_end or window_time: filter in an enclosing query');
        else this.problems.push(...probe);
      }
    }
    const groups = s.groupBy.filter((g) => !(g.kind === 'column' && WINDOW_COLUMNS.includes(g.name)));
    const windowColumn = (e: Expr) => (e.kind === 'column' && WINDOW_COLUMNS.includes(e.name) ? WINDOW_COLUMNS.indexOf(e.name) : undefined);
    const windowing = { kind: 'assign' as const, timeField: tvf.timeField };
    return this.windowAggregate(s, inputScope, input, tvf.window, windowing, groups, windowColumn, calls);
  }

  /** A GROUP BY on the bounds of windows its input rows already carry (see groupedWindowBounds). */
  private planAttachedWindowAggregate(s: Select, scope: Scope, where: Expr | undefined, calls: readonly Expr[], bounds: NonNullable<ReturnType<Planner['groupedWindowBounds']>>): PlanNode {
    const input = where === undefined ? scope.node : this.filtered(s, scope, where);
    const groups = s.groupBy.filter((g) => !bounds.items.has(g));
    const boundKeys = new Map([...bounds.items].map((g) => [expressionKey(g), g]));
    const windowColumn = (e: Expr) => {
      const item = boundKeys.get(expressionKey(e));
      if (item === undefined) return undefined;
      const c = compileExpression(item, { ...this.context(scope, 'GROUP BY'), problems: [] });
      return c.field === bounds.start ? 0 : 1;
    };
    const windowing = { kind: 'attached' as const, start: bounds.start, end: bounds.end };
    return this.windowAggregate(s, scope, input, bounds.window, windowing, groups, windowColumn, calls);
  }

  /**
   * The window aggregation of `input` grouped by `groups` (the GROUP BY items other than the
   * window's), and the select list over it; `windowColumn` tells which of window_start,
   * window_end, window_time (0, 1, 2) an expression of the select list or HAVING stands for.
   */
  private windowAggregate(
    s: Select,
    inputScope: Scope,
    input: PlanNode,
    window: WindowSpec,
    windowing: Extract<PlanNode, { kind: 'windowAggregate' }>['windowing'],
    groups: readonly Expr[],
    windowColumn: (e: Expr) => number | undefined,
    calls: readonly Expr[],
  ): PlanNode {
    const ctx = this.context(inputScope, 'GROUP BY');
    const keys = groups.map((g) => compileExpression(g, ctx));
    // Rows that carry their window were merged already, if the windows were sessions.
    const merging = window.kind === 'SESSION' && windowing.kind === 'assign';
    const { aggregates, index } = this.compileAggregates(calls, inputScope, false, merging);
    const keyNames = keys.map((k, i) => (k.field !== undefined ? input.fields[k.field].name : `EXPR$${i}`));
    const fields: Field[] = [
      ...keys.map((k, i) => ({ name: keyNames[i], type: k.type })),
      ...windowFields(window),
      ...aggregates.map((a, i) => ({ name: `EXPR$${keys.length + 3 + i}`, type: a.type })),
    ];
    const node: PlanNode = { kind: 'windowAggregate', input, window, windowing, keys, aggregates, fields, updating: false };
    const keyIndex = new Map(groups.map((g, i) => [expressionKey(g), i]));
    const keyFields = new Map(keys.flatMap((k, i) => (k.field === undefined ? [] : [[k.field, i] as const])));
    if (windowing.kind === 'attached') keyFields.set(windowing.start, keys.length).set(windowing.end, keys.length + 1);
    const windowOutput = (e: Expr) => {
      const w = windowColumn(e);
      return w === undefined ? undefined : keys.length + w;
    };
    const substitute = this.postAggregate(inputScope, fields, keyIndex, keyFields, index, keys.length + 3, windowOutput);
    return this.calc(s, { node, columns: fields, opaque: inputScope.opaque }, s.having, substitute);
  }

  /**
   * `SELECT ..., ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) AS rownum FROM input` (or
   * RANK(), DENSE_RANK()): a Top-N once the enclosing query filters the rank column.
   */
  private planRank(s: Select, scope: Scope, where: Expr | undefined, rankItem: number): PlanNode {
    const item = s.items[rankItem];
    const call = item.expr as Extract<Expr, { kind: 'call' }>;
    const over = call.over!;
    // Called for ranking functions only (see planSelectRows).
    const fn = call.name as RankFunctionName;
    if (call.args.length > 0 || call.star) this.problem(call.pos, `${fn}() takes no arguments`);
    if (over.frame !== undefined) this.problem(over.frame.pos, `${fn}() numbers rows and takes no frame (ROWS / RANGE BETWEEN ...)`);
    if (over.orderBy.length === 0) this.problem(call.pos, `${call.name}() OVER (...) needs an ORDER BY`);
    if (s.groupBy.length > 0) this.problem(s.pos, `${call.name}() cannot be combined with GROUP BY in one SELECT: aggregate in a subquery`);
    let input = scope.node;
    if (where !== undefined) input = this.filtered(s, scope, where);
    const ctx = this.context(scope, 'OVER');
    const partitionKeys = over.partitionBy.map((p) => compileExpression(p, ctx));
    const orderBy = over.orderBy.map((o) => ({ expr: compileExpression(o.expr, ctx), descending: o.descending }));
    // Partitioned by both bounds of one windowing (kept under any name, so the input is
    // append-only): a window Top-N, ranking each window once it closes.
    const bound = (k: Compiled) => (k.field === undefined ? undefined : input.fields[k.field].windowBound);
    const windowStart = partitionKeys.find((k) => bound(k)?.bound === 'start');
    const windowEnd = partitionKeys.find((k) => bound(k)?.bound === 'end' && windowStart !== undefined && sameWindowing(bound(k)!, bound(windowStart)!));
    const rankName = item.alias ?? 'rownum';
    const rankFields: Field[] = [...input.fields.map((f) => ({ name: f.name, type: f.type })), { name: rankName, type: 'BIGINT' }];
    const windowed = windowStart !== undefined && windowEnd !== undefined;
    const rank: PlanNode = {
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
    const rankScope: Scope = { node: rank, columns: rankFields.map((f, i) => ({ ...f, qualifier: scope.columns[i]?.qualifier })), opaque: scope.opaque };
    const rankRef = fieldRef(rankFields, rankFields.length - 1);
    const items = s.items.map((it, i) => (i === rankItem ? { expr: { kind: 'column' as const, name: rankName, pos: call.pos }, alias: rankName } : it));
    return this.calc({ ...s, items }, rankScope, undefined, (e) => (e === items[rankItem].expr ? rankRef : undefined), false, input.fields.length);
  }

  /**
   * `SELECT ..., agg(x) OVER (PARTITION BY k ORDER BY ts <frame>) AS a FROM input`: per
   * partition, each input row with the aggregates over its frame, emitted in event-time order
   * once the watermark passes it (append-only). As in Flink, the OVER items of one SELECT share
   * one window, ordered by a time attribute, over an append-only input.
   */
  private planOverAggregate(s: Select, scope: Scope, where: Expr | undefined, overItems: readonly number[]): PlanNode {
    const calls = overItems.map((n) => s.items[n].expr as Extract<Expr, { kind: 'call' }>);
    const [first] = calls;
    const over = first.over!;
    const windowKey = (w: OverWindow) => expressionKey([w.partitionBy, w.orderBy, w.frame]);
    for (const c of calls.slice(1)) {
      if (windowKey(c.over!) !== windowKey(over)) this.problem(c.pos, `the OVER aggregations of one SELECT must share one window: ${c.name}(...) OVER differs from ${first.name}(...) OVER (name it once in a WINDOW clause)`);
    }
    if (s.groupBy.length > 0) this.problem(s.pos, 'OVER aggregations cannot be combined with GROUP BY in one SELECT: aggregate in a subquery');
    const input = where === undefined ? scope.node : this.filtered(s, scope, where);
    if (input.updating && !scope.opaque) {
      this.problem(first.pos, `${first.name}(...) OVER needs an append-only input, but its input is updating (it comes from a GROUP BY, a continuous Top-N or an outer join): an OVER aggregation emits each row once and cannot take it back`);
    }
    const ctx = this.context(scope, 'OVER');
    const partitionKeys = over.partitionBy.map((p) => compileExpression(p, ctx));
    const timeField = this.overTimeAttribute(over, scope, first);
    const peerOrder = over.orderBy.slice(1).map((o) => ({ expr: compileExpression(o.expr, ctx), descending: o.descending }));
    const frame = this.overFrame(over, first);
    const aggregates = calls.map((c) => this.compileAggregate({ ...c, over: undefined }, scope, false, false));
    const recompute = calls.some((c) => {
      const udf = this.catalog.functions.get(c.name);
      return udf?.kind === 'aggregate' && udf.retract === undefined;
    });
    const fields: Field[] = [...input.fields, ...aggregates.map((a, i) => ({ name: `w0$o${i}`, type: a.type }))];
    const node: PlanNode = { kind: 'overAggregate', input, partitionKeys, timeField, peerOrder, frame, aggregates, recompute, fields, updating: false };
    const overScope: Scope = { node, columns: fields.map((f, i) => ({ ...f, qualifier: scope.columns[i]?.qualifier })), opaque: scope.opaque };
    const refs = new Map<Expr, Compiled>(overItems.map((n, i) => [s.items[n].expr as Expr, fieldRef(fields, input.fields.length + i)]));
    return this.calc(s, overScope, undefined, (e) => refs.get(e), false, input.fields.length);
  }

  /**
   * The time attribute, ascending, an OVER window is ordered by first (0 after a problem).
   * Further ORDER BY items only order the rows of one time (a Sluice extension: Flink takes
   * them in arrival order, which makes a ROWS frame depend on it).
   */
  private overTimeAttribute(over: OverWindow, scope: Scope, call: Extract<Expr, { kind: 'call' }>): number {
    const [order] = over.orderBy;
    const hint = 'an OVER aggregation is ordered by a time attribute of its input (a column with WATERMARK FOR), ascending';
    if (order === undefined) {
      this.problem(call.pos, `${call.name}(...) OVER (...) needs ORDER BY: ${hint}`);
      return 0;
    }
    const time = compileExpression(order.expr, this.context(scope, 'OVER'));
    if (scope.opaque || time.type === 'ANY') return time.field ?? 0;
    if (time.field === undefined || !time.rowtime) this.problem((order.expr as { pos: SqlPosition }).pos, `OVER (... ORDER BY ${time.text}): ${hint}; ${time.text} is not one`);
    else if (order.descending) this.problem((order.expr as { pos: SqlPosition }).pos, `OVER (... ORDER BY ${time.text} DESC): ${hint}`);
    return time.field ?? 0;
  }

  /** The frame as the runtime reads it; none written is RANGE UNBOUNDED PRECEDING, as in SQL. */
  private overFrame(over: OverWindow, call: Extract<Expr, { kind: 'call' }>): OverFrameSpec {
    const frame = over.frame;
    if (frame === undefined) return { unit: 'RANGE', rangeMs: undefined };
    const reach = frame.preceding;
    if (frame.unit === 'ROWS') {
      if (reach === undefined || typeof reach === 'number') return { unit: 'ROWS', rows: reach };
      this.problem(frame.pos, `ROWS counts rows: write ROWS BETWEEN n PRECEDING AND CURRENT ROW, or RANGE BETWEEN INTERVAL ... PRECEDING AND CURRENT ROW for a time range`);
      return { unit: 'ROWS', rows: undefined };
    }
    if (reach === undefined || reach === 0) return { unit: 'RANGE', rangeMs: reach };
    if (typeof reach === 'number') {
      this.problem(frame.pos, `RANGE over a time attribute reaches back a time: write RANGE BETWEEN INTERVAL '${reach}' SECOND PRECEDING AND CURRENT ROW (or ROWS BETWEEN ${reach} PRECEDING AND CURRENT ROW to count rows)`);
      return { unit: 'RANGE', rangeMs: undefined };
    }
    const c = compileExpression(reach, this.context({ columns: [], opaque: false }, 'a window frame'));
    if (c.type !== 'INTERVAL' || c.constant === undefined || !((c.constant.value as number) >= 0)) {
      if (c.type !== 'ANY') this.problem((reach as { pos: SqlPosition }).pos, `${call.name}(...) OVER: the frame must reach back an INTERVAL literal such as INTERVAL '10' SECOND, got ${c.text}`);
      return { unit: 'RANGE', rangeMs: undefined };
    }
    return { unit: 'RANGE', rangeMs: c.constant.value as number };
  }

  /**
   * When `node` is a Top-N (under its projection) without a limit and `where` bounds its rank
   * column (rownum <= N, rownum < N, rownum = 1), the Top-N with that limit and what is left of `where`.
   */
  private applyRankLimit(node: PlanNode, where: Expr): { node: PlanNode; rest: Expr | undefined } | undefined {
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
}
