/**
 * A job's slots, the units the instances of a job share (docs/cluster.md, "Assignment"):
 * subtask i of every operator runs in slot i, so the owner of slot i runs them all (Flink's
 * slot sharing; a forward edge and an operator chain never leave an instance). What a slot
 * means is what its subtasks read and hold: the Kafka partitions its source subtasks read
 * (kafkaSplits.ts deals partition i of the sorted list to subtask i mod parallelism) and the
 * key groups its keyed subtasks hold (keyGroupRangeForOperator).
 */
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { KafkaSource } from '../connectors/kafka/KafkaSource';
import { keyGroupRangeForOperator } from '../state/keyGroups';
import { SlotWork } from './Assignment';

/** The topics a Kafka source task reads (a pattern is refused before: see clusterJobProblems). */
function kafkaTopicsOf(task: TaskPlan): readonly string[] {
  const source = task.source?.source;
  if (!(source instanceof KafkaSource)) return [];
  const topics = (source as KafkaSource<unknown>).options.topics;
  return topics instanceof RegExp ? [] : topics;
}

/** Every topic the job's Kafka sources read, once each. */
export function sourceTopicsOf(plan: ExecutionPlan): string[] {
  return [...new Set(plan.tasks.flatMap(kafkaTopicsOf))].sort();
}

/** The plan's slots: as many as its widest operator. */
export function slotCount(plan: ExecutionPlan): number {
  return Math.max(1, ...plan.tasks.map((t) => t.parallelism));
}

/** The slot a task runs in. */
export function slotOf(task: TaskPlan): number {
  return task.index;
}

export function jobSlots(plan: ExecutionPlan): SlotWork {
  return {
    count: slotCount(plan),
    splitsOf(slot, splits) {
      const read = new Set<string>();
      for (const task of plan.tasks) {
        if (task.index !== slot) continue;
        const topics = new Set(kafkaTopicsOf(task));
        // `topic-partition`, sorted by topic then partition: the order kafkaSplits deals them in.
        splits.filter((s) => topics.has(s.slice(0, s.lastIndexOf('-')))).forEach((s, i) => i % task.parallelism === task.index && read.add(s));
      }
      return [...read];
    },
    keyGroupsOf(slot) {
      const groups = new Set<number>();
      for (const task of plan.tasks) {
        if (task.index !== slot || !task.chain.some((n) => n.keySelector !== undefined)) continue;
        const range = keyGroupRangeForOperator(task.index, task.parallelism, plan.maxParallelism);
        for (let g = range.start; g <= range.end; g++) groups.add(g);
      }
      return [...groups].sort((a, b) => a - b);
    },
  };
}
