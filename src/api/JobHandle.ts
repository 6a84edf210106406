/**
 * What `execute` returns: a running job. Await it (or its `result`) for the outcome; a failed
 * job rejects with the error that failed it, whenever it is awaited: a handle awaited late, or
 * never, does not end the application's process with an unhandled rejection (the failure is
 * logged, and kept in `failures()`).
 *
 * @example
 * const job = env.execute('counts');
 * setTimeout(() => job.cancel(), 1000);
 * const { status } = await job; // 'cancelled'
 */
import { JobCounters } from '../metrics/TaskCounters';
import { JobStatus } from '../metrics/JobStatus';
import { Ref } from 'nact';
import { JobRun } from '../runtime/runJob';
import { ApplicationJobMsg } from '../runtime/applicationJobActor';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { CheckpointStats, JobCheckpoints } from '../checkpoint/coordinatorProtocol';
import { JobFailure } from '../runtime/jobFailures';
import { observed } from '../runtime/observed';
import { SavepointInfo } from '../checkpoint/Savepoint';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { JobMetricsSnapshot } from '../metrics/JobMetrics';
import { JobMetricsSampler } from '../metrics/JobMetricsSampler';
import { StallDiagnosis, diagnoseStall } from '../metrics/stallDiagnosis';
import { HotKeys } from '../metrics/TaskMetrics';
import type { RestAddress } from '../web/RestAddress';
import { TaskManagerUsage } from '../cluster/taskManagerUsage';
import type { Ownership } from '../instances/Assignment';

/** The stall diagnosis with the root task's hottest queued keys (empty when there is no root or it is not keyed). */
export type StallReport = StallDiagnosis & { readonly at: number; readonly hotKeys: HotKeys['keys']; readonly sampledRecords: number };

/** How many hot keys the stall diagnosis names. */
const HOT_KEYS = 10;

/** How a job ended, and its figures. */
export interface JobResult {
  readonly jobName: string;
  readonly status: 'finished' | 'cancelled';
  readonly counters: JobCounters;
  readonly durationMs: number;
  /** How many times the job was restarted after a failure. */
  readonly restarts: number;
  /** How many times a task was restarted alone, under the restartTask supervision directive. */
  readonly taskRestarts: number;
  /** Checkpoint figures at the end; undefined without checkpointing. */
  readonly checkpoints: CheckpointStats | undefined;
  /** On task managers (taskManagers above 1): what each one's thread used, by index (docs/task-managers.md). */
  readonly taskManagers?: readonly TaskManagerUsage[];
}

/** A running job: await it for its result; watch, checkpoint or cancel it meanwhile. */
export class JobHandle implements PromiseLike<JobResult> {
  readonly result: Promise<JobResult>;
  /** When the job was started (ms since the epoch). */
  readonly startTime = Date.now();
  /** @internal Samples the metrics: periodically with metrics on, on demand otherwise. */
  readonly sampler: JobMetricsSampler;
  /** @internal Set by the environment when the `rest` option is: where the server listens, once it does. */
  rest: Promise<RestAddress> | undefined;
  /** @internal Set by the environment when the job runs on task managers (taskManagers above 1): fault injection for specs. */
  taskManagers: { terminate(index: number): Promise<void>; usage(): Promise<readonly TaskManagerUsage[]> } | undefined;
  /**
   * Set when the job runs over instances (the `cluster` option): what this instance owns now —
   * its slots, and the source splits and key groups they mean (docs/cluster.md).
   */
  instance: { ownership(): Ownership } | undefined;

  /** @internal */
  constructor(
    readonly jobName: string,
    private readonly run: JobRun,
    /** The id the job's checkpoints, logs and REST paths name it by. */
    readonly jobId: string,
    /** @internal */
    readonly plan: ExecutionPlan,
    metricsIntervalMs: number | undefined,
    /** @internal Whether the job takes checkpoints (the REST API tells it before the first one completes). */
    readonly checkpointing = false,
  ) {
    const started = this.startTime;
    this.sampler = new JobMetricsSampler(plan, () => run.metrics(), metricsIntervalMs);
    void run.outcome.then(() => this.sampler.close());
    this.result = observed(
      run.outcome.then(async (o) => {
        if (o.status === 'failed') throw o.error ?? new Error(`job '${jobName}' failed`);
        const durationMs = Date.now() - started;
        // The task managers have stopped by now (runJob settles after their shutdown), each having said what it used.
        const taskManagers = await this.taskManagers?.usage();
        return { jobName, status: o.status, counters: o.counters, durationMs, restarts: o.restarts, taskRestarts: o.taskRestarts, checkpoints: o.checkpoints, ...(taskManagers === undefined ? {} : { taskManagers }) };
      }),
    );
  }

  /**
   * The job's actor in the application's actor system (see `executeIn`): stopping it cancels
   * the job; it also takes `{ type: 'job.cancel' }` and `{ type: 'job.status', replyTo }`.
   * Undefined for a job started with `execute` and no parent.
   */
  get actor(): Ref<ApplicationJobMsg> | undefined {
    return this.run.actor;
  }

  /** Where the job is in its lifecycle. */
  get status(): JobStatus {
    return this.run.status();
  }

