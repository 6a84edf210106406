/**
 * What each Table API call is in SQL: the calls build the AST the SQL parser builds for the same
 * query (ast.ts), which TableEnvironment.planFluent hands to the same Planner. A call extends
 * the SELECT of the table it is called on while SQL could write both in one SELECT:
 * `from('t').where(p).select(a, b)` is `SELECT a, b FROM t WHERE p`, and
 * `window(w).groupBy($('w'), $('k')).select(...)` over `where(p)` is the window aggregation
 * `SELECT ... FROM TABLE(TUMBLE(TABLE t, ...)) WHERE p GROUP BY k, window_start, window_end`.
 * Otherwise the call is a query over the table (`select(...).where(p)` is
 * `SELECT * FROM (SELECT ...) WHERE p`). Problems the planner cannot see (an alias inside an
 * expression, a window not grouped by) are listed with the planner's.
 */
import { Expr, FromItem, OrderedQuery, OverFrame, OverWindow, Query, Select, SelectItem } from './ast';
import { OverWindowDefinition } from './OverWindow';
import { Expression, ExpressionScope } from './Expression';
import { FluentPositions } from './tableApiProblems';
import type { GroupWindow } from './GroupWindow';
import { SqlPosition, SqlProblem } from './SqlProblem';

/** @internal The AST of a Table built by the Table API, kept so later calls can extend it. */
export interface FluentQuery {
  readonly query: Query;
  /** What the AST's positions stand for (FluentPositions). */
  readonly descriptions: readonly string[];
  /** A `SELECT * FROM ... [WHERE ...]`, which a select, groupBy, window or where may extend. */
  readonly open: boolean;
}

/** @internal The part of a Table that calls build on. */
export interface TableRef {
  /** The name it is registered under in the catalog, which a query reads it by. */
  readonly name: string;
  readonly fluent?: FluentQuery;
  readonly fields: readonly { readonly name: string }[];
}

/** @internal One Table API call, as a query to plan. */
export interface FluentCall {
  readonly query: Query;
  readonly positions: FluentPositions;
  /** Problems found while building the query (the planner adds its own). */
  readonly problems: SqlProblem[];
  readonly open: boolean;
}

/** The positions, problems and expression scope of one call named `call` on `table`. */
class CallBuilder {
  readonly positions: FluentPositions;
  readonly problems: SqlProblem[] = [];
  readonly scope: ExpressionScope;
  /** The open SELECT of the table extended by this call. */
  readonly base: Select;

  constructor(table: TableRef, readonly call: string, windowAlias?: string, overWindows: readonly OverWindowDefinition[] = []) {
    const reuse = table.fluent?.open === true && table.fluent.query.kind === 'select';
    // The table's AST may be reused (extended, or as a query's part): its positions stay valid.
    this.positions = new FluentPositions(table.fluent?.descriptions ?? []);
    this.scope = {
      at: (text) => this.positions.at(`in ${call}(...), ${text}`),
      problem: (pos, message) => this.problems.push({ ...pos, message }),
      windowAlias,
      overWindow: overWindows.length === 0 ? undefined : (alias) => {
        const w = overWindows.find((o) => o.alias === alias);
        return w === undefined ? undefined : overWindowAst(w, this.scope);
      },
    };
    this.base = reuse ? (table.fluent!.query as Select) : selectAll(table, this.at());
  }

  /** A position standing for the call itself. */
  at(): SqlPosition {
    return this.positions.at(`in ${this.call}(...)`);
  }

  problem(message: string): void {
    this.problems.push({ ...this.at(), message });
  }

  items(fields: readonly Expression[]): SelectItem[] {
    if (fields.length === 0) this.problem(`${this.call}() needs at least one expression`);
    return fields.map((f) => (f.traits.star && f.traits.alias === undefined ? { expr: { kind: 'star', pos: this.scope.at(f.text) } } : { expr: f.bareAst(this.scope), alias: f.traits.alias }));
  }

  done(query: Query, open: boolean): FluentCall {
    return { query, positions: this.positions, problems: this.problems, open };
  }
}

/** `SELECT * FROM table`, reading the table by its name. */
function selectAll(table: TableRef, pos: SqlPosition): Select {
  return { kind: 'select', distinct: false, items: [{ expr: { kind: 'star', pos } }], from: { kind: 'table', name: table.name, pos }, groupBy: [], pos };
}

/** How a query reads a table: `tEnv.from(name)` (unfiltered) by that name, any other by the name it is registered under. */
function readAs(table: TableRef, pos: SqlPosition): FromItem {
  const q = table.fluent?.query;
  if (table.fluent?.open === true && q?.kind === 'select' && q.where === undefined && q.from.kind === 'table') return { ...q.from, pos };
  return { kind: 'table', name: table.name, pos };
}

