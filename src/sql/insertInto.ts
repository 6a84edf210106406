/** An INSERT INTO's target checked against its query: the table exists, takes writes, and takes the query's columns and changes. */
import { DataStream } from '../api/DataStream';
import { Catalog, unknownTable } from './Catalog';
import { Change } from './Change';
import { PlanNode } from './logicalPlan';
import { SqlPosition, SqlProblem } from './SqlProblem';
import { isAssignable } from './types';

/** An INSERT INTO checked and planned: what it writes, and how to add its sink to a job. */
export interface PlannedInsert {
  readonly table: string;
  readonly plan: PlanNode;
  readonly write: (stream: DataStream<Change>) => void;
}

/**
 * Checks that `plan` can be written into `tableName`, adding to `problems` (those found so far)
 * what stands in the way. Undefined when the table cannot be written at all (a problem says why).
 */
export function insertInto(catalog: Catalog, mode: 'streaming' | 'batch', tableName: string, plan: PlanNode, pos: SqlPosition, problems: SqlProblem[]): PlannedInsert | undefined {
  const statement = { table: tableName, pos };
  const target = catalog.get(statement.table);
  if (target === undefined) problems.push(unknownTable(catalog, statement.table, statement.pos));
  else if (target.kind !== 'table' || target.sink === undefined) problems.push({ ...statement.pos, message: `'${statement.table}' cannot be written: it is ${target.kind === 'table' ? 'a source-only table' : 'a view'}` });
  else if (plan.kind !== 'invalid') {
    const sinkFields = target.fields;
    if (sinkFields.length !== plan.fields.length) {
      problems.push({ ...statement.pos, message: `INSERT INTO ${statement.table}: the query has ${plan.fields.length} columns but the table has ${sinkFields.length} (${sinkFields.map((f) => f.name).join(', ')})` });
    } else {
      plan.fields.forEach((f, i) => {
        if (!isAssignable(f.type, sinkFields[i].type)) {
          problems.push({ ...statement.pos, message: `INSERT INTO ${statement.table}: column ${i + 1} is ${f.type} but '${sinkFields[i].name}' is ${sinkFields[i].type}` });
        }
      });
    }
    if (plan.updating && mode !== 'batch' && !target.sink.acceptsUpdates) {
      problems.push({ ...statement.pos, message: `table '${statement.table}' takes only inserts, but the query produces updates (GROUP BY, LEFT JOIN, continuous Top-N): aggregate over a window, or write to a table whose connector takes changelogs (print, blackhole)` });
    }
  }
  if (target === undefined || target.kind !== 'table' || target.sink === undefined) return undefined;
  const sink = target.sink;
  const fields = target.fields;
  return { table: tableName, plan, write: (stream) => sink.write(stream, fields) };
}
