/**
 * What the job does about a failure, as a pure function in the style of `decideRestart`: from
 * the failure, the failures handled before it and the strategies (the failing operator's
 * supervision, the job's restart strategy) to one of restart the task alone, restart the job
 * after a delay, or fail the job. Whether the job's state lets it act on the decision at all is
 * the job lifecycle's to say (jobLifecycle.ts), not this function's.
 */
import { absurd } from 'fp-ts/function';
import { SupervisionLimit, SupervisionStrategy } from '../graph/SupervisionStrategy';
import { RestartStrategy, decideRestart } from '../checkpoint/RestartStrategy';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { unrestartableCause } from '../services/ServiceError';
import { UserFunctionFailed } from './UserFunctionFailed';
import { PlacementChanged } from './PlacementChanged';

/** A failure that reached the job master. */
export interface Failure {
  /** When the master learned of it (epoch milliseconds). */
  readonly at: number;
  readonly error: Error;
  /** The failing task; undefined for a failure of the job itself (its final checkpoint, too many failed checkpoints). */
  readonly task: TaskId | undefined;
  /** The supervision strategy of the operator that failed (supervisionOf); undefined: the job's restart strategy decides. */
  readonly supervision: SupervisionStrategy | undefined;
  /**
   * A number in [0, 1), drawn once when the failure arrived, for the jitter of an exponential
   * restart strategy: the decision is then the same however often it is taken.
   */
  readonly draw: number;
}

/** The failures acted on so far. */
export interface FailoverHistory {
  /** When each restart of the job was decided, oldest first. */
  readonly jobRestarts: readonly number[];
  /** When each task was restarted alone, oldest first; only those within its limit's window, and only under a limit. */
  readonly taskRestarts: ReadonlyMap<TaskId, readonly number[]>;
  /** Restarts of the job on a new placement (PlacementChanged), which the restart strategy does not count. */
  readonly replacements: number;
}

export const NO_FAILURES: FailoverHistory = { jobRestarts: [], taskRestarts: new Map(), replacements: 0 };

export type FailoverDecision =
  /** The failing task is rebuilt alone from the last completed checkpoint; the others go on. */
  | { readonly _tag: 'restartTask'; readonly why: string }
  /** Every task is rebuilt from the last completed checkpoint, `delayMs` after the last one closed. */
  | { readonly _tag: 'restartJob'; readonly delayMs: number; readonly why: string }
  /**
   * The job fails. `whateverTheState`: a restart cannot mend the failure or the operator says
   * stop, so it fails the job even while the job is restarting; otherwise the restart strategy
   * refused a restart.
   */
  | { readonly _tag: 'failJob'; readonly why: string; readonly whateverTheState: boolean };

/**
 * Decides on `failure`. `taskMayRestartAlone`: whether the job's state allows a task to be
 * restarted alone (only while it runs); when it does not, a `restartTask` operator's failure
 * goes to the job's restart strategy, as one beyond its limit does.
 */
export function decideFailover(failure: Failure, history: FailoverHistory, strategy: RestartStrategy, taskMayRestartAlone: boolean): FailoverDecision {
  // The job's tasks were placed anew (instances changed): no failure to count, nothing to wait for.
  if (failure.error instanceof PlacementChanged) return { _tag: 'restartJob', delayMs: 0, why: 'the job is placed anew: the restart strategy does not count it' };
  // A missing topic, or a service out of reach for its whole bound: restarting cannot mend it.
  const unmendable = unrestartableCause(failure.error);
  if (unmendable !== undefined) return { _tag: 'failJob', why: `a restart cannot mend it (${unmendable.service}: ${unmendable.target})`, whateverTheState: true };
  const supervision = failure.task === undefined ? undefined : failure.supervision;
  if (supervision?.directive === 'stop') return { _tag: 'failJob', why: "the operator's supervision strategy is stop", whateverTheState: true };
  if (supervision?.directive === 'restartTask' && taskMayRestartAlone && failure.task !== undefined) {
    const restarts = recentRestarts(supervision.limit, history.taskRestarts.get(failure.task) ?? [], failure.at);
    if (supervision.limit === undefined) return { _tag: 'restartTask', why: 'its supervision strategy has no limit' };
    if (restarts.length < supervision.limit.maxRestarts) return { _tag: 'restartTask', why: `restart ${restarts.length + 1} of the task alone within its limit` };
  }
  const decision = decideRestart(strategy, history.jobRestarts, failure.at, () => failure.draw);
  if (!decision.restart) return { _tag: 'failJob', why: decision.reason, whateverTheState: false };
  return { _tag: 'restartJob', delayMs: decision.delayMs, why: `restart ${history.jobRestarts.length + 1}, in ${decision.delayMs} ms` };
}

/** The history once the job acted on `decision` (a failure it only reported changes nothing). */
export function afterFailover(history: FailoverHistory, failure: Failure, decision: FailoverDecision): FailoverHistory {
  switch (decision._tag) {
    case 'restartJob':
      if (failure.error instanceof PlacementChanged) return { ...history, replacements: history.replacements + 1 };
      return { ...history, jobRestarts: [...history.jobRestarts, failure.at] };
    case 'restartTask': {
      const limit = failure.supervision?.limit;
      if (limit === undefined || failure.task === undefined) return history;
      const taskRestarts = new Map(history.taskRestarts);
      taskRestarts.set(failure.task, [...recentRestarts(limit, taskRestarts.get(failure.task) ?? [], failure.at), failure.at]);
      return { ...history, taskRestarts };
    }
    case 'failJob':
      return history;
    default:
      return absurd(decision);
  }
}

/** The restarts within the limit's window before `now`: those older count no more (and are not kept). */
function recentRestarts(limit: SupervisionLimit | undefined, restarts: readonly number[], now: number): readonly number[] {
  return limit === undefined ? [] : restarts.filter((at) => now - at <= limit.withinMs);
}

/**
 * The supervision strategy for a task's failure: that of the operator the failure names. A
 * failure that names none (the task actor itself crashed) takes the strategy of the chain's
 * one operator with a task-level strategy, if there is exactly one; otherwise (undefined) the
 * job's restart strategy decides.
 */
export function supervisionOf(plan: ExecutionPlan, task: TaskId, error: Error): SupervisionStrategy | undefined {
  const chain = plan.tasks.find((t) => t.id === task)?.chain ?? [];
  const uid = error instanceof UserFunctionFailed ? error.operatorUid : undefined;
  if (uid !== undefined) return chain.find((n) => n.uid === uid)?.supervision;
  // Resume needs a failing record to skip: it says nothing about a crash of the task.
  const taskLevel = chain.filter((n) => n.supervision !== undefined && n.supervision.directive !== 'resume');
  return taskLevel.length === 1 ? taskLevel[0].supervision : undefined;
}