/** The whole query of a table: its AST, or a SELECT * of it. */
function queryOf(table: TableRef, pos: SqlPosition): Query {
  return table.fluent === undefined ? selectAll(table, pos) : { ...table.fluent.query, pos };
}

/** @internal `tEnv.from(name)`: SELECT * FROM name, open. */
export function fromTable(name: string): FluentCall {
  const positions = new FluentPositions();
  const pos = positions.at(`in from('${name}')`);
  return { query: selectAll({ name, fields: [] }, pos), positions, problems: [], open: true };
}

/** @internal `table.select(...)`. */
export function select(table: TableRef, fields: readonly Expression[]): FluentCall {
  const b = new CallBuilder(table, 'select');
  return b.done({ ...b.base, items: b.items(fields) }, false);
}

/** @internal `table.addColumns(...)`: every column, then these. */
export function addColumns(table: TableRef, fields: readonly Expression[]): FluentCall {
  const b = new CallBuilder(table, 'addColumns');
  const items = b.items(fields);
  for (const item of items) if (item.expr.kind === 'star') b.problem(`addColumns() adds expressions; $('*') is already there`);
  return b.done({ ...b.base, items: [{ expr: { kind: 'star', pos: b.at() } }, ...items] }, false);
}

/** @internal `table.as('x', 'y', ...)`: the columns renamed, in order. */
export function renameColumns(table: TableRef, names: readonly string[]): FluentCall {
  const b = new CallBuilder(table, 'as');
  if (names.length !== table.fields.length) b.problem(`as(...) names every column: the table has ${table.fields.length} (${table.fields.map((f) => f.name).join(', ')}), got ${names.length} name(s)`);
  const items: SelectItem[] = table.fields.map((f, i) => ({ expr: { kind: 'column', name: f.name, pos: b.at() }, alias: names[i] }));
  return b.done({ ...b.base, items }, false);
}

/** @internal `table.where(p)` / `filter(p)`: the open SELECT's WHERE, and-ed with one it has. */
export function where(table: TableRef, predicate: Expression, call: string): FluentCall {
  const b = new CallBuilder(table, call);
  const p = predicate.toAst(b.scope, 'a condition');
  const condition: Expr = b.base.where === undefined ? p : { kind: 'binary', op: 'AND', left: b.base.where, right: p, pos: p.pos };
  return b.done({ ...b.base, where: condition }, true);
}

/** @internal `table.groupBy(...keys).select(...)`. */
export function groupBySelect(table: TableRef, keys: readonly Expression[], fields: readonly Expression[]): FluentCall {
  const b = new CallBuilder(table, 'groupBy(...).select');
  if (keys.length === 0) b.problem('groupBy() needs at least one key; for an aggregate over all rows, select() the aggregates');
  const groupBy = keys.map((k) => k.toAst(b.scope, 'a group key'));
  return b.done({ ...b.base, groupBy, items: b.items(fields) }, false);
}

/** @internal `table.window(w).groupBy($(w.alias), ...keys).select(...)`: a window aggregation. */
export function windowSelect(table: TableRef, window: GroupWindow, keys: readonly Expression[], fields: readonly Expression[]): FluentCall {
  const b = new CallBuilder(table, 'window(...).groupBy(...).select', window.alias);
  // The window table function reads a table; a WHERE of the open SELECT filters its rows.
  const base = b.base.from.kind === 'table' ? b.base : selectAll(table, b.at());
  const windowPos = b.scope.at(window.text);
  const groupBy: Expr[] = [];
  let grouped = false;
  for (const k of keys) {
    if (k.traits.column === window.alias && k.traits.alias === undefined && k.traits.order === undefined) {
      if (grouped) b.problem(`groupBy(...) names the window $('${window.alias}') twice`);
      grouped = true;
      const pos = b.scope.at(k.text);
      groupBy.push({ kind: 'column', name: 'window_start', pos }, { kind: 'column', name: 'window_end', pos });
    } else groupBy.push(k.toAst(b.scope, 'a group key'));
  }
  if (!grouped) b.problems.push({ ...windowPos, message: `groupBy(...) after window(...) must include the window, $('${window.alias}')` });
  const keyAsts = groupBy.filter((g) => !(g.kind === 'column' && (g.name === 'window_start' || g.name === 'window_end')));
  const from: FromItem = {
    kind: 'windowTvf',
    fn: window.fn,
    input: base.from,
    // Sessions are per key, as in Flink's Table API (SQL writes them PARTITION BY the keys).
    partitionBy: window.fn === 'SESSION' ? keyAsts : [],
    timeColumn: window.timeField.toAst(b.scope, 'a time attribute'),
    args: window.intervals.map((i) => i.toAst(b.scope, 'a window size')),
    pos: windowPos,
  };
  return b.done({ ...base, from, groupBy, items: b.items(fields) }, false);
}

