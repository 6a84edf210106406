/**
 * The result of `tEnv.sqlQuery(...)` (or `fromDataStream`): a planned query that converts to
 * a stream. `toDataStream()` is for append-only results; `toChangelogStream()` gives every
 * change of an updating one (+I, -U, +U, -D). In another query, a Table's `toString()` is the
 * name it is registered under, in backquotes (`UnnamedTable$0`: `$` is no name character of
 * the grammar), so `tEnv.sqlQuery(\`SELECT * FROM ${table}\`)` works.
 *
 * A Table is also the fluent Table API, with Flink's names: `select`, `where` / `filter`,
 * `groupBy(...).select`, `window(...).groupBy(...).select`, `distinct`, `unionAll`, `join`,
 * `orderBy` / `offset` / `fetch`. Each call builds the AST SQL would (tableOperations.ts) and
 * is planned, checked and explained by the same planner; a bad call throws a
 * TableApiValidationError listing every problem.
 */
import { DataStream } from '../api/DataStream';
import type { TableEnvironment } from './TableEnvironment';
import { ChangelogRow } from './Change';
import { explainPlan, PlanNode } from './logicalPlan';
import { Field } from './types';
import { Expression } from './Expression';
import { GroupedTable, GroupWindowedTable, OverWindowedTable } from './GroupedTable';
import { GroupWindow } from './GroupWindow';
import { OverWindowDefinition } from './OverWindow';
import * as ops from './tableOperations';
import type { TableApiValidationError } from './tableApiProblems';
import type { TableResult } from './TableResult';

/** A query's result (`tEnv.sqlQuery`, `fromDataStream`): convert it to a stream, explain it, or name it as a view. */
export class Table {
  /** @internal */
  constructor(
    private readonly tEnv: TableEnvironment,
    private readonly planned: PlanNode,
    private readonly tableName: string,
    /** @internal The AST the Table API built this table from, which later calls extend. */
    readonly fluent?: ops.FluentQuery,
    /**
     * Why the table cannot be used as it is, though a later call may complete it: an
     * orderBy(...) on a stream, until its fetch(n).
     */
    private readonly incomplete?: TableApiValidationError,
  ) {}

  /** @internal The logical plan (refused while the table is incomplete). */
  get plan(): PlanNode {
    if (this.incomplete !== undefined) throw this.incomplete;
    return this.planned;
  }

  /** The name the table is registered under in its environment's catalog. */
  get name(): string {
    if (this.incomplete !== undefined) throw this.incomplete;
    return this.tableName;
  }

  /** The result's columns, with their types. */
  get fields(): readonly Field[] {
    return this.plan.fields;
  }

  /** Whether the result updates rows it emitted (a GROUP BY, a LEFT JOIN, a continuous Top-N). */
  get isUpdating(): boolean {
    return this.plan.updating;
  }

  /**
   * The rows as objects keyed by column name. Refuses an updating result (it would drop its
   * retractions): use toChangelogStream() for those.
   */
  toDataStream(): DataStream<Record<string, unknown>> {
    if (this.plan.updating) {
      throw new Error(
        `toDataStream() needs an append-only table, but this query produces updates (from a GROUP BY, LEFT JOIN or continuous Top-N); use toChangelogStream(), or run it in batch mode (TableEnvironment.create(env, { mode: 'batch' }))`,
      );
    }
    return this.tEnv.translatePlanToRecords(this.plan, (_kind, record) => record);
  }

  /** Every change as `{ kind, row }`, kind one of +I, -U, +U, -D. */
  toChangelogStream(): DataStream<ChangelogRow> {
    return this.tEnv.translatePlanToRecords(this.plan, (kind, row): ChangelogRow => ({ kind, row }));
  }

  /** The plan, as EXPLAIN prints it. */
  explain(): string {
    return explainPlan(this.plan);
  }

  // --- the Table API

  /** The columns of the result: `select($('a'), $('b').plus(1).as('c'))`, `$('*')` for all of them. */
  select(...fields: Expression[]): Table {
    return this.planCall(ops.select(this, fields));
  }

  /** Every column, then the expressions: `addColumns($('a').times(2).as('a2'))`. */
  addColumns(...fields: Expression[]): Table {
    return this.planCall(ops.addColumns(this, fields));
  }

  /** The rows that satisfy the condition: `where($('a').isGreater(3))`. */
  where(predicate: Expression): Table {
    return this.planCall(ops.where(this, predicate, 'where'));
  }

