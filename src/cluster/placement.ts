/**
 * Where each task of a plan runs with `count` task managers, and which channels cross threads.
 * Subtask i of every vertex goes to task manager i mod count (Flink's default slot sharing: a
 * slot holds one subtask of each vertex), so a forward edge — the same index at both ends —
 * and so every operator chain stays in one thread and never serializes.
 */
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';

export function taskManagerOf(task: TaskPlan, count: number): number {
  return task.index % count;
}

/** A channel whose two ends are in different task managers. */
export interface CrossingChannel {
  readonly producer: TaskId;
  /** The channel's index at the producer (its output channels, flattened over edges). */
  readonly output: number;
  readonly from: number;
  readonly consumer: TaskId;
  /** The channel's index at the consumer (its input channels). */
  readonly input: number;
  readonly to: number;
  /** In errors: `map/0 -> count/1`. */
  readonly name: string;
}

/**
 * The channels whose ends are on different task managers: `count` of them placed by
 * taskManagerOf, or placed by `where` (instances: the owner of the task's slot).
 */
export function crossingChannels(plan: ExecutionPlan, count: number | ((task: TaskPlan) => number)): CrossingChannel[] {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const place = typeof count === 'number' ? (task: TaskPlan) => taskManagerOf(task, count) : count;
  const crossing: CrossingChannel[] = [];
  for (const producer of plan.tasks) {
    const from = place(producer);
    producer.outputs
      .flatMap((edge) => edge.channels)
      .forEach((end, output) => {
        const consumer = byId.get(end.task);
        if (consumer === undefined) throw new Error(`task ${producer.id} sends to task ${end.task}, which is not in the plan`);
        const to = place(consumer);
        if (from !== to) crossing.push({ producer: producer.id, output, from, consumer: consumer.id, input: end.channel, to, name: `${producer.name}/${producer.index} -> ${consumer.name}/${consumer.index}` });
      });
  }
  return crossing;
}
