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
  return right({ checkpointId: checkpoint.id, nodes });
}
