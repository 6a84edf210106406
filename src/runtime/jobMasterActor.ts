/**
 * The job master: supervisor of all tasks of one job. It deploys a task actor per planned task
 * (restored from the last completed checkpoint, if any), wires their channels, follows the job
 * lifecycle, applies the restart strategy when a task fails, and settles the job once every
 * task has closed. Tasks report facts to it; it never reaches into them.
 */
import { Ref, dispatch, spawn, stop } from 'nact';
import { ask } from './ask';
import { isLeft, left } from 'fp-ts/Either';
import { createActor } from 'xstate';
import { ExecutionPlan, TaskId, TaskPlan } from '../graph/ExecutionPlan';
import { JobCounters, TaskCounters, sumCounters } from '../metrics/TaskCounters';
import { CheckpointConfig } from '../checkpoint/CheckpointConfig';
import { CheckpointStore } from '../checkpoint/CheckpointStore';
import { CheckpointId, CompletedCheckpoint, TaskRestore } from '../checkpoint/CheckpointTypes';
import { RestartStrategy, decideRestart } from '../checkpoint/RestartStrategy';
import { CheckpointRecord, CheckpointStats, CoordinatorMsg, CoordinatorRef } from '../checkpoint/coordinatorProtocol';
import { JobMetricsReport } from '../metrics/JobMetrics';
import { TaskMetricsReport, ThreadLedger } from '../metrics/TaskMetrics';
import { spawnCoordinator } from '../checkpoint/coordinatorActor';
import { SavepointRequest } from '../checkpoint/coordinatorProtocol';
import { nonRestoredState, restoreFor } from '../checkpoint/restoreAssignment';
import { KeyedStateBackendFactory, TaskDeps } from './Task';
import { SupervisionStrategy, withinLimit } from '../api/SupervisionStrategy';
import { UserFunctionFailed } from './UserFunctionFailed';
import { JobStatus, jobLifecycle } from './jobLifecycle';
import { MasterMsg, MasterRef, TaskDrained, TaskFinished, TaskMsg, TaskRef } from './protocol';
import { spawnTask } from './taskActor';
import { Logger, loggedError } from '../logging/logger';
import { unrestartableCause } from '../services/ServiceError';
import { FailureAction, JobFailure, failureSite } from './jobFailures';

export interface JobOutcome {
  readonly status: 'finished' | 'failed' | 'cancelled';
  /** The failure that failed the job. */
  readonly error: Error | undefined;
  readonly counters: JobCounters;
  /** How many times the job was restarted after a failure. */
  readonly restarts: number;
  /** How many times a task was restarted alone (restartTask supervision). */
  readonly taskRestarts: number;
  /** Checkpoint figures at the end; undefined without checkpointing. */
  readonly checkpoints: CheckpointStats | undefined;
  /** The job's metrics at the end (the finished tasks' last reports). */
  readonly metrics: JobMetricsReport;
}

export interface Checkpointing {
  readonly config: CheckpointConfig;
  readonly store: CheckpointStore;
}

export interface JobMasterDeps {
  readonly plan: ExecutionPlan;
  readonly jobId: string;
  readonly createKeyedStateBackend: KeyedStateBackendFactory;
  readonly checkpointing: Checkpointing | undefined;
  readonly restartStrategy: RestartStrategy;
  /** The job's logger; tasks and the coordinator log through children of it. */
  readonly logger: Logger;
  /** Tasks account their time (busy, back-pressured, idle) for the job's metrics. */
  readonly metrics?: boolean;
  readonly onStatus: (status: JobStatus) => void;
  /** Every failure that reaches the master, with what the job did about it (job.failures()). */
  readonly onFailure: (failure: JobFailure) => void;
  readonly onSettled: (outcome: JobOutcome) => void;
  /** A savepoint or retained checkpoint to start from when the job has no checkpoint of its own (`restoreFrom`). */
  readonly restoreFrom?: CompletedCheckpoint;
  /** Restore a checkpoint even when some of its state has no operator in the job (that state is dropped). */
  readonly allowNonRestoredState: boolean;
  /** See CoordinatorDeps.materialize. */
  readonly materialize?: (checkpoint: CompletedCheckpoint) => Promise<CompletedCheckpoint>;
}

/** How long the master waits for a task to answer a counters request. */
const REPORT_TIMEOUT_MS = 5000;

