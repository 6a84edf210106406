/**
 * Which part of a completed checkpoint each new task restores. Keyed state is handed over
 * whole (the backend keeps only the key groups it owns: docs/internals.md, invariant 5) and
 * operator state of all former instances (the store hands out each instance's share,
 * OperatorStateStore.ts); source positions of every former instance (a source that is not
 * `rescalable` reads only its own index's, and is restored only at the parallelism it had).
 * State is found by uid; state of a uid the job no longer has is refused unless the user
 * allows dropping it.
 */
import { Either, left, right } from 'fp-ts/Either';
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { CompletedCheckpoint, NodeSnapshot, TaskRestore } from '../checkpoint/CheckpointTypes';

/** Whether a restore would carry anything of this snapshot: a source position, an operator list entry, a keyed entry. */
function holdsState(snapshot: NodeSnapshot): boolean {
  if (snapshot.source !== undefined) return true;
  if (Object.values(snapshot.operator?.lists ?? {}).some((entries) => entries.length > 0)) return true;
  const keyed = snapshot.keyed;
  if (keyed === undefined) return false;
  return Object.values(keyed.keyGroups).some((states) => Object.values(states).some((entries) => entries.length > 0)) || Object.values(keyed.redis?.chains ?? {}).some((chain) => chain.length > 0) || (keyed.increments ?? []).some((d) => Object.keys(d.keyGroups).length > 0);
}

/** Every uid of the plan's nodes: sources and chained operators. */
function uidsOf(plan: ExecutionPlan): Set<string> {
  return new Set(plan.tasks.flatMap((t) => [...(t.source ? [t.source.node.uid] : []), ...t.chain.map((n) => n.uid)]));
}

/**
 * The uids whose state in the checkpoint no operator of the plan would restore (Flink's
 * non-restored state). Left: the refusal, naming them, unless `allowNonRestoredState`;
 * right: the uids whose state is dropped (none when every piece of state finds its operator).
 */
export function nonRestoredState(plan: ExecutionPlan, checkpoint: CompletedCheckpoint, allowNonRestoredState: boolean): Either<string, readonly string[]> {
  const planUids = uidsOf(plan);
  const stateful = new Set<string>();
  for (const task of checkpoint.tasks) for (const [uid, snapshot] of Object.entries(task.nodes)) if (holdsState(snapshot)) stateful.add(uid);
  const unmatched = [...stateful].filter((uid) => !planUids.has(uid)).sort();
  if (unmatched.length === 0 || allowNonRestoredState) return right(unmatched);
  const quoted = (uids: readonly string[]) => uids.map((u) => `'${u}'`).join(', ');
  return left(
    `checkpoint ${checkpoint.id} holds state of operators this job does not have: uid ${quoted(unmatched)}. ` +
      'Give the operators back their former uids with .uid(...), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state',
  );
}

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
