/**
 * Several INSERT INTO run as one job, with Flink's names: `tEnv.createStatementSet()`, then
 * `addInsertSql(sql)` or `addInsert(tableName, table)` for each, `explain()`, `execute()`.
 * Each insert is checked when it is added; `execute()` translates them all into one job graph,
 * where a table that several inserts read is read once and its rows go to each of them.
 *
 * @example
 * const set = tEnv.createStatementSet();
 * set.addInsertSql('INSERT INTO big SELECT * FROM orders WHERE amount >= 10');
 * set.addInsertSql('INSERT INTO small SELECT * FROM orders WHERE amount < 10');
 * await set.execute().await();
 */
import type { PlannedInsert } from './insertInto';
import type { TableEnvironment } from './TableEnvironment';
import type { TableResult } from './TableResult';
import { explainInsert } from './explainInsert';
import type { Table } from './Table';

/** Several INSERT statements run as one job (`tEnv.createStatementSet()`), each source read once. */
export class StatementSet {
  private readonly inserts: PlannedInsert[] = [];

  /** @internal */
  constructor(private readonly tEnv: TableEnvironment) {}

  /** Adds an `INSERT INTO table SELECT ...` statement; a bad one is refused here, with its problems. */
  addInsertSql(sql: string): this {
    this.inserts.push(this.tEnv.planInsertSql(sql));
    return this;
  }

  /** Adds writing `table` (from sqlQuery or fromDataStream) into the catalog table `tableName`. */
  addInsert(tableName: string, table: Table): this {
    this.inserts.push(this.tEnv.planTableInsert(tableName, table));
    return this;
  }

  /** @internal */
  addPlannedInsert(insert: PlannedInsert): this {
    this.inserts.push(insert);
    return this;
  }

  /** Each insert's plan under its sink, as EXPLAIN prints it, in the order they were added. */
  explain(): string {
    return this.inserts.map(explainInsert).join('\n\n');
  }

  /** Runs every insert added so far as one job, and empties the set (as Flink's does). */
  execute(): TableResult {
    if (this.inserts.length === 0) throw new Error('the statement set is empty: add an INSERT INTO with addInsertSql or addInsert first');
    const inserts = this.inserts.splice(0);
    return this.tEnv.executeInserts(inserts);
  }
}