class JobMaster {
  private attempt = -1;
  private tasks = new Map<TaskId, TaskRef>();
  private drained = new Map<TaskId, TaskDrained>();
  private finished = new Map<TaskId, TaskFinished>();
  private closed = new Set<TaskId>();
  private stopping = false;
  private readonly lifecycle = createActor(jobLifecycle);
  private coordinator: CoordinatorRef | undefined;
  private error: Error | undefined;
  /** Times of failures that led to restarts, for the restart strategy. */
  private readonly failures: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  /** Tasks that failed under restartTask and are closing; each is respawned once closed. */
  private restartingTasks = new Set<TaskId>();
  /** Times of each task's restarts alone, for its supervision limit. */
  private readonly taskRestartTimes = new Map<TaskId, number[]>();
  /** Restarts of each task alone in the current attempt, which its actor name carries. */
  private incarnations = new Map<TaskId, number>();
  /** Tasks restarted alone over the job's life. */
  private taskRestarts = 0;
  private checkpointStats: CheckpointStats | undefined;
  /** Stop with drain asked for: the savepoint the final checkpoint is written to. */
  private drainTo: SavepointRequest | undefined;
  private checkpointHistory: readonly CheckpointRecord[] = [];
  /** With metrics on: the busy time of the job's tasks on this thread (see TaskTimeAccount). */
  private readonly ledger: ThreadLedger | undefined;

  constructor(private readonly deps: JobMasterDeps, private readonly self: MasterRef) {
    this.ledger = deps.metrics ? { busyMs: 0 } : undefined;
    this.lifecycle.subscribe((snapshot) => deps.onStatus(snapshot.value as JobStatus));
    this.lifecycle.start();
    dispatch(self, { type: 'job.deploy' });
  }

  private status(): JobStatus {
    return this.lifecycle.getSnapshot().value as JobStatus;
  }

  handle(msg: MasterMsg): void | Promise<void> {
    switch (msg.type) {
      case 'job.deploy':
        return this.deploy();
      case 'task.drained':
        if (msg.report.attempt === this.attempt) this.taskDrained(msg.report);
        return;
      case 'task.finished':
        if (msg.attempt !== this.attempt) return;
        this.finished.set(msg.report.task, msg.report);
        if (this.finished.size < this.tasks.size) return;
        // Without checkpointing tasks finish without draining first: the job is finishing now.
        this.lifecycle.send({ type: 'tasks.drained' });
        this.stopTasks();
        return;
      case 'task.failed':
        if (msg.attempt === this.attempt) this.taskFailed(msg.task, msg.error);
        return;
      case 'job.failure':
        if (msg.attempt === this.attempt) this.failed(msg.error, undefined);
        return;
      case 'checkpoint.tooManyFailures':
        this.failed(msg.error, undefined);
        return;
      case 'checkpoint.stats':
        this.checkpointStats = msg.stats;
        this.checkpointHistory = msg.history;
        return;
      case 'task.closed':
        if (msg.attempt !== this.attempt) return;
        if (this.restartingTasks.delete(msg.task)) return this.restartTask(msg.task);
        this.closed.add(msg.task);
        if (this.closed.size === this.tasks.size) return this.allClosed();
        return;
      case 'job.cancel':
        this.lifecycle.send({ type: 'job.cancel' });
        if (this.status() !== 'cancelling') return;
        if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
        this.restartTimer = undefined;
        this.pauseCheckpoints('taskFailure');
        if (this.tasks.size === 0 || this.closed.size === this.tasks.size) return this.settle();
        this.stopTasks();
        return;
      case 'job.counters':
        void this.counters().then((c) => dispatch(msg.replyTo, c));
        return;
      case 'job.metrics':
        void this.metrics().then((m) => dispatch(msg.replyTo, m));
        return;
      case 'job.hotKeys': {
        const ref = this.finished.has(msg.task) || this.stopping ? undefined : this.tasks.get(msg.task);
        if (ref === undefined) dispatch(msg.replyTo, { task: msg.task, sampled: 0, keys: [] });
        else dispatch(ref, { type: 'task.hotKeys', limit: msg.limit, replyTo: msg.replyTo });
        return;
      }
      case 'job.crashTask': {
        const plan = this.deps.plan.tasks.find((t) => t.name.includes(msg.vertexName) && t.index === msg.index);
        const ref = plan && this.tasks.get(plan.id);
        if (ref !== undefined) dispatch(ref, { type: 'task.crash', reason: msg.reason });
        return;
      }
      case 'job.triggerCheckpoint':
        if (this.coordinator === undefined) dispatch(msg.replyTo, new Error('checkpointing is not enabled: call env.enableCheckpointing(...)'));
        else dispatch(this.coordinator, { type: 'coordinator.trigger', replyTo: msg.replyTo });
        return;
      case 'job.savepoint':
      case 'job.stopWithSavepoint': {
        const why =
          this.coordinator === undefined
            ? 'savepoints are taken through checkpoint barriers: call env.enableCheckpointing(...)'
            : this.status() !== 'running' || this.drainTo !== undefined
              ? `the job is ${this.drainTo !== undefined ? 'stopping' : this.status()}`
              : undefined;
        if (why !== undefined) {
          dispatch(msg.replyTo, new Error(`savepoint not taken: ${why}`));
          return;
        }
        const request = { dir: msg.dir, terminal: msg.type === 'job.stopWithSavepoint', replyTo: msg.replyTo };
        if (msg.type === 'job.stopWithSavepoint' && msg.drain) {
          this.drainTo = request;
          this.endSources();
        } else {
          dispatch(this.coordinator!, { type: 'coordinator.savepoint', request });
        }
        return;
      }
      case 'job.checkpointStats':
        if (this.coordinator === undefined) dispatch(msg.replyTo, { completed: 0, failed: 0, lastCompletedId: undefined, lastDurationMs: undefined, maxAlignmentMs: 0 });
        else dispatch(this.coordinator, { type: 'coordinator.stats', replyTo: msg.replyTo });
        return;
    }
  }

