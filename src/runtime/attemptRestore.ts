/**
 * What a deployment restores: for a new attempt of the job, the checkpoint it starts from and
 * each task's part of it; for a task restarted alone, its part of the latest checkpoint. A
 * restore that cannot be made is a refusal value that fails the job, never a throw.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { CheckpointId, CompletedCheckpoint, TaskRestore } from '../checkpoint/CheckpointTypes';
import { nonRestoredState, restoreFor, retiredStateIn, retiredStateRefusal, unnamedRetiredStateIn, withoutRetiredState } from './restoreAssignment';
import { JobMasterDeps } from './jobMasterDeps';

/** Why a deployment cannot restore: the error that fails the job, and why (its failure report says so). */
export interface RestoreRefusal {
  readonly error: Error;
  readonly why: string;
}

export interface AttemptRestore {
  /** The job's latest checkpoint; without one, `restoreFrom`; without that, none. */
  readonly checkpoint: CompletedCheckpoint | undefined;
  /** Uids whose state the checkpoint holds and no operator of the job takes: dropped (allowNonRestoredState). */
  readonly dropped: readonly string[];
  readonly restores: ReadonlyMap<TaskId, TaskRestore | undefined>;
}

type Deps = Pick<JobMasterDeps, 'plan' | 'jobId' | 'checkpointing' | 'restoreFrom' | 'allowNonRestoredState'>;

const refusal = (message: string, why: string): RestoreRefusal => ({ error: new Error(message), why });
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The job's latest checkpoint, else `restoreFrom`: the job's own checkpoints come first, `restoreFrom` is where a job without any starts. */
async function startingPoint(deps: Deps, refused: (reason: string) => string): Promise<Either<RestoreRefusal, CompletedCheckpoint | undefined>> {
  if (deps.checkpointing === undefined) return right(deps.restoreFrom);
  const latest = await deps.checkpointing.store.latest().catch((e: unknown) => left(messageOf(e)));
  if (isLeft(latest)) return left(refusal(refused(latest.left), 'its checkpoints cannot be read'));
  return right(latest.right ?? deps.restoreFrom);
}

/** What each task of a new attempt restores. */
export async function restoreForAttempt(deps: Deps): Promise<Either<RestoreRefusal, AttemptRestore>> {
  const { plan, jobId, checkpointing } = deps;
  const start = await startingPoint(deps, (reason) => `cannot restore job '${jobId}': ${reason}`);
  if (isLeft(start)) return start;
  let checkpoint = start.right;
  let dropped: readonly string[] = [];
  if (checkpoint !== undefined) {
    const unmatched = nonRestoredState(plan, checkpoint, deps.allowNonRestoredState);
    if (isLeft(unmatched)) return left(refusal(`cannot restore job '${jobId}': ${unmatched.left}`, 'its checkpoint holds state no operator of the job takes'));
    const retired = retiredStateIn(plan, checkpoint);
    if (retired.length > 0 && !deps.allowNonRestoredState) {
      return left(refusal(`cannot restore job '${jobId}': ${retiredStateRefusal(checkpoint, retired)}`, 'its checkpoint holds state of an earlier shape of its operators'));
    }
    // Dropped, not left for the operator to ignore: its next checkpoint would carry it again.
    if (deps.allowNonRestoredState) checkpoint = withoutRetiredState(checkpoint, [...retired, ...unnamedRetiredStateIn(plan, checkpoint)]);
    dropped = [...unmatched.right, ...retired.map((r) => r.node.uid)];
  }
  let progress: ReadonlyMap<string, unknown> = new Map();
  if (checkpointing?.config.mode === 'at-most-once') {
    const saved = await checkpointing.store.sourceProgress().catch((e: unknown) => left(messageOf(e)));
    if (isLeft(saved)) return left(refusal(`cannot restore job '${jobId}': ${saved.left}`, 'its source progress cannot be read'));
    progress = saved.right;
  }
  const restores = new Map<TaskId, TaskRestore | undefined>();
  for (const task of plan.tasks) {
    let restore: TaskRestore | undefined;
    if (checkpoint !== undefined) {
      const r = restoreFor(task, checkpoint, plan.maxParallelism);
      if (isLeft(r)) return left(refusal(r.left, 'its checkpoint cannot be restored'));
      restore = r.right;
    }
    const position = task.source === undefined ? undefined : progress.get(task.id);
    restores.set(task.id, task.source === undefined || !progress.has(task.id) ? restore : withSourcePosition(restore, task.source.node.uid, task.index, task.parallelism, position));
  }
  return right({ checkpoint, dropped, restores });
}

/** What a task restarted alone restores: its part of the latest checkpoint (or `restoreFrom`); nothing without checkpointing. */
export async function restoreForTask(deps: Deps, task: TaskPlan): Promise<Either<RestoreRefusal, TaskRestore | undefined>> {
  if (deps.checkpointing === undefined) return right(undefined);
  const from = await startingPoint(deps, (reason) => `cannot restore task '${task.name}' (${task.index}): ${reason}`);
  if (isLeft(from)) return from;
  if (from.right === undefined) return right(undefined);
  // The attempt refused retired state, or was allowed to drop it (restoreForAttempt): dropped here too.
  const unnamed = deps.allowNonRestoredState ? unnamedRetiredStateIn(deps.plan, from.right) : [];
  const r = restoreFor(task, withoutRetiredState(from.right, [...retiredStateIn(deps.plan, from.right), ...unnamed]), deps.plan.maxParallelism);
  return isLeft(r) ? left(refusal(r.left, 'its checkpoint cannot be restored')) : right(r.right);
}

/**
 * At-most-once: a restarted source resumes where it saved its progress, not where the
 * checkpoint has it, so nothing is read twice (what was read since the checkpoint is lost).
 */
function withSourcePosition(restore: TaskRestore | undefined, uid: string, index: number, parallelism: number, position: unknown): TaskRestore {
  const nodes = { ...(restore?.nodes ?? {}) };
  nodes[uid] = [...(nodes[uid] ?? []).filter((f) => f.index !== index), { index, parallelism, snapshot: { source: position } }];
  return { ...restore, checkpointId: restore?.checkpointId ?? (0 as CheckpointId), nodes };
}
