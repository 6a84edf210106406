/**
 * Which part of a completed checkpoint each new task restores. Keyed state is handed over
 * whole (the backend keeps only the key groups it owns, invariant 5) and operator state of
 * all former instances (redistributed round-robin by the store); a source position only to
 * the instance of the same index, since a source split does not change hands.
 */
import { Either, left, right } from 'fp-ts/Either';
import { TaskPlan } from '../graph/ExecutionPlan';
import { CompletedCheckpoint, NodeSnapshot, TaskRestore } from './CheckpointTypes';

export function restoreFor(task: TaskPlan, checkpoint: CompletedCheckpoint): Either<string, TaskRestore> {
  const uids = [...(task.source ? [task.source.node.uid] : []), ...task.chain.map((n) => n.uid)];
  const nodes: Record<string, Array<{ index: number; parallelism: number; snapshot: NodeSnapshot }>> = {};
  for (const uid of uids) nodes[uid] = [];
  for (const snapshot of checkpoint.tasks) {
    for (const [uid, node] of Object.entries(snapshot.nodes)) {
      nodes[uid]?.push({ index: snapshot.index, parallelism: snapshot.parallelism, snapshot: node });
    }
  }
  if (task.source !== undefined) {
    const former = nodes[task.source.node.uid];
    if (former.length > 0 && former[0].parallelism !== task.parallelism) {
      return left(
        `source '${task.source.node.name}' ran with parallelism ${former[0].parallelism} in checkpoint ${checkpoint.id} ` +
          `and cannot be restored with parallelism ${task.parallelism}; keep a source's parallelism when rescaling`,
      );
    }
  }
  // In-flight records go back to the channels they were on: only the same task can take them.
  const own = checkpoint.tasks.find((s) => s.task === task.id && s.parallelism === task.parallelism);
  const inFlight = checkpoint.tasks.some((s) => s.channels !== undefined && s.channels.inputs.concat(s.channels.outputs).some((c) => c.length > 0));
  if (inFlight && checkpoint.tasks.some((s) => s.task === task.id && s.parallelism !== task.parallelism)) {
    return left(
      `checkpoint ${checkpoint.id} is unaligned and holds records in flight; it can only be restored with the same parallelism ` +
        `(task '${task.name}' had ${checkpoint.tasks.find((s) => s.task === task.id)!.parallelism}, now ${task.parallelism})`,
    );
  }
  return right({ checkpointId: checkpoint.id, nodes, channels: own?.channels });
}