  /** Deploys a new attempt of the job, from the latest completed checkpoint if there is one. */
  private async deploy(): Promise<void> {
    this.restartTimer = undefined;
    const status = this.status();
    if (status !== 'created' && status !== 'restarting') return;
    let checkpoint: CompletedCheckpoint | undefined;
    const checkpointing = this.deps.checkpointing;
    if (checkpointing !== undefined) {
      const latest = await checkpointing.store.latest().catch((e: unknown) => left(e instanceof Error ? e.message : String(e)));
      if (isLeft(latest)) return this.failFatally(new Error(`cannot restore job '${this.deps.jobId}': ${latest.left}`), undefined, 'its checkpoints cannot be read');
      checkpoint = latest.right;
    }
    // The job's own checkpoints come first: `restoreFrom` is where a job without any starts.
    checkpoint ??= this.deps.restoreFrom;
    if (checkpoint !== undefined) {
      const dropped = nonRestoredState(this.deps.plan, checkpoint, this.deps.allowNonRestoredState);
      if (isLeft(dropped)) return this.failFatally(new Error(`cannot restore job '${this.deps.jobId}': ${dropped.left}`), undefined, 'its checkpoint holds state no operator of the job takes');
      if (dropped.right.length > 0 && status === 'created') {
        this.deps.logger.warn({ checkpoint: checkpoint.id, uids: dropped.right }, `restoring checkpoint ${checkpoint.id} without the state of uid ${dropped.right.map((u) => `'${u}'`).join(', ')} (allowNonRestoredState)`);
      }
    }
    if (checkpointing !== undefined) {
      this.coordinator ??= spawnCoordinator(this.self, {
        materialize: this.deps.materialize,
        jobId: this.deps.jobId,
        logger: this.deps.logger.child({ component: 'checkpoint-coordinator' }),
        config: checkpointing.config,
        store: checkpointing.store,
        master: this.self,
        maxParallelism: this.deps.plan.maxParallelism,
        firstId: (checkpoint?.id ?? 0) + 1,
      });
    }
    let progress: ReadonlyMap<string, unknown> = new Map();
    if (checkpointing?.config.mode === 'at-most-once') {
      const saved = await checkpointing.store.sourceProgress().catch((e: unknown) => left(e instanceof Error ? e.message : String(e)));
      if (isLeft(saved)) return this.failFatally(new Error(`cannot restore job '${this.deps.jobId}': ${saved.left}`), undefined, 'its source progress cannot be read');
      progress = saved.right;
    }
    const restores = new Map<TaskId, TaskRestore | undefined>();
    for (const task of this.deps.plan.tasks) {
      let restore: TaskRestore | undefined;
      if (checkpoint !== undefined) {
        const r = restoreFor(task, checkpoint, this.deps.plan.maxParallelism);
        if (isLeft(r)) return this.failFatally(new Error(r.left), undefined, 'its checkpoint cannot be restored');
        restore = r.right;
      }
      restores.set(task.id, task.source === undefined || !progress.has(task.id) ? restore : withSourcePosition(restore, task.source.node.uid, task.index, task.parallelism, progress.get(task.id)));
    }
    this.attempt++;
    this.tasks = new Map();
    this.drained = new Map();
    this.finished = new Map();
    this.closed = new Set();
    this.restartingTasks = new Set();
    this.incarnations = new Map();
    this.stopping = false;
    for (const task of this.deps.plan.tasks) this.tasks.set(task.id, spawnTask(this.self, this.taskDeps(task, restores.get(task.id), 0)));
    const refOf = (id: TaskId) => this.tasks.get(id)!;
    for (const task of this.deps.plan.tasks) {
      dispatch(refOf(task.id), {
        type: 'task.wire',
        inputs: task.inputs.map((end) => refOf(end.task)),
        outputs: task.outputs.flatMap((edge) => edge.channels.map((end) => refOf(end.task))),
      });
    }
    this.startCoordinator();
    // A stop with drain asked before a restart: the new sources end their input too.
    if (this.drainTo !== undefined) this.endSources();
    this.lifecycle.send({ type: status === 'created' ? 'job.started' : 'job.restarted' });
    const from = checkpoint === undefined ? 'without a checkpoint' : checkpoint === this.deps.restoreFrom ? `from the state of checkpoint ${checkpoint.id} of job '${checkpoint.jobId}' (restoreFrom)` : `from checkpoint ${checkpoint.id}`;
    const tasks = this.deps.plan.tasks.length;
    if (status === 'created') this.deps.logger.info({ attempt: this.attempt, checkpoint: checkpoint?.id, tasks }, `job started ${from} (${tasks} tasks)`);
    else this.deps.logger.info({ attempt: this.attempt, checkpoint: checkpoint?.id, restarts: this.failures.length }, `job restarted ${from} (restart ${this.failures.length})`);
  }

