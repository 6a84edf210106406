/**
 * The job lifecycle as an xstate machine: the one place that says what a job does in each
 * state. Terminal states are reached only once every task has closed, so a settled job holds
 * no handles.
 *
 *   created -> running -> finishing -> finished
 *                 |  ^         |
 *                 v  |         v
 *             restarting    (a failure the failover policy answers with a job restart: tasks
 *                 |          rebuilt from the last completed checkpoint after its delay)
 *   any live state -> failing -> failed        (a failure it answers with failing the job)
 *   any live state -> cancelling -> cancelled  (cancel())
 *
 * A `failure` is decided by the pure failover policy (failoverPolicy.ts) on the machine's
 * context (the failures acted on so far, the restart strategy); the machine then raises the
 * decision (`job.restart`, `task.failed`) or restarts the task alone. Effects on tasks and the
 * coordinator are named actions, no-ops here: the job master provides them (`provide`), and a
 * spec reads them as values (xstate's `transition`).
 */
import { absurd } from 'fp-ts/function';
import { assign, enqueueActions, setup } from 'xstate';
import { RestartStrategy } from '../checkpoint/RestartStrategy';
import { TaskId } from '../checkpoint/TaskId';
import { JobStatus } from '../metrics/JobStatus';
import { FailureAction } from './jobFailures';
import { Failure, FailoverHistory, NO_FAILURES, afterFailover, decideFailover } from './failoverPolicy';

export type JobLifecycleEvent =
  | { readonly type: 'job.started' }
  /** Every task ended its input; the final checkpoint and commits follow. */
  | { readonly type: 'tasks.drained' }
  /** A failure that reached the master, for the failover policy to decide on. */
  | { readonly type: 'failure'; readonly failure: Failure }
  /** Restart the job (the failover policy allowed it). */
  | { readonly type: 'job.restart' }
  | { readonly type: 'job.restarted' }
  /** A task was restarted alone, as the failover policy decided. */
  | { readonly type: 'task.restarted' }
  /** Fail the job: `error` is why (kept for the outcome, the first one wins). */
  | { readonly type: 'task.failed'; readonly error?: Error }
  | { readonly type: 'job.cancel' }
  | { readonly type: 'tasks.closed' };

export interface JobLifecycleContext {
  readonly restartStrategy: RestartStrategy;
  readonly history: FailoverHistory;
  /** The delay of the last restart decided: the next attempt is deployed that long after the tasks closed. */
  readonly restartDelayMs: number;
  /** Tasks restarted alone over the job's life. */
  readonly taskRestarts: number;
  /** The failure that failed the job. */
  readonly error: Error | undefined;
}

export interface JobLifecycleInput {
  readonly restartStrategy: RestartStrategy;
}

/** A failure as the job's history records it and the log says it (the master provides `report`). */
export interface FailureReport {
  readonly failure: Failure;
  readonly action: FailureAction;
  readonly why: string;
}

/** `whateverTheStateOnly`: while restarting, only failures no restart mends act (they fail the job); others are reported. */
interface FailureParams {
  readonly taskMayRestartAlone: boolean;
  readonly whateverTheStateOnly: boolean;
}

/** The effects the job master provides, with their parameters. */
type JobEffect =
  | { readonly type: 'report'; readonly params: FailureReport }
  | { readonly type: 'restartTaskAlone'; readonly params: { readonly task: TaskId } }
  | { readonly type: 'pauseCheckpoints'; readonly params?: undefined }
  | { readonly type: 'stopTasks'; readonly params?: undefined }
  | { readonly type: 'clearRestartTimer'; readonly params?: undefined }
  | { readonly type: 'deployAfterDelay'; readonly params?: undefined };

/** Decides on a failure with the failover policy, records it, and acts: restarts the task alone, or raises the job's restart or failure. */
const decideOnFailure = enqueueActions<JobLifecycleContext, JobLifecycleEvent, FailureParams, JobLifecycleEvent, never, JobEffect, never, never, never>(
  ({ context, event, enqueue }, params) => {
    if (event.type !== 'failure') return;
    const { failure } = event;
    const decision = decideFailover(failure, context.history, context.restartStrategy, params.taskMayRestartAlone);
    if (params.whateverTheStateOnly && !(decision._tag === 'failJob' && decision.whateverTheState && failure.task !== undefined)) {
      enqueue({ type: 'report', params: { failure, action: 'none', why: 'the job is restarting' } });
      return;
    }
    enqueue.assign({ history: afterFailover(context.history, failure, decision), ...(decision._tag === 'restartJob' ? { restartDelayMs: decision.delayMs } : {}) });
    switch (decision._tag) {
      case 'restartTask':
        enqueue({ type: 'report', params: { failure, action: 'restartTask', why: decision.why } });
        if (failure.task !== undefined) enqueue({ type: 'restartTaskAlone', params: { task: failure.task } });
        return;
      case 'restartJob':
        enqueue({ type: 'report', params: { failure, action: 'restartJob', why: decision.why } });
        enqueue.raise({ type: 'job.restart' });
        return;
      case 'failJob':
        enqueue({ type: 'report', params: { failure, action: 'failJob', why: decision.why } });
        enqueue.raise({ type: 'task.failed', error: failure.error });
        return;
      default:
        return absurd(decision);
    }
  },
);

