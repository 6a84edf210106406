/** An INSERT INTO as EXPLAIN prints it: its plan under the sink. */
import { explainPlan } from './logicalPlan';
import type { PlannedInsert } from './insertInto';

export function explainInsert(insert: PlannedInsert): string {
  return `Sink(table=[${insert.table}], fields=[${insert.plan.fields.map((f) => f.name).join(', ')}])\n${explainPlan(insert.plan, 1)}`;
}