  private taskDeps(task: TaskPlan, restore: TaskRestore | undefined, incarnation: number): TaskDeps {
    const checkpointing = this.deps.checkpointing;
    return {
      plan: this.deps.plan,
      task,
      attempt: this.attempt,
      incarnation,
      master: this.self,
      coordinator: this.coordinator,
      checkpointing: checkpointing?.config.mode,
      unaligned: checkpointing?.config.unaligned ?? false,
      restore,
      createKeyedStateBackend: this.deps.createKeyedStateBackend,
      logger: this.deps.logger.child({ task: task.id, operator: task.name, index: task.index }),
      metrics: this.ledger,
      saveSourceProgress:
        task.source !== undefined && checkpointing?.config.mode === 'at-most-once'
          ? (position) => checkpointing.store.saveSourceProgress(task.id, position)
          : undefined,
    };
  }

  /** A task failed: its operator's supervision strategy says whether it restarts alone, stops the job, or the job's restart strategy decides. */
  private taskFailed(id: TaskId, error: Error): void {
    const task = this.deps.plan.tasks.find((t) => t.id === id);
    // It failed again while closing for its restart alone: its successor is on the way.
    if (this.restartingTasks.has(id)) return this.report(error, task, 'none', 'the task is already restarting');
    // A missing topic, or a service out of reach for its whole bound: restarting cannot mend it.
    const unmendable = unrestartableCause(error);
    if (unmendable !== undefined) return this.failFatally(error, task, `a restart cannot mend it (${unmendable.service}: ${unmendable.target})`);
    const strategy = supervisionOf(this.deps.plan, id, error);
    if (strategy?.directive === 'stop') return this.failFatally(error, task, "the operator's supervision strategy is stop");
    if (strategy?.directive === 'restartTask' && this.status() === 'running') {
      const history = this.taskRestartTimes.get(id) ?? [];
      this.taskRestartTimes.set(id, history);
      if (withinLimit(strategy.limit, history, Date.now())) {
        // The task actor stops after reporting; its successor is spawned once it has closed.
        this.restartingTasks.add(id);
        this.report(error, task, 'restartTask', `restart ${history.length} of the task alone within its limit`);
        return;
      }
    }
    this.failed(error, task);
  }

