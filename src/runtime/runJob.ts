/**
 * Starts a planned job: an actor system of its own, the job master under it, and the
 * outcome as a promise. The system is stopped once the job has settled.
 */
import { Ref, dispatch, start, stop } from 'nact';
import { ask as askActor } from './ask';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { JobMetricsReport } from '../metrics/JobMetrics';
import { HOT_KEY_SAMPLE_MS, HotKeys } from '../metrics/TaskMetrics';
import { JobCounters } from '../metrics/TaskCounters';
import { CheckpointId, CompletedCheckpoint } from '../checkpoint/CheckpointTypes';
import { SavepointInfo } from '../checkpoint/Savepoint';
import { RestartStrategy } from '../checkpoint/RestartStrategy';
import { CheckpointStats, JobCheckpoints, NO_CHECKPOINTS } from '../checkpoint/coordinatorProtocol';
import { KeyedStateBackendFactory } from './TaskDeps';
import { Checkpointing, JobOutcome } from './jobMasterDeps';
import { spawnJobMaster } from './jobMasterActor';
import { JobStatus } from '../metrics/JobStatus';
import { MasterMsg } from './protocol';
import { ApplicationJobMsg, spawnApplicationJobActor } from './applicationJobActor';
import { Logger } from '../logging/logger';
import { FailureHistory, JobFailure } from './jobFailures';
import { TaskManagerDeployment } from './TaskManagerDeployment';

export interface JobRun {
  readonly outcome: Promise<JobOutcome>;
  status(): JobStatus;
  cancel(): void;
  counters(): Promise<JobCounters>;
  triggerCheckpoint(): Promise<CheckpointId>;
  checkpointStats(): Promise<CheckpointStats>;
  /** The figures and history the coordinator last reported (the last ones once the job has ended). */
  checkpointHistory(): Promise<JobCheckpoints>;
  savepoint(dir: string): Promise<SavepointInfo>;
  /** Resolves once the savepoint is written and the job has ended. */
  stopWithSavepoint(dir: string, drain: boolean): Promise<SavepointInfo>;
  /** Every task's cumulative figures (the last ones once the job has ended). */
  metrics(): Promise<JobMetricsReport>;
  /** The hottest keys queued at one task. */
  hotKeys(task: TaskId, limit: number): Promise<HotKeys>;
  crashTask(vertexName: string, index: number, reason: string): void;
  /** The job's failures so far, oldest first (the most recent FAILURE_HISTORY_LIMIT); kept after the job ended. */
  failures(): readonly JobFailure[];
  /** The job's actor in the application's system, when it was started under one. */
  readonly actor: Ref<ApplicationJobMsg> | undefined;
}

export interface RunJobOptions {
  readonly jobId: string;
  readonly createKeyedStateBackend: KeyedStateBackendFactory;
  readonly checkpointing: Checkpointing | undefined;
  readonly restartStrategy: RestartStrategy;
  /** The job's logger (its lines carry the job's name and id). */
  readonly logger: Logger;
  /** An actor system or actor of the application: the job gets a named actor there (see applicationJobActor). */
  readonly parent?: Ref<unknown>;
  /** That actor's name; default `job-<n>-<job name>`. */
  readonly actorName?: string;
  /** A savepoint or retained checkpoint to start from when the job has none of its own. */
  readonly restoreFrom?: CompletedCheckpoint;
  /** Restore even when some state has no operator in the job (it is dropped); default false. */
  readonly allowNonRestoredState?: boolean;
  /** Makes a checkpoint's keyed state whole for a savepoint (see CoordinatorDeps.materialize). */
  readonly materialize?: (checkpoint: CompletedCheckpoint) => Promise<CompletedCheckpoint>;
  /** Tasks account their time for the job's metrics. */
  readonly metrics?: boolean;
  /** taskManagers above 1: where the tasks run (shut down once the job has settled). */
  readonly taskManagers?: TaskManagerDeployment;
}

const QUERY_TIMEOUT_MS = 10_000;
let jobCounter = 0;

/**
 * The task of instance `index` of the first operator chain whose name contains `vertexName`
 * (fault injection names tasks as a reader sees them). Refused loudly when none matches: a
 * crash that silently hits nothing would let a fault-injection test pass without its fault.
 */
export function taskNamed(plan: ExecutionPlan, vertexName: string, index: number): TaskId {
  const task = plan.tasks.find((t) => t.name.includes(vertexName) && t.index === index);
  if (task === undefined) {
    const names = [...new Set(plan.tasks.map((t) => `'${t.name}'`))].join(', ');
    throw new Error(`no task of job '${plan.jobName}' has instance ${index} and a name containing '${vertexName}' (its tasks: ${names})`);
  }
  return task.id;
}

