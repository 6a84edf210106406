/**
 * Starts a planned job in the application's thread: its checkpoint store and restore source,
 * the task managers, the job master (runJob) and the handle the application awaits.
 *
 * A module of its own, which StreamEnvironment loads only when a job starts: a task manager's
 * thread builds the job's graph but never starts a job, and what starting one takes — the job
 * master, the checkpoint coordinator and storage, the task managers' side of the cluster — was
 * two thirds of the modules a task manager compiled at boot (186 of 268 behind
 * StreamEnvironment; docs/internals.md, "Task managers on worker threads").
 */
import { isLeft } from 'fp-ts/Either';
import { Ref } from 'nact';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { JobRun, RunJobOptions, runJob } from '../runtime/runJob';
import { Checkpointing } from '../runtime/jobMasterDeps';
import { MemoryKeyedStateBackend } from '../state/MemoryKeyedStateBackend';
import { redisKeyedStateBackendFactory } from '../state/RedisKeyedStateBackend';
import { incrementalSnapshotsFor } from '../checkpoint/incrementalCheckpoints';
import { CheckpointConfig } from '../checkpoint/CheckpointConfig';
import { DEFAULT_RESTART_WITH_CHECKPOINTING, RestartStrategy } from '../checkpoint/RestartStrategy';
import { checkpointStoreFor } from '../checkpoint/checkpointStorage';
import { RedisCheckpointStore } from '../checkpoint/RedisCheckpointStore';
import { readRestoreSource } from '../checkpoint/Savepoint';
import { materializeIncremental } from '../checkpoint/materializeIncremental';
import { observed } from '../runtime/observed';
import { createLogger } from '../logging/logger';
import { TaskManagers } from '../cluster/TaskManagers';
import { ConfigError, EnvironmentConfig, StreamEnvironmentOptions } from './EnvironmentConfig';
import { JobHandle } from './JobHandle';
import type { JobDefinition } from './defineJob';
import { announceJob } from './launchContext';
import { taskManagerCount, workerOptions } from './taskManagerOptions';
import type { InstanceJobRun } from '../cluster/runInstanceJob';

/** Where the job's actors run. */
export interface ExecuteOptions {
  /** An actor system or actor of the application to run the job under (default: an actor system of the job's own). */
  readonly parent?: Ref<any>;
  /** The job master's actor name under the parent (default `job-<n>-<job name>`); unique under that parent. */
  readonly actorName?: string;
}

/** What StreamEnvironment hands over to start a job it planned. */
export interface JobStart {
  readonly plan: ExecutionPlan;
  readonly jobName: string;
  readonly options: ExecuteOptions;
  readonly config: EnvironmentConfig;
  /** The options as given: what task managers decode again. */
  readonly environmentOptions: StreamEnvironmentOptions;
  readonly checkpointConfig: CheckpointConfig | undefined;
  readonly restartStrategy: RestartStrategy | undefined;
  /** A job defined with defineJob, which task managers can build; undefined for a graph built inline. */
  readonly job: { readonly definition: JobDefinition<unknown, unknown>; readonly params: unknown } | undefined;
}

let runCounter = 0;