  /**
   * Keeps a failure in the job's history and logs it with what the job does about it: one
   * line with the cause, so that a job restarting on a poison record says why every time.
   */
  private report(error: Error, task: TaskPlan | undefined, action: FailureAction, why: string): void {
    const failure: JobFailure = { time: Date.now(), ...failureSite(error, task), error, action };
    this.deps.onFailure(failure);
    const where = failure.operator === undefined ? 'the job' : `operator '${failure.operator}' (instance ${failure.instance})`;
    // A task's failure has its stack on the task's own line already.
    const fields = { task: task?.id, operator: failure.operator, instance: failure.instance, record: failure.record, action, error: loggedError(error, { stack: task === undefined }) };
    switch (action) {
      case 'restartJob':
        this.deps.logger.warn({ ...fields, restarts: this.failures.length, delayMs: this.restartDelayMs }, `${where} failed, the job restarts (${why}): ${error.message}`);
        return;
      case 'restartTask':
        this.deps.logger.warn(fields, `${where} failed, its task restarts alone (${why}): ${error.message}`);
        return;
      case 'failJob':
        this.deps.logger.error(fields, `${where} failed, the job fails (${why}): ${error.message}`);
        return;
      case 'none':
        this.deps.logger.warn(fields, `${where} failed while ${why}: ${error.message}`);
        return;
    }
  }

  /**
   * Rebuilds one task alone from the last completed checkpoint (restartTask) and points its
   * peers at the successor. Pending checkpoints are aborted: the predecessor cannot ack them.
   */
  private async restartTask(id: TaskId): Promise<void> {
    const task = this.deps.plan.tasks.find((t) => t.id === id)!;
    const checkpointing = this.deps.checkpointing;
    let restore: TaskRestore | undefined;
    if (checkpointing !== undefined) {
      const latest = await checkpointing.store.latest().catch((e: unknown) => left(e instanceof Error ? e.message : String(e)));
      if (isLeft(latest)) return this.failFatally(new Error(`cannot restore task '${task.name}' (${task.index}): ${latest.left}`), undefined, 'its checkpoints cannot be read');
      const from = latest.right ?? this.deps.restoreFrom;
      if (from !== undefined) {
        const r = restoreFor(task, from, this.deps.plan.maxParallelism);
        if (isLeft(r)) return this.failFatally(new Error(r.left), undefined, 'its checkpoint cannot be restored');
        restore = r.right;
      }
    }
    if (this.status() !== 'running' || this.stopping) return;
    this.pauseCheckpoints('taskFailure');
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    this.taskRestarts++;
    this.deps.logger.info(
      { task: id, checkpoint: restore?.checkpointId, taskRestarts: this.taskRestarts },
      `task '${task.name}' (instance ${task.index}) restarted alone ${restore === undefined ? 'without a checkpoint' : `from checkpoint ${restore.checkpointId}`}`,
    );
    const ref = spawnTask(this.self, this.taskDeps(task, restore, incarnation));
    this.tasks.set(id, ref);
    const refOf = (t: TaskId) => this.tasks.get(t)!;
    for (const other of this.deps.plan.tasks) {
      other.outputs.flatMap((edge) => edge.channels).forEach((end, channel) => {
        if (end.task === id) dispatch(refOf(other.id), { type: 'task.peerReplaced', side: 'output', channel, ref });
      });
      other.inputs.forEach((end, channel) => {
        if (end.task === id) dispatch(refOf(other.id), { type: 'task.peerReplaced', side: 'input', channel, ref });
      });
    }
    dispatch(ref, {
      type: 'task.wire',
      inputs: task.inputs.map((end) => refOf(end.task)),
      outputs: task.outputs.flatMap((edge) => edge.channels.map((end) => refOf(end.task))),
    });
    this.startCoordinator();
  }

  private endSources(): void {
    for (const task of this.deps.plan.tasks) if (task.source !== undefined) dispatch(this.tasks.get(task.id)!, { type: 'source.end' });
  }

