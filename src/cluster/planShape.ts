/**
 * The shape of an execution plan as plain data — tasks, their chains by uid, their channels —
 * so that a task manager can report the graph it built and the job master can check that
 * every thread built the same one before any task is placed (a job module whose graph depends
 * on the thread, the clock or randomness would otherwise wire channels to the wrong tasks).
 */
import * as t from 'io-ts';
import { ExecutionPlan } from '../graph/ExecutionPlan';

const ChannelEndShape = t.type({ task: t.string, channel: t.number });

const TaskShapeCodec = t.type({
  id: t.string,
  name: t.string,
  vertex: t.number,
  index: t.number,
  parallelism: t.number,
  /** The uid of the source the task reads, if its chain starts at one. */
  source: t.union([t.string, t.null]),
  chain: t.array(t.type({ uid: t.string, name: t.string, keyed: t.boolean, sink: t.boolean })),
  inputs: t.array(ChannelEndShape),
  outputs: t.array(t.type({ tag: t.union([t.string, t.null]), partitioning: t.string, channels: t.array(ChannelEndShape) })),
});

export const PlanShapeCodec = t.type({
  jobName: t.string,
  maxParallelism: t.number,
  batchSize: t.number,
  channelCapacity: t.number,
  tasks: t.array(TaskShapeCodec),
});

export type PlanShape = t.TypeOf<typeof PlanShapeCodec>;
type TaskShape = t.TypeOf<typeof TaskShapeCodec>;

export function planShape(plan: ExecutionPlan): PlanShape {
  return {
    jobName: plan.jobName,
    maxParallelism: plan.maxParallelism,
    batchSize: plan.batchSize,
    channelCapacity: plan.channelCapacity,
    tasks: plan.tasks.map((task) => ({
      id: task.id,
      name: task.name,
      vertex: task.vertex,
      index: task.index,
      parallelism: task.parallelism,
      source: task.source?.node.uid ?? null,
      chain: task.chain.map((n) => ({ uid: n.uid, name: n.name, keyed: n.keySelector !== undefined, sink: n.isSink })),
      inputs: task.inputs.map((i) => ({ task: i.task, channel: i.channel })),
      outputs: task.outputs.map((o) => ({ tag: o.tag ?? null, partitioning: o.partitioning.kind, channels: o.channels.map((c) => ({ task: c.task, channel: c.channel })) })),
    })),
  };
}

/** How `actual` differs from `expected`, one sentence a difference (none: the same graph). */
export function planDifferences(expected: PlanShape, actual: PlanShape): string[] {
  const differences: string[] = [];
  for (const field of ['jobName', 'maxParallelism', 'batchSize', 'channelCapacity'] as const) {
    if (expected[field] !== actual[field]) differences.push(`${field} is ${JSON.stringify(actual[field])}, not ${JSON.stringify(expected[field])}`);
  }
  const actualTasks = new Map(actual.tasks.map((task) => [task.id, task]));
  const expectedIds = new Set(expected.tasks.map((task) => task.id));
  for (const task of expected.tasks) {
    const other = actualTasks.get(task.id);
    if (other === undefined) differences.push(`task ${task.id} is missing`);
    else
      for (const field of Object.keys(task) as (keyof TaskShape)[]) {
        const [a, b] = [JSON.stringify(task[field]), JSON.stringify(other[field])];
        if (a !== b) differences.push(`task ${task.id}: ${field} is ${b}, not ${a}`);
      }
  }
  for (const task of actual.tasks) if (!expectedIds.has(task.id)) differences.push(`task ${task.id} is one too many`);
  return differences;
}