export function runJob(plan: ExecutionPlan, options: RunJobOptions): JobRun {
  let status: JobStatus = 'created';
  let settled: JobOutcome | undefined;
  const failures = new FailureHistory();
  let resolve!: (o: JobOutcome) => void;
  const outcome = new Promise<JobOutcome>((r) => (resolve = r));
  const name = `job-${++jobCounter}-${plan.jobName.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase()}`;
  let cancel = () => {};
  // First, so that a name already taken under the parent refuses the job before anything starts.
  let actor: Ref<ApplicationJobMsg> | undefined;
  if (options.parent !== undefined) {
    actor = spawnApplicationJobActor(options.parent, options.actorName ?? name, { status: () => status, cancel: () => cancel() }, outcome);
  }
  const system = start();
  const master = spawnJobMaster(system, name, {
    plan,
    jobId: options.jobId,
    createKeyedStateBackend: options.createKeyedStateBackend,
    checkpointing: options.checkpointing,
    restartStrategy: options.restartStrategy,
    logger: options.logger,
    restoreFrom: options.restoreFrom,
    allowNonRestoredState: options.allowNonRestoredState ?? false,
    materialize: options.materialize,
    metrics: options.metrics,
    taskManagers: options.taskManagers,
    onStatus: (s) => (status = s),
    onFailure: (f) => failures.add(f),
    onSettled: (o) => {
      if (settled !== undefined) return;
      settled = o;
      // Let the master's own stop run before the system goes.
      setImmediate(() => stop(system));
      if (options.taskManagers === undefined) return resolve(o);
      // The threads end before the outcome is told: an application that awaits the job and exits finds none left.
      void options.taskManagers.shutdown(o).then(() => resolve(o));
    },
  });
  const ask = <R>(make: (replyTo: Ref<R>) => MasterMsg, timeoutMs = QUERY_TIMEOUT_MS): Promise<R> => askActor<R, MasterMsg>(system, master, make, timeoutMs);
  // A savepoint may wait for a checkpoint slot (at most the checkpoint timeout), then takes at most as long.
  const savepointTimeoutMs = 2 * (options.checkpointing?.config.timeoutMs ?? QUERY_TIMEOUT_MS) + QUERY_TIMEOUT_MS;
  const askSavepoint = async (make: (replyTo: Ref<SavepointInfo | Error>) => MasterMsg): Promise<SavepointInfo> => {
    if (settled !== undefined) throw new Error('savepoint not taken: the job has ended');
    const ended = outcome.then(() => new Error('savepoint not taken: the job ended first'));
    const answer = await Promise.race([ask<SavepointInfo | Error>(make, savepointTimeoutMs), ended]);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  cancel = () => {
    if (settled === undefined) dispatch(master, { type: 'job.cancel' });
  };
  return {
    outcome,
    actor,
    status: () => status,
    cancel,
    counters: () =>
      settled !== undefined ? Promise.resolve(settled.counters) : ask<JobCounters>((replyTo) => ({ type: 'job.counters', replyTo })),
    triggerCheckpoint: async () => {
      if (settled !== undefined) throw new Error('the job has ended');
      const answer = await ask<CheckpointId | Error>(
        (replyTo) => ({ type: 'job.triggerCheckpoint', replyTo }),
        options.checkpointing?.config.timeoutMs ?? QUERY_TIMEOUT_MS,
      );
      if (answer instanceof Error) throw answer;
      return answer;
    },
    checkpointStats: () =>
      settled !== undefined
        ? Promise.resolve(settled.checkpoints ?? NO_CHECKPOINTS)
        : ask<CheckpointStats>((replyTo) => ({ type: 'job.checkpointStats', replyTo })),
    checkpointHistory: () =>
      settled !== undefined
        ? Promise.resolve({ stats: settled.checkpoints ?? NO_CHECKPOINTS, history: settled.metrics.checkpointHistory })
        : ask<JobCheckpoints>((replyTo) => ({ type: 'job.checkpointHistory', replyTo })),
    savepoint: (dir) => askSavepoint((replyTo) => ({ type: 'job.savepoint', dir, replyTo })),
    stopWithSavepoint: async (dir, drain) => {
      const info = await askSavepoint((replyTo) => ({ type: 'job.stopWithSavepoint', dir, drain, replyTo }));
      await outcome;
      return info;
    },
    metrics: () => (settled !== undefined ? Promise.resolve(settled.metrics) : ask<JobMetricsReport>((replyTo) => ({ type: 'job.metrics', replyTo }))),
    hotKeys: (task, limit) =>
      settled !== undefined ? Promise.resolve({ task, sampled: 0, keys: [] }) : ask<HotKeys>((replyTo) => ({ type: 'job.hotKeys', task, limit, replyTo }), HOT_KEY_SAMPLE_MS + QUERY_TIMEOUT_MS).catch(() => ({ task, sampled: 0, keys: [] })),
    crashTask: (vertexName, index, reason) => dispatch(master, { type: 'job.crashTask', task: taskNamed(plan, vertexName, index), reason }),
    failures: () => failures.list(),
  };
}