  /** Stops the job; resolves with its result once every task has closed. */
  cancel(): Promise<JobResult> {
    this.run.cancel();
    return this.result;
  }

  /** The job's counters now: records in and out per operator, summed over instances. */
  counters(): Promise<JobCounters> {
    return this.run.counters();
  }

  /** Triggers a checkpoint now; resolves with its id once it is complete, rejects if it is aborted. */
  triggerCheckpoint(): Promise<CheckpointId> {
    return observed(this.run.triggerCheckpoint());
  }

  /**
   * Takes a savepoint: the job's whole state, written under `dir` (a directory of its own,
   * created when missing), from which any compatible job can start (`restoreFrom`), at another
   * parallelism, on another state backend. Waits for checkpoints in progress to leave a slot (at
   * most the checkpoint timeout); the job goes on, and the savepoint commits nothing. Needs
   * checkpointing enabled. Rejects, saying why, when it cannot be taken. See docs/savepoints.md.
   *
   * @example
   * const { path } = await job.savepoint('/var/sluice/savepoints/orders-1');
   */
  savepoint(dir: string): Promise<SavepointInfo> {
    return observed(this.run.savepoint(dir));
  }

  /**
   * Stops the job at a savepoint under `dir`; resolves once it is written and the job has
   * finished. `drain: true` ends the sources' input first, so event time ends and every window
   * and timer fires before the savepoint (Flink's `stop --drain`); without, the sources stop at
   * the savepoint's barrier and the job finishes where it stands, its windows in the savepoint.
   * Either way the savepoint is committed (two-phase-commit sinks commit up to it).
   *
   * @example
   * const { path } = await job.stopWithSavepoint('/var/sluice/savepoints/orders-2', { drain: false });
   * // later: StreamEnvironment.create({ restoreFrom: path, parallelism: 4 })
   */
  stopWithSavepoint(dir: string, options: { readonly drain?: boolean } = {}): Promise<SavepointInfo> {
    return observed(this.run.stopWithSavepoint(dir, options.drain ?? false));
  }

  /**
   * The job's failures so far, oldest first (the last 100): when, which operator and instance,
   * the record it failed on (summarized), the error, and what the job did about it. A job
   * that keeps restarting on a poison record shows here why.
   *
   * @example
   * const last = job.failures().at(-1);
   * if (last) console.log(`${last.operator}[${last.instance}] failed on ${last.record}: ${last.error.message}`);
   */
  failures(): readonly JobFailure[] {
    return this.run.failures();
  }

  /**
   * The job's metrics now, per task: records in and out with their rates since the previous
   * sample, time busy, back-pressured and idle per second (with the `metrics` option on),
   * queue use, watermarks and their lag, late records dropped, state keys, user metrics; and
   * the job's restarts and checkpoint history. After the job ended: its last figures.
   *
   * @example
   * const m = await job.metrics();
   * for (const t of m.tasks) console.log(t.name, t.subtask, t.recordsOutPerSecond, t.backPressuredTimeMsPerSecond);
   */
  metrics(): Promise<JobMetricsSnapshot> {
    return this.sampler.sample();
  }

  /**
   * When the job is back-pressured: the task at the root of it (busy itself, not
   * back-pressured) and the hottest keys waiting at its input. Needs the `metrics` option.
   */
  async stallDiagnosis(): Promise<StallReport> {
    const snapshot = await this.sampler.latest();
    const diagnosis = diagnoseStall(this.plan, snapshot.tasks);
    const hot = diagnosis.backPressured && diagnosis.root !== undefined ? await this.run.hotKeys(diagnosis.root.task, HOT_KEYS) : undefined;
    return { ...diagnosis, at: snapshot.at, hotKeys: hot?.keys ?? [], sampledRecords: hot?.sampled ?? 0 };
  }

  /** Completed and failed checkpoints and savepoints so far, the last checkpoint's duration, the longest alignment. */
  checkpointStats(): Promise<CheckpointStats> {
    return this.run.checkpointStats();
  }

  /**
   * The checkpoint figures with the history of the last 50 checkpoints and savepoints, oldest
   * first, each with its kind, outcome, duration, size and alignment (a savepoint with its
   * directory): what `GET /jobs/:id/checkpoints` serves. Up to date at each checkpoint's end.
   *
   * ```ts
   * const { history } = await job.checkpointHistory();
   * const savepoints = history.filter((c) => c.kind === 'savepoint' && c.status === 'completed').map((c) => c.location);
   * ```
   */
  checkpointHistory(): Promise<JobCheckpoints> {
    return this.run.checkpointHistory();
  }

  /**
   * @internal Fault injection for tests and demos: crashes instance `index` of the task whose
   * name contains `vertexName`, through the task actor's real supervision path. Throws when no
   * task of the job has that instance and a name containing `vertexName`.
   */
  crashTask(vertexName: string, index: number, reason = 'injected by crashTask'): void {
    this.run.crashTask(vertexName, index, reason);
  }

  then<A = JobResult, B = never>(
    onfulfilled?: ((value: JobResult) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onfulfilled, onrejected);
  }
}
