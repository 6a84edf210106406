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
import { ChainedNode, ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { CompletedCheckpoint, NodeSnapshot, TaskRestore } from '../checkpoint/CheckpointTypes';
import { RedisStateHandle } from '../state/incrementalSnapshots';

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

/** An operator whose state in the checkpoint has an earlier shape (RetiredState.ts): its node and the retired names it holds. */
export interface RetiredStateFound {
  readonly node: ChainedNode;
  readonly names: readonly string[];
}

/** The retired state names that hold entries in a node's keyed snapshot (its full copy, a delta, or the states its Redis chains hold). */
function retiredNamesIn(snapshot: NodeSnapshot, names: readonly string[]): string[] {
  const keyed = snapshot.keyed;
  if (keyed === undefined) return [];
  const copies = [keyed.keyGroups, ...(keyed.increments ?? []).map((d) => d.keyGroups)];
  const inRedis = new Set(keyed.redis?.states ?? []);
  return names.filter((name) => inRedis.has(name) || copies.some((groups) => Object.values(groups).some((states) => (states[name]?.length ?? 0) > 0)));
}

/**
 * The operators of the plan whose state in the checkpoint has the shape of an earlier build:
 * entries under a retired name in a savepoint or a checkpoint of memory state or of Redis full
 * snapshots, or a retired name among the states a Redis incremental checkpoint says its chains
 * hold. A Redis incremental checkpoint taken before it named them (December 2026) is not seen.
 */
export function retiredStateIn(plan: ExecutionPlan, checkpoint: CompletedCheckpoint): readonly RetiredStateFound[] {
  const found = new Map<string, RetiredStateFound>();
  for (const node of plan.tasks.flatMap((t) => t.chain)) {
    const retired = node.retiredState;
    if (retired === undefined || found.has(node.uid)) continue;
    // Own properties only: uids are the user's strings ('constructor' must not find Object's).
    const names = new Set(checkpoint.tasks.flatMap((task) => (Object.hasOwn(task.nodes, node.uid) ? retiredNamesIn(task.nodes[node.uid], retired.names) : [])));
    if (names.size > 0) found.set(node.uid, { node, names: [...names].sort() });
  }
  return [...found.values()];
}

/**
 * The operators of the plan with retired state names whose Redis incremental snapshots in the
 * checkpoint do not say which states they hold (taken before handles named them, December
 * 2026): each with all its retired names. Whether they hold any is not known, so nothing is
 * refused for them; a restore allowed to drop state drops those names all the same
 * (withoutRetiredState), so that no later checkpoint names them and refuses the next restore.
 */
export function unnamedRetiredStateIn(plan: ExecutionPlan, checkpoint: CompletedCheckpoint): readonly RetiredStateFound[] {
  const found = new Map<string, RetiredStateFound>();
  for (const node of plan.tasks.flatMap((t) => t.chain)) {
    const retired = node.retiredState;
    if (retired === undefined || found.has(node.uid)) continue;
    const unnamed = checkpoint.tasks.some((task) => {
      const redis = Object.hasOwn(task.nodes, node.uid) ? task.nodes[node.uid].keyed?.redis : undefined;
      return redis !== undefined && redis.states === undefined && Object.keys(redis.chains).length > 0;
    });
    if (unnamed) found.set(node.uid, { node, names: [...retired.names].sort() });
  }
  return [...found.values()];
}

/** The refusal of a restore into operators whose state has an earlier shape: each one, what it holds and why, and what to do. */
export function retiredStateRefusal(checkpoint: CompletedCheckpoint, found: readonly RetiredStateFound[]): string {
  const each = found.map(({ node, names }) => `operator '${node.name}' (uid '${node.uid}') holds state ${names.map((n) => `'${n}'`).join(', ')} of an earlier shape: ${node.retiredState!.why}`);
  return (
    `checkpoint ${checkpoint.id} cannot be restored: ${each.join('; ')}. ` +
    'Start the job afresh (without restoreFrom and without its former checkpoints), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state (those operators then start empty)'
  );
}

/**
 * The checkpoint without the retired state found in it: what a restore allowed to drop state
 * (allowNonRestoredState) reads. Entries are left out; the Redis chains, whose pieces stay as
 * they are, tell the restore to delete those states from the hashes it rebuilds (`dropOnRestore`).
 */
export function withoutRetiredState(checkpoint: CompletedCheckpoint, found: readonly RetiredStateFound[]): CompletedCheckpoint {
  if (found.length === 0) return checkpoint;
  const retired = new Map<string, Set<string>>();
  for (const f of found) for (const name of f.names) retired.set(f.node.uid, (retired.get(f.node.uid) ?? new Set()).add(name));
  const strip = <E>(groups: Readonly<Record<string, Readonly<Record<string, E>>>>, names: ReadonlySet<string>) =>
    Object.fromEntries(Object.entries(groups).map(([kg, states]) => [kg, Object.fromEntries(Object.entries(states).filter(([name]) => !names.has(name)))]));
  const tasks = checkpoint.tasks.map((task) => ({
    ...task,
    nodes: Object.fromEntries(
      Object.entries(task.nodes).map(([uid, snapshot]) => {
        const names = retired.get(uid);
        const keyed = snapshot.keyed;
        if (names === undefined || keyed === undefined) return [uid, snapshot];
        const increments = keyed.increments?.map((d) => ({ keyGroups: strip(d.keyGroups, names), removed: strip(d.removed, names) }));
        const redis = keyed.redis === undefined ? undefined : withoutRedisStates(keyed.redis, names);
        return [uid, { ...snapshot, keyed: { ...keyed, keyGroups: strip(keyed.keyGroups, names), ...(increments === undefined ? {} : { increments }), ...(redis === undefined ? {} : { redis }) } }];
      }),
    ),
  }));
  return { ...checkpoint, tasks };
}

/** A Redis handle whose restore drops `names`: no longer among its states, and deleted from the rebuilt hashes. */
function withoutRedisStates(handle: RedisStateHandle, names: ReadonlySet<string>): RedisStateHandle {
  const states = handle.states?.filter((name) => !names.has(name));
  const dropOnRestore = [...new Set([...(handle.dropOnRestore ?? []), ...names])].sort();
  return { ...handle, ...(states === undefined ? {} : { states }), dropOnRestore };
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