  private startCoordinator(): void {
    if (this.coordinator === undefined) return;
    const refOf = (id: TaskId) => this.tasks.get(id)!;
    dispatch(this.coordinator, {
      type: 'coordinator.start',
      attempt: this.attempt,
      sources: this.deps.plan.tasks.filter((t) => t.source !== undefined).map((t) => refOf(t.id)),
      tasks: this.deps.plan.tasks.map((t) => [t.id, refOf(t.id)] as const),
    });
  }

  private taskDrained(report: TaskDrained): void {
    if (this.drained.size === 0) this.pauseCheckpoints('jobFinishing');
    this.drained.set(report.task, report);
    if (this.drained.size < this.tasks.size) return;
    this.lifecycle.send({ type: 'tasks.drained' });
    const attempt = this.attempt;
    const snapshots = [...this.drained.values()].map((d) => d.snapshot!);
    ask<CheckpointId | Error, CoordinatorMsg>(this.self, this.coordinator!, (replyTo) => ({ type: 'coordinator.final', snapshots, replyTo, ...(this.drainTo === undefined ? {} : { savepoint: this.drainTo }) }), this.deps.checkpointing!.config.timeoutMs)
      .then((answer) => answer, (e: Error) => e)
      .then((answer) => {
        if (answer instanceof Error) dispatch(this.self, { type: 'job.failure', attempt, error: new Error(`the final checkpoint failed: ${answer.message}`) });
      });
  }

  private pauseCheckpoints(reason: 'taskFailure' | 'jobFinishing'): void {
    if (this.coordinator !== undefined) dispatch(this.coordinator, { type: 'coordinator.pause', reason });
  }

  /** A failure the job's restart strategy decides on. */
  private failed(error: Error, task: TaskPlan | undefined): void {
    const status = this.status();
    if (status !== 'running' && status !== 'finishing' && status !== 'created') return this.report(error, task, 'none', `the job is ${status}`);
    const unmendable = unrestartableCause(error);
    if (unmendable !== undefined) return this.failFatally(error, task, `a restart cannot mend it (${unmendable.service}: ${unmendable.target})`);
    const now = Date.now();
    const decision = decideRestart(this.deps.restartStrategy, this.failures, now);
    if (decision.restart) {
      this.failures.push(now);
      this.restartDelayMs = decision.delayMs;
      this.report(error, task, 'restartJob', `restart ${this.failures.length}, in ${decision.delayMs} ms`);
      this.lifecycle.send({ type: 'job.restart' });
      this.pauseCheckpoints('taskFailure');
      this.stopTasks();
      return;
    }
    this.failFatally(error, task, decision.reason);
  }

  private restartDelayMs = 0;

  /** A failure that ends the job; `why` says why it is not restarted. */
  private failFatally(error: Error, task: TaskPlan | undefined, why: string): void {
    const status = this.status();
    const live = status === 'created' || status === 'running' || status === 'finishing' || status === 'restarting';
    this.report(error, task, live ? 'failJob' : 'none', live ? why : `the job is ${status}`);
    this.error ??= error;
    this.lifecycle.send({ type: 'task.failed' });
    this.pauseCheckpoints('taskFailure');
    if (this.tasks.size === 0 || this.closed.size === this.tasks.size) this.settle();
    else this.stopTasks();
  }

