/**
 * The stall diagnosis: when a job is back-pressured, which task is at the root of it. Back
 * pressure spreads upstream from a task that cannot keep up, so the root is found by walking
 * downstream from every back-pressured task, through back-pressured tasks, to the first
 * task that is not back-pressured itself: the busiest of those is the bottleneck. Flink's
 * web UI colours back pressure but leaves this walk to the reader.
 */
import { TaskTopology } from './TaskTopology';
import { TaskId } from '../checkpoint/TaskId';
import { TaskMetrics } from './JobMetrics';

/** Above this share of a second waiting for credit (Flink's HIGH), a task counts as back-pressured. */
export const BACK_PRESSURED_MS_PER_SECOND = 500;

/** Where a stalled job's backpressure starts: the task, and why it holds the others back. */
export interface StallRoot {
  readonly task: TaskId;
  readonly vertex: number;
  readonly name: string;
  readonly subtask: number;
  readonly busyTimeMsPerSecond: number;
  readonly backPressuredTimeMsPerSecond: number;
}

/** What holds a job back when its sources stopped reading, as the dashboard and REST API report it. */
export type StallDiagnosis =
  | { readonly backPressured: false }
  | {
      readonly backPressured: true;
      /** The back-pressured tasks, by name and subtask. */
      readonly backPressuredTasks: ReadonlyArray<{ readonly task: TaskId; readonly name: string; readonly subtask: number; readonly backPressuredTimeMsPerSecond: number }>;
      /** The busiest task downstream of the back pressure that is not back-pressured itself; undefined if none is busy. */
      readonly root: StallRoot | undefined;
    };

/** Diagnoses a sample of the job's task metrics (time accounting on). */
export function diagnoseStall(plan: TaskTopology, tasks: readonly TaskMetrics[]): StallDiagnosis {
  const byId = new Map(tasks.map((t) => [t.task, t]));
  const pressured = (t: TaskMetrics | undefined) => (t?.backPressuredTimeMsPerSecond ?? 0) >= BACK_PRESSURED_MS_PER_SECOND;
  const start = tasks.filter(pressured);
  if (start.length === 0) return { backPressured: false };
  const downstream = new Map<TaskId, TaskId[]>();
  for (const task of plan.tasks) downstream.set(task.id, task.outputs.flatMap((e) => e.channels.map((c) => c.task)));
  const seen = new Set<TaskId>();
  const candidates = new Set<TaskId>();
  const stack = start.map((t) => t.task);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of downstream.get(id) ?? []) {
      if (pressured(byId.get(next))) stack.push(next);
      else if (byId.has(next)) candidates.add(next);
    }
  }
  let root: TaskMetrics | undefined;
  for (const id of candidates) {
    const t = byId.get(id)!;
    if ((t.busyTimeMsPerSecond ?? 0) > (root?.busyTimeMsPerSecond ?? 0)) root = t;
  }
  return {
    backPressured: true,
    backPressuredTasks: start.map((t) => ({ task: t.task, name: t.name, subtask: t.subtask, backPressuredTimeMsPerSecond: t.backPressuredTimeMsPerSecond! })),
    root:
      root === undefined
        ? undefined
        : { task: root.task, vertex: root.vertex, name: root.name, subtask: root.subtask, busyTimeMsPerSecond: root.busyTimeMsPerSecond!, backPressuredTimeMsPerSecond: root.backPressuredTimeMsPerSecond! },
  };
}