/** A failure that comes when the job is past deciding: reported, nothing more. */
const reportOnly = (status: JobStatus) =>
  enqueueActions<JobLifecycleContext, JobLifecycleEvent, undefined, JobLifecycleEvent, never, JobEffect, never, never, never>(({ event, enqueue }) => {
    if (event.type === 'failure') enqueue({ type: 'report', params: { failure: event.failure, action: 'none', why: `the job is ${status}` } });
  });

/** Why the job is failing: the first failure that failed it. */
const keepError = assign<JobLifecycleContext, JobLifecycleEvent, undefined, JobLifecycleEvent, never>({
  error: ({ context, event }) => context.error ?? (event.type === 'task.failed' ? event.error : undefined),
});

export const jobLifecycle = setup({
  types: {
    context: {} as JobLifecycleContext,
    events: {} as JobLifecycleEvent,
    // Optional (void): without input the strategy is none, as a spec of the states alone needs.
    input: {} as JobLifecycleInput | void,
  },
  actions: {
    /** Keep the failure in the job's history and log what the job does about it. */
    report: (_, _params: FailureReport) => {},
    /** Let the failed task close, then deploy its successor alone (the master, on `task.closed`). */
    restartTaskAlone: (_, _params: { readonly task: TaskId }) => {},
    /** Abort the pending checkpoints and trigger none until the tasks are deployed again. */
    pauseCheckpoints: () => {},
    stopTasks: () => {},
    clearRestartTimer: () => {},
    /** Deploy the next attempt once `restartDelayMs` has passed. */
    deployAfterDelay: () => {},
    decideOnFailure,
    keepError,
    countTaskRestart: assign({ taskRestarts: ({ context }) => context.taskRestarts + 1 }),
  },
}).createMachine({
  id: 'job',
  context: ({ input }) => ({ restartStrategy: input ? input.restartStrategy : { type: 'none' }, history: NO_FAILURES, restartDelayMs: 0, taskRestarts: 0, error: undefined }),
  initial: 'created',
  states: {
    created: {
      tags: ['deploys', 'live'],
      on: {
        'job.started': 'running',
        failure: { actions: { type: 'decideOnFailure', params: { taskMayRestartAlone: false, whateverTheStateOnly: false } } },
        'task.failed': { target: 'failing', actions: 'keepError' },
        'job.cancel': 'cancelling',
      },
    },
    running: {
      tags: ['live', 'takesSavepoints', 'restartsTasksAlone'],
      on: {
        'tasks.drained': 'finishing',
        failure: { actions: { type: 'decideOnFailure', params: { taskMayRestartAlone: true, whateverTheStateOnly: false } } },
        'task.restarted': { actions: 'countTaskRestart' },
        'job.restart': 'restarting',
        'task.failed': { target: 'failing', actions: 'keepError' },
        'job.cancel': 'cancelling',
        // Tasks close only when stopped: all of them closing while the job runs leaves it nothing to run.
        'tasks.closed': 'failed',
      },
    },
    finishing: {
      tags: ['live'],
      on: {
        'tasks.closed': 'finished',
        failure: { actions: { type: 'decideOnFailure', params: { taskMayRestartAlone: false, whateverTheStateOnly: false } } },
        'job.restart': 'restarting',
        'task.failed': { target: 'failing', actions: 'keepError' },
        'job.cancel': 'cancelling',
      },
    },
    restarting: {
      tags: ['deploys', 'live'],
      entry: ['pauseCheckpoints', 'stopTasks'],
      on: {
        'tasks.closed': { actions: 'deployAfterDelay' },
        'job.restarted': 'running',
        failure: { actions: { type: 'decideOnFailure', params: { taskMayRestartAlone: false, whateverTheStateOnly: true } } },
        'task.failed': { target: 'failing', actions: 'keepError' },
        'job.cancel': 'cancelling',
      },
    },
    failing: {
      entry: ['pauseCheckpoints', 'stopTasks'],
      on: {
        'tasks.closed': 'failed',
        failure: { actions: reportOnly('failing') },
        'task.failed': { actions: 'keepError' },
      },
    },
    cancelling: {
      entry: ['clearRestartTimer', 'pauseCheckpoints', 'stopTasks'],
      on: {
        'tasks.closed': 'cancelled',
        failure: { actions: reportOnly('cancelling') },
      },
    },
    finished: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
