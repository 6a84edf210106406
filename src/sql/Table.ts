/**
 * The result of `tEnv.sqlQuery(...)` (or `fromDataStream`): a planned query that converts to
 * a stream. `toDataStream()` is for append-only results; `toChangelogStream()` gives every
 * change of an updating one (+I, -U, +U, -D). In another query, a Table's `toString()` is the
 * name it is registered under, in backquotes (`UnnamedTable$0`: `$` is no name character of
 * the grammar), so `tEnv.sqlQuery(\`SELECT * FROM ${table}\`)` works.
 */
import { DataStream } from '../api/DataStream';
import type { TableEnvironment } from './TableEnvironment';
import { Change, ChangelogRow } from './Change';
import { explainPlan, PlanNode } from './logicalPlan';
import { Field } from './types';

/** A query's result (`tEnv.sqlQuery`, `fromDataStream`): convert it to a stream, explain it, or name it as a view. */
export class Table {
  /** @internal */
  constructor(private readonly tEnv: TableEnvironment, /** @internal */ readonly plan: PlanNode, readonly name: string) {}

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
    const names = this.plan.fields.map((f) => f.name);
    return this.stream().map((c: Change) => toObject(names, c)).name('To DataStream');
  }

  /** Every change as `{ kind, row }`, kind one of +I, -U, +U, -D. */
  toChangelogStream(): DataStream<ChangelogRow> {
    const names = this.plan.fields.map((f) => f.name);
    return this.stream().map((c: Change): ChangelogRow => ({ kind: c.kind, row: toObject(names, c) })).name('To Changelog');
  }

  /** The plan, as EXPLAIN prints it. */
  explain(): string {
    return explainPlan(this.plan);
  }

  /** A name SQL can use for this table in other queries. */
  toString(): string {
    return `\`${this.name.split('`').join('``')}\``;
  }

  private stream(): DataStream<Change> {
    return this.tEnv.translatePlan(this.plan);
  }
}

function toObject(names: readonly string[], c: Change): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) o[names[i]] = c.row[i];
  return o;
}
