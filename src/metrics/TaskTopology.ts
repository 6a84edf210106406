/**
 * The part of a job's plan that metrics read: each task's place (vertex, name, subtask) and
 * the tasks its output goes to. graph/ExecutionPlan.ts fits it; declared here because metrics
 * sit below graph (docs/internals.md, the layers).
 */
import { TaskId } from '../checkpoint/TaskId';

export interface TaskTopology {
  readonly tasks: ReadonlyArray<{
    readonly id: TaskId;
    readonly vertex: number;
    readonly name: string;
    readonly index: number;
    readonly outputs: ReadonlyArray<{ readonly channels: ReadonlyArray<{ readonly task: TaskId }> }>;
  }>;
}