  private stopTasks(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const ref of this.tasks.values()) stop(ref);
  }

  private allClosed(): void | Promise<void> {
    if (this.status() === 'restarting') {
      this.restartTimer = setTimeout(() => dispatch(this.self, { type: 'job.deploy' }), this.restartDelayMs);
      return;
    }
    return this.settle();
  }

  private async counters(): Promise<JobCounters> {
    return sumCounters(await this.askTasks((f) => f.counters, (replyTo: Ref<TaskCounters>) => ({ type: 'task.report', replyTo })));
  }

  /** Every task's metrics report: asked of running tasks, the last one of finished tasks. */
  private async metrics(): Promise<JobMetricsReport> {
    return this.metricsOf(await this.askTasks((f) => f.metrics, (replyTo: Ref<TaskMetricsReport>) => ({ type: 'task.metrics', replyTo })));
  }

  /** Asks every running task; a finished task answers with what it reported when it finished. Tasks that do not answer in time are left out. */
  private async askTasks<R>(ofFinished: (f: TaskFinished) => R, make: (replyTo: Ref<R>) => TaskMsg): Promise<R[]> {
    const answers: Array<R | undefined> = await Promise.all(
      [...this.tasks].map(([id, ref]): Promise<R | undefined> => {
        const finished = this.finished.get(id);
        if (finished !== undefined || this.stopping) return Promise.resolve(finished === undefined ? undefined : ofFinished(finished));
        return ask<R, TaskMsg>(this.self, ref, make, REPORT_TIMEOUT_MS).catch(() => undefined);
      }),
    );
    return answers.filter((r): r is R => r !== undefined);
  }

  private metricsOf(tasks: readonly TaskMetricsReport[]): JobMetricsReport {
    return { status: this.status(), restarts: this.failures.length, taskRestarts: this.taskRestarts, checkpoints: this.checkpointStats, checkpointHistory: this.checkpointHistory, tasks };
  }

  private async settle(): Promise<void> {
    this.lifecycle.send({ type: 'tasks.closed' });
    const status = this.status();
    // A finished job needs no checkpoint to resume from; a failed or cancelled one keeps its last.
    if (status === 'finished' && this.deps.checkpointing !== undefined) await this.deps.checkpointing.store.discardAll();
    const ended = { status, restarts: this.failures.length, taskRestarts: this.taskRestarts };
    if (status === 'failed') this.deps.logger.error({ ...ended, error: loggedError(this.error, { stack: false }) }, `job failed: ${this.error?.message}`);
    else this.deps.logger.info(ended, `job ${status}`);
    this.deps.onSettled({
      status: status === 'finished' ? 'finished' : status === 'cancelled' ? 'cancelled' : 'failed',
      error: status === 'failed' ? this.error : undefined,
      counters: sumCounters([...this.finished.values()].map((f) => f.counters)),
      restarts: this.failures.length,
      taskRestarts: this.taskRestarts,
      checkpoints: this.checkpointStats,
      metrics: this.metricsOf([...this.finished.values()].map((f) => f.metrics)),
    });
    this.lifecycle.stop();
    stop(this.self);
  }

  dispose(): void {
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
  }
}

/**
 * The supervision strategy for a task's failure: that of the operator the failure names. A
 * failure that names none (the task actor itself crashed) takes the strategy of the chain's
 * one operator with a task-level strategy, if there is exactly one; otherwise (undefined) the
 * job restarts.
 */
function supervisionOf(plan: ExecutionPlan, task: TaskId, error: Error): SupervisionStrategy | undefined {
  const chain = plan.tasks.find((t) => t.id === task)?.chain ?? [];
  const uid = error instanceof UserFunctionFailed ? error.operatorUid : undefined;
  if (uid !== undefined) return chain.find((n) => n.uid === uid)?.supervision;
  // Resume needs a failing record to skip: it says nothing about a crash of the task.
  const taskLevel = chain.filter((n) => n.supervision !== undefined && n.supervision.directive !== 'resume');
  return taskLevel.length === 1 ? taskLevel[0].supervision : undefined;
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

export function spawnJobMaster(parent: Ref<unknown>, name: string, deps: JobMasterDeps): MasterRef {
  return spawn(
    parent as Ref<never>,
    (master: JobMaster, msg: MasterMsg) => {
      const pending = master.handle(msg);
      return pending === undefined ? master : pending.then(() => master);
    },
    name,
    {
      initialStateFunc: (ctx) => new JobMaster(deps, ctx.self as MasterRef),
      afterStop: (master: JobMaster) => master.dispose(),
      onCrash: (_msg, error, ctx) => {
        // A master crash is a bug of ours; settle the job as failed rather than hang it.
        try {
          deps.logger.error({ error: loggedError(error) }, `the job master crashed, the job fails: ${error instanceof Error ? error.message : String(error)}`);
        } catch {
          // An application's logger that throws must not keep the job from settling.
        }
        try {
          const metrics = { status: 'failed' as const, restarts: 0, taskRestarts: 0, checkpoints: undefined, checkpointHistory: [], tasks: [] };
          deps.onSettled({ status: 'failed', error: error ?? new Error('job master crashed'), counters: { operators: {} }, restarts: 0, taskRestarts: 0, checkpoints: undefined, metrics });
        } catch {
          // Nothing more can be done from here.
        }
        return ctx.stop;
      },
    },
  ) as MasterRef;
}
