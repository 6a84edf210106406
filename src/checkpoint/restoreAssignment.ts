/**
 * Which part of a completed checkpoint each new task restores. Keyed state is handed over
 * whole (the backend keeps only the key groups it owns: docs/internals.md, invariant 5) and operator state of
 * all former instances (redistributed round-robin by the store); source positions of every
 * former instance (a source that is not `rescalable` reads only its own index's, and is
 * restored only at the parallelism it had).
 */
import { Either, left, right } from 'fp-ts/Either';
import { TaskPlan } from '../graph/ExecutionPlan';
import { CompletedCheckpoint, NodeSnapshot, TaskRestore } from './CheckpointTypes';

export function restoreFor(task: TaskPlan, checkpoint: CompletedCheckpoint, maxParallelism?: number): Either<string, TaskRestore> {
  if (maxParallelism !== undefined && checkpoint.maxParallelism !== undefined && checkpoint.maxParallelism !== maxParallelism) {
    return left(
      `checkpoint ${checkpoint.id} split keyed state into ${checkpoint.maxParallelism} key groups (maxParallelism); ` +
        `it cannot be restored with maxParallelism ${maxParallelism}: keep maxParallelism when rescaling`,
    );
  }
  const uids = [...(task.source ? [task.source.node.uid] : []), ...task.chain.map((n) => n.uid)];
  // A Map, not an object literal: uids are the user's strings, and 'constructor' must not find Object's.
  const byUid = new Map<string, Array<{ index: number; parallelism: number; snapshot: NodeSnapshot }>>(uids.map((uid) => [uid, []]));
  for (const snapshot of checkpoint.tasks) {
    for (const [uid, node] of Object.entries(snapshot.nodes)) {
      byUid.get(uid)?.push({ index: snapshot.index, parallelism: snapshot.parallelism, snapshot: node });
    }
  }
  if (task.source !== undefined) {
    const former = byUid.get(task.source.node.uid)!;
    if (former.length > 0 && former[0].parallelism !== task.parallelism && task.source.source.rescalable !== true) {
      return left(
        `source '${task.source.node.name}' ran with parallelism ${former[0].parallelism} in checkpoint ${checkpoint.id} ` +
          `and cannot be restored with parallelism ${task.parallelism}; keep a source's parallelism when rescaling`,
      );
    }
  }
  // In-flight records go back to the channels they were on: only a former instance of the same
  // operators with the same index can take them. Found by uid, as state is: a task id is a
  // position in the plan (`<vertex>-<index>`) and names another operator once one is added.
  const mine = new Set(uids);
  const formerInstances = checkpoint.tasks.filter((s) => {
    const former = Object.keys(s.nodes);
    return former.length > 0 && former.every((uid) => mine.has(uid));
  });
  const own = formerInstances.find((s) => s.index === task.index && s.parallelism === task.parallelism);
  const inFlight = checkpoint.tasks.some((s) => s.channels !== undefined && s.channels.inputs.concat(s.channels.outputs).some((c) => c.records.length > 0));
  const rescaled = formerInstances.find((s) => s.parallelism !== task.parallelism);
  if (inFlight && rescaled !== undefined) {
    return left(
      `checkpoint ${checkpoint.id} is unaligned and holds records in flight; it can only be restored with the same parallelism ` +
        `(task '${task.name}' had ${rescaled.parallelism}, now ${task.parallelism})`,
    );
  }
  return right({ checkpointId: checkpoint.id, nodes: Object.fromEntries(byUid), channels: own?.channels });
}