  /** The same as where(...). */
  filter(predicate: Expression): Table {
    return this.planCall(ops.where(this, predicate, 'filter'));
  }

  /** Groups by the keys; `select(...)` then gives the keys and aggregates (an updating result). */
  groupBy(...keys: Expression[]): GroupedTable {
    return new GroupedTable(this, keys);
  }

  /**
   * A group window: `window(Tumble.over(lit(10).seconds()).on($('ts')).as('w')).groupBy($('w'), ...).select(...)`;
   * or over windows: `window(Over.partitionBy($('k')).orderBy($('ts')).as('o')).select($('v').sum().over($('o')))`.
   */
  window(window: GroupWindow): GroupWindowedTable;
  window(...windows: OverWindowDefinition[]): OverWindowedTable;
  window(...windows: (GroupWindow | OverWindowDefinition)[]): GroupWindowedTable | OverWindowedTable {
    const [first] = windows;
    if (windows.length === 1 && first instanceof GroupWindow) return new GroupWindowedTable(this, first);
    const overs = windows.filter((w): w is OverWindowDefinition => w instanceof OverWindowDefinition);
    if (overs.length !== windows.length || overs.length === 0) {
      throw new TypeError('window(...) takes one group window (Tumble, Slide, Session) or over windows (Over...as(alias))');
    }
    return new OverWindowedTable(this, overs);
  }

  /** One row per distinct row (an updating result on a stream). */
  distinct(): Table {
    return this.planCall(ops.distinct(this));
  }

  /** The columns renamed, in order: `as('customer', 'total')`. */
  as(...names: string[]): Table {
    return this.planCall(ops.renameColumns(this, names));
  }

  /** The rows of both tables (the same number of columns, of compatible types). */
  unionAll(other: Table): Table {
    return this.planCall(ops.unionAll(this, other));
  }

  /** Inner join on the condition; the two tables' column names should differ (or the condition is ambiguous). */
  join(right: Table, on: Expression): Table {
    return this.planCall(ops.join(this, right, on, 'INNER', 'join'));
  }

  leftOuterJoin(right: Table, on: Expression): Table {
    return this.planCall(ops.join(this, right, on, 'LEFT', 'leftOuterJoin'));
  }

  rightOuterJoin(right: Table, on: Expression): Table {
    return this.planCall(ops.join(this, right, on, 'RIGHT', 'rightOuterJoin'));
  }

  fullOuterJoin(right: Table, on: Expression): Table {
    return this.planCall(ops.join(this, right, on, 'FULL', 'fullOuterJoin'));
  }

  /** Sorted: `orderBy($('ts').asc(), $('amount').desc())`; on a stream the first key is an ascending time attribute, or a fetch(n) follows. */
  orderBy(...keys: Expression[]): Table {
    return this.planCall(ops.orderBy(this, keys));
  }

  /** Skips the first n rows of orderBy(...). */
  offset(rows: number): Table {
    return this.tEnv.planFluent(ops.limit(this.completable(), 'offset', rows));
  }

  /** The first n rows (of orderBy(...), or as they come): SQL's LIMIT. */
  fetch(rows: number): Table {
    return this.tEnv.planFluent(ops.limit(this.completable(), 'fetch', rows));
  }

  /** The same as fetch(n). */
  limit(rows: number): Table {
    return this.tEnv.planFluent(ops.limit(this.completable(), 'limit', rows));
  }

  /** This table for offset / fetch, which may complete an orderBy(...): its name is not read then. */
  private completable(): ops.TableRef {
    if (this.incomplete === undefined) return this;
    return { name: this.tableName, fluent: this.fluent, fields: this.planned.fields };
  }

  /** Writes the rows into a table of the catalog (INSERT INTO tableName SELECT * FROM this), as one job started now. */
  executeInsert(tableName: string): TableResult {
    return this.tEnv.executeInserts([this.tEnv.planTableInsert(tableName, this)]);
  }

  /** @internal Plans a Table API call on this table's environment. */
  planCall(call: ops.FluentCall): Table {
    if (this.incomplete !== undefined) throw this.incomplete;
    return this.tEnv.planFluent(call);
  }

  /** A name SQL can use for this table in other queries. */
  toString(): string {
    return `\`${this.name.split('`').join('``')}\``;
  }
}
