/**
 * What a job over instances cannot run (for now), checked when it starts. Apart from
 * clusterEnvironment.ts (the option itself, which every StreamEnvironment decodes): this check
 * needs the Kafka connector's classes, which the API does not load until a job starts.
 */
import type { ExecutionPlan } from '../graph/ExecutionPlan';
import type { CheckpointConfig } from '../checkpoint/CheckpointConfig';
import { KafkaSource } from '../connectors/kafka/KafkaSource';

/**
 * Each named: unaligned checkpoints (their
 * channel state is not carried between instances yet), sources and sinks that talk to objects of
 * the application (ActorSource, ActorSink, CollectSink: the application is one process, the
 * tasks run on any instance), and Kafka sources by topic pattern (an instance reports the
 * partitions it reads by topic name).
 */
export function clusterJobProblems(plan: ExecutionPlan, checkpoints: CheckpointConfig | undefined): string[] {
  const problems: string[] = [];
  if (checkpoints?.unaligned === true) problems.push('unaligned checkpoints cannot run across instances (for now): enable checkpointing without { unaligned: true }');
  const named = new Set<string>();
  for (const task of plan.tasks) {
    const source = task.source;
    if (source !== undefined && 'fromTaskManager' in source.source && !named.has(source.node.uid)) {
      named.add(source.node.uid);
      problems.push(`source '${source.node.name}' talks to the application (${source.source.name}): it cannot run across instances, whose tasks run in any process; read from Kafka instead`);
    }
    if (source !== undefined && source.source instanceof KafkaSource && (source.source as KafkaSource<unknown>).options.topics instanceof RegExp && !named.has(`${source.node.uid}/pattern`)) {
      named.add(`${source.node.uid}/pattern`);
      problems.push(`source '${source.node.name}' reads topics by pattern: across instances name its topics (each instance reports the partitions it reads)`);
    }
    for (const node of task.chain) {
      if (node.sink === undefined || !('fromTaskManager' in node.sink) || named.has(node.uid)) continue;
      named.add(node.uid);
      problems.push(`sink '${node.name}' hands its records to the application (${node.sink.name}): it cannot run across instances, whose tasks run in any process; write to Kafka instead`);
    }
  }
  return problems;
}