export function startJob({ plan, jobName, options, config, environmentOptions, checkpointConfig, restartStrategy: strategy, job }: JobStart): JobHandle {
  if (config.cluster !== undefined) {
    // Loaded only for a job over instances: it needs the Kafka connector's classes.
    const { clusterJobProblems } = require('./clusterJobProblems') as typeof import('./clusterJobProblems');
    const problems = clusterJobProblems(plan, checkpointConfig);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  const taskManagers = job === undefined ? 1 : taskManagerCount(config.taskManagers, plan);
  const jobId = config.jobId ?? `job-${process.pid}-${Date.now().toString(36)}-${++runCounter}`;
  let checkpointing: Checkpointing | undefined;
  let incremental: ReturnType<typeof incrementalSnapshotsFor>['incremental'];
  let redisStore: RedisCheckpointStore | undefined;
  if (checkpointConfig !== undefined) {
    const store = checkpointStoreFor(config.checkpointStorage, jobId, checkpointConfig.retainedCheckpoints);
    if (isLeft(store)) throw new ConfigError([store.left]);
    if (store.right instanceof RedisCheckpointStore) redisStore = store.right;
    const chosen = config.stateBackend === 'memory' ? { incremental: undefined, store: store.right } : incrementalSnapshotsFor(config.stateBackend, jobId, store.right);
    incremental = chosen.incremental;
    checkpointing = { config: checkpointConfig, store: chosen.store };
  }
  let restoreFrom;
  if (config.restoreFrom !== undefined) {
    const read = readRestoreSource(config.restoreFrom);
    if (isLeft(read)) throw new ConfigError([read.left]);
    restoreFrom = read.right;
  }
  const stateBackend = config.stateBackend;
  const restartStrategy = strategy ?? (checkpointing !== undefined ? DEFAULT_RESTART_WITH_CHECKPOINTING : { type: 'none' as const });
  let run: JobRun;
  const logger = createLogger(config.logging).child({ job: jobName, jobId });
  const instances = config.cluster;
  const threads =
    job === undefined || taskManagers === 1
      ? undefined
      : {
          count: taskManagers,
          jobName,
          environment: workerOptions(environmentOptions),
          resourceLimits: config.taskManagerHeapMb === undefined ? undefined : { maxOldGenerationSizeMb: config.taskManagerHeapMb },
        };
  // Over instances, each instance boots its own task managers (InstanceThreads); here, this process does.
  const cluster =
    job === undefined || threads === undefined || instances !== undefined
      ? undefined
      : new TaskManagers(job.definition, job.params, plan, {
          ...threads,
          hangTimeoutMs: config.taskManagerHangTimeoutMs,
          keyedState: stateBackend === 'memory' ? { type: 'memory' } : { ...stateBackend, incremental: incremental ?? null },
        });
  const runOptions: RunJobOptions = {
    jobId,
    createKeyedStateBackend:
      stateBackend === 'memory'
        ? (range, maxParallelism) => new MemoryKeyedStateBackend(range, maxParallelism)
        : redisKeyedStateBackendFactory(stateBackend, jobId, incremental),
    checkpointing,
    restartStrategy,
    logger,
    parent: options.parent,
    actorName: options.actorName,
    restoreFrom,
    allowNonRestoredState: config.allowNonRestoredState,
    materialize: incremental === undefined || stateBackend === 'memory' ? undefined : (c) => materializeIncremental(stateBackend.url, c),
    metrics: config.metrics !== undefined,
  };
  try {
    run =
      instances === undefined
        ? runJob(plan, { ...runOptions, taskManagers: cluster })
        : // Loaded only for a job over instances: the membership, the link and the Kafka exchange.
          (require('../cluster/runInstanceJob') as typeof import('../cluster/runInstanceJob')).runInstanceJob({
            plan,
            config,
            cluster: instances,
            keyedState: stateBackend === 'memory' ? { type: 'memory' } : { ...stateBackend, incremental: incremental ?? null },
            logger,
            logging: config.logging,
            threads: job === undefined || threads === undefined ? undefined : { job: job.definition, params: job.params, boot: threads },
            finishedBefore: redisStore === undefined ? undefined : () => redisStore!.finished(),
            // A master per leadership term: each has an actor system of its own, under no parent of the application's.
            runMaster: (deployment) => {
              // Its checkpoints complete only under the epoch it deploys under (a leader that lost office completes none).
              redisStore?.fence(() => deployment.fencing());
              return runJob(plan, { ...runOptions, parent: undefined, actorName: undefined, taskManagers: deployment });
            },
          });
  } catch (e) {
    // nact refuses a second child of the same name under one parent.
    if (e instanceof Error && /already exists/.test(e.message)) throw new ConfigError([`an actor named '${options.actorName}' already runs under the given parent; give the job another actorName`]);
    throw e;
  }
  const handle = new JobHandle(jobName, run, jobId, plan, config.metrics?.intervalMs, checkpointing !== undefined);
  if (cluster !== undefined) handle.taskManagers = cluster;
  if ('ownership' in run) handle.instance = run as InstanceJobRun;
  const rest = config.rest;
  // The API does not depend on web/: the HTTP server, the dashboard and prom-client's
  // registry load only for a job that is served.
  if (rest !== undefined) handle.rest = observed(import('../web/RestServer').then(({ serveJob }) => serveJob(handle, rest, logger)));
  announceJob(handle);
  return handle;
}