/** @internal `table.window(Over...as('o')).select(...)`: an OVER aggregation (the aggregates read `.over($('o'))`). */
export function overSelect(table: TableRef, windows: readonly OverWindowDefinition[], fields: readonly Expression[]): FluentCall {
  const b = new CallBuilder(table, 'window(Over...).select', undefined, windows);
  const aliases = windows.map((w) => w.alias);
  aliases.forEach((a, i) => {
    if (aliases.indexOf(a) !== i) b.problem(`two over windows are named '${a}'`);
  });
  return b.done({ ...b.base, items: b.items(fields) }, false);
}

/** The OVER (...) of an over window: PARTITION BY, ORDER BY its time, the frame up to the current row. */
function overWindowAst(w: OverWindowDefinition, scope: ExpressionScope): OverWindow {
  const pos = scope.at(w.text);
  const reach = w.preceding;
  let frame: OverFrame;
  if (reach instanceof Expression) frame = { unit: 'RANGE', preceding: reach.toAst(scope, 'a frame'), pos };
  else if (reach.kind === 'ROWS') {
    if (!Number.isInteger(reach.rows) || reach.rows < 0) scope.problem(pos, `rowInterval(${reach.rows}): a number of rows is a whole number >= 0`);
    frame = { unit: 'ROWS', preceding: reach.rows, pos };
  } else frame = { unit: reach.kind === 'UNBOUNDED_ROW' ? 'ROWS' : 'RANGE', pos };
  return { partitionBy: w.partitionBy.map((p) => p.toAst(scope, 'a partition key')), orderBy: [{ expr: w.orderBy.toAst(scope, 'an order key'), descending: false }], frame, pos };
}

/** @internal `table.distinct()`: SELECT DISTINCT *. */
export function distinct(table: TableRef): FluentCall {
  const b = new CallBuilder(table, 'distinct');
  return b.done({ ...b.base, distinct: true }, false);
}

/** @internal `table.unionAll(other)`. */
export function unionAll(table: TableRef, other: TableRef): FluentCall {
  const b = new CallBuilder(table, 'unionAll');
  const pos = b.at();
  return b.done({ kind: 'unionAll', inputs: [queryOf(table, pos), queryOf(other, b.at())], pos }, false);
}

/** @internal `table.join(right, on)` and the outer joins: SELECT * FROM table JOIN right ON on, open. */
export function join(table: TableRef, right: TableRef, on: Expression, joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL', call: string): FluentCall {
  const b = new CallBuilder({ ...table, fluent: undefined }, call);
  const pos = b.at();
  const from: FromItem = { kind: 'join', joinType, left: readAs(table, pos), right: readAs(right, pos), on: on.toAst(b.scope, 'a join condition'), pos };
  return b.done({ ...b.base, from }, true);
}

/** @internal `table.orderBy(...)`: ORDER BY over the table's query. */
export function orderBy(table: TableRef, keys: readonly Expression[]): FluentCall {
  const b = new CallBuilder(table, 'orderBy');
  if (keys.length === 0) b.problem('orderBy() needs at least one key');
  const order = keys.map((k) => ({ expr: k.bareAst(b.scope), descending: k.traits.order === 'DESC', pos: b.scope.at(k.text) }));
  for (const k of keys) if (k.traits.alias !== undefined) b.problem(`orderBy(...) keys take no alias: ${k.text}`);
  const query: OrderedQuery = { kind: 'ordered', query: inner(table, b), orderBy: order, pos: b.at() };
  return b.done(query, false);
}

/** @internal `offset(n)`, `fetch(n)` / `limit(n)`: OFFSET and LIMIT of the table's ORDER BY, or a LIMIT of its rows. */
export function limit(table: TableRef, call: 'offset' | 'fetch' | 'limit', rows: number): FluentCall {
  const ordered = table.fluent?.query.kind === 'ordered' ? table.fluent.query : undefined;
  const b = new CallBuilder(table, call);
  if (!Number.isInteger(rows) || rows < 0) b.problem(`${call}(${rows}): a number of rows is a whole number >= 0`);
  const field = call === 'offset' ? 'offset' : 'limit';
  if (ordered?.[field] !== undefined) b.problem(`${call}(...) is given twice`);
  if (ordered?.limit !== undefined && call === 'offset') b.problem('offset(...) comes before fetch(...), as in SQL');
  const base: OrderedQuery = ordered ?? { kind: 'ordered', query: inner(table, b), orderBy: [], pos: b.at() };
  return b.done({ ...base, [field]: { rows, pos: b.at() } }, false);
}

/** The table's query under an ORDER BY: its AST, or SELECT * of it. */
function inner(table: TableRef, b: CallBuilder): Query {
  return table.fluent === undefined || table.fluent.query.kind === 'ordered' ? selectAll(table, b.at()) : table.fluent.query;
}
