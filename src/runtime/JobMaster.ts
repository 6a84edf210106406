/**
 * The job master: supervisor of all tasks of one job. It deploys a task actor per planned task
 * (restored from the last completed checkpoint, if any), wires their channels, and answers
 * the job's questions. What the job does in each state, and about each failure, is the job
 * lifecycle's to say (jobLifecycle.ts): the master feeds it the facts and carries out its
 * effects. Tasks report facts to it; it never reaches into them. Above ~300 lines on purpose:
 * each effect of the lifecycle is carried out here, one short method each (deploying and
 * wiring are deploymentWiring.ts's, the failover decision failoverPolicy.ts's).
 */
import { Ref, dispatch, stop } from 'nact';
import { isLeft } from 'fp-ts/Either';
import { Actor, createActor } from 'xstate';
import { TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { JobCounters, TaskCounters, sumCounters } from '../metrics/TaskCounters';
import { CheckpointId, FIRST_CHECKPOINT_ID, TaskRestore, nextCheckpointId } from '../checkpoint/CheckpointTypes';
import { CheckpointRecord, CheckpointStats, CoordinatorMsg, CoordinatorRef, SavepointRequest } from '../checkpoint/coordinatorProtocol';
import { JobMetricsReport } from '../metrics/JobMetrics';
import { TaskMetricsReport, ThreadLedger } from '../metrics/TaskMetrics';
import { spawnCoordinator } from '../checkpoint/coordinatorActor';
import { loggedError } from '../logging/logger';
import { ask } from './ask';
import { TaskDeps } from './TaskDeps';
import { JobLifecycleEvent, jobLifecycle } from './jobLifecycle';
import { JobStatus } from '../metrics/JobStatus';
import { MasterRef, TaskDrained, TaskFinished } from './protocol';
import { spawnTask } from './taskActor';
import { FailureAction } from './jobFailures';
import { Failure, supervisionOf } from './failoverPolicy';
import { deploymentWiring } from './deploymentWiring';
import { DeployedTasks } from './DeployedTasks';
import { RestoreRefusal, restoreForAttempt, restoreForTask } from './attemptRestore';
import { logFailure } from './failureLog';
import { JobMasterDeps } from './jobMasterDeps';

export class JobMaster {
  attempt = -1;
  tasks = new DeployedTasks();
  coordinator: CoordinatorRef | undefined;
  /** Stop with drain asked for: the savepoint the final checkpoint is written to. */
  drainTo: SavepointRequest | undefined;
  /** The savepoint the job stopped at without drain, once it completed: the job ends there. */
  stoppedAt: CheckpointId | undefined;
  checkpointStats: CheckpointStats | undefined;
  checkpointHistory: readonly CheckpointRecord[] = [];
  private readonly lifecycle: Actor<typeof jobLifecycle>;
  private readonly byId: ReadonlyMap<TaskId, TaskPlan>;
  private restartTimer: NodeJS.Timeout | undefined;
  private settling = false;
  /** With metrics on: the busy time of the job's tasks on this thread (see TaskTimeAccount). */
  private readonly ledger: ThreadLedger | undefined;

  constructor(readonly deps: JobMasterDeps, readonly self: MasterRef) {
    this.ledger = deps.metrics ? { busyMs: 0 } : undefined;
    this.byId = new Map(deps.plan.tasks.map((t) => [t.id, t]));
    const machine = jobLifecycle.provide({
      actions: {
        report: ({ context }, { failure, action, why }) =>
          this.report(failure, action, why, { restarts: context.history.jobRestarts.length + context.history.replacements, delayMs: context.restartDelayMs }),
        restartTaskAlone: (_, { task }) => void this.tasks.restarting.add(task),
        pauseCheckpoints: () => this.pauseCheckpoints('taskFailure'),
        // Tasks all closed already (or none deployed): nothing to wait for.
        stopTasks: () => (this.tasks.allClosed() ? this.lifecycle.send({ type: 'tasks.closed' }) : this.tasks.stopAll()),
        clearRestartTimer: () => {
          if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
          this.restartTimer = undefined;
        },
        deployAfterDelay: ({ context }) => {
          this.restartTimer = setTimeout(() => dispatch(this.self, { type: 'job.deploy' }), context.restartDelayMs);
        },
      },
    });
    this.lifecycle = createActor(machine, { input: { restartStrategy: deps.restartStrategy } });
    this.lifecycle.subscribe((snapshot) => deps.onStatus(snapshot.value as JobStatus));
    this.lifecycle.start();
    dispatch(self, { type: 'job.deploy' });
  }

  status(): JobStatus {
    return this.lifecycle.getSnapshot().value as JobStatus;
  }

  /** Whether the job's state has `tag` (jobLifecycle.ts says which states have which). */
  is(tag: 'deploys' | 'live' | 'takesSavepoints' | 'restartsTasksAlone'): boolean {
    return this.lifecycle.getSnapshot().hasTag(tag);
  }

  /** Tells the lifecycle; once it reached a terminal state, the job settles. */
  send(event: JobLifecycleEvent): Promise<void> | undefined {
    this.lifecycle.send(event);
    if (this.lifecycle.getSnapshot().status !== 'done' || this.settling) return undefined;
    this.settling = true;
    return this.settle();
  }

  /** Deploys a new attempt of the job, from the latest completed checkpoint if there is one. */
  async deploy(): Promise<void> {
    this.restartTimer = undefined;
    if (!this.is('deploys')) return;
    const first = this.lifecycle.getSnapshot().can({ type: 'job.started' });
    const restored = await restoreForAttempt(this.deps);
    if (isLeft(restored)) return this.failFatally(restored.left);
    const { checkpoint, dropped, restores } = restored.right;
    if (checkpoint !== undefined && dropped.length > 0 && first) {
      this.deps.logger.warn({ checkpoint: checkpoint.id, uids: dropped }, `restoring checkpoint ${checkpoint.id} without the state of uid ${dropped.map((u) => `'${u}'`).join(', ')} (allowNonRestoredState)`);
    }
    const checkpointing = this.deps.checkpointing;
    if (checkpointing !== undefined) {
      this.coordinator ??= spawnCoordinator(this.self, {
        materialize: this.deps.materialize,
        jobId: this.deps.jobId,
        logger: this.deps.logger.child({ component: 'checkpoint-coordinator' }),
        config: checkpointing.config,
        store: checkpointing.store,
        master: this.self,
        maxParallelism: this.deps.plan.maxParallelism,
        firstId: checkpoint === undefined ? FIRST_CHECKPOINT_ID : nextCheckpointId(checkpoint.id),
      });
    }
    this.attempt++;
    this.tasks = new DeployedTasks();
    const taskManagers = this.deps.taskManagers;
    if (taskManagers === undefined) {
      for (const task of this.deps.plan.tasks) this.tasks.refs.set(task.id, spawnTask(this.self, this.taskDeps(task, restores.get(task.id), 0)));
      for (const { to, msg } of deploymentWiring(this.deps.plan, this.tasks.refs)) dispatch(to, msg);
    } else {
      const deployed = await taskManagers.deploy({
        attempt: this.attempt,
        jobId: this.deps.jobId,
        master: this.self,
        coordinator: this.coordinator,
        restores,
        checkpointing: checkpointing?.config.mode,
        unaligned: checkpointing?.config.unaligned ?? false,
        metrics: this.ledger !== undefined,
        saveSourceProgress: checkpointing?.config.mode === 'at-most-once' ? (task, position) => checkpointing.store.saveSourceProgress(task, position) : undefined,
      });
      if (isLeft(deployed)) return this.failFatally({ error: new Error(deployed.left), why: 'the task managers could not be started' });
      for (const [id, ref] of deployed.right) this.tasks.refs.set(id, ref);
    }
    this.startCoordinator();
    // A stop with drain asked before a restart: the new sources end their input too.
    if (this.drainTo !== undefined) this.endSources();
    this.send({ type: first ? 'job.started' : 'job.restarted' });
    const from = checkpoint === undefined ? 'without a checkpoint' : checkpoint === this.deps.restoreFrom ? `from the state of checkpoint ${checkpoint.id} of job '${checkpoint.jobId}' (restoreFrom)` : `from checkpoint ${checkpoint.id}`;
    const tasks = this.deps.plan.tasks.length;
    const restarts = this.restarts();
    if (first) this.deps.logger.info({ attempt: this.attempt, checkpoint: checkpoint?.id, tasks }, `job started ${from} (${tasks} tasks)`);
    else this.deps.logger.info({ attempt: this.attempt, checkpoint: checkpoint?.id, restarts }, `job restarted ${from} (restart ${restarts})`);
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

  /** A failure of a task or of the job (`task` undefined), for the lifecycle and its failover policy to decide on. */
  failure(error: Error, task: TaskId | undefined): Promise<void> | undefined {
    const failure: Failure = { at: Date.now(), error, task, supervision: task === undefined ? undefined : supervisionOf(this.deps.plan, task, error), draw: Math.random() };
    // It failed again while closing for its restart alone: its successor is on the way.
    if (task !== undefined && this.tasks.restarting.has(task)) return this.report(failure, 'none', 'the task is already restarting');
    // It finished (committed at the final checkpoint, or at the savepoint the job stops at): a
    // restart would run it past where the job ended, and a job restored from that savepoint would
    // commit the same records again. Its close failing, or its channels closing, is reported only.
    if (task !== undefined && this.tasks.finished.has(task)) return this.report(failure, 'none', 'the task had finished');
    // Stopped at a savepoint without drain: a restart would read past it, and what it committed a job
    // restored from the savepoint would commit again. The job fails; the savepoint holds what was not committed.
    if (this.stoppedAt !== undefined && this.is('live')) {
      this.report(failure, 'failJob', `the job stopped at savepoint ${this.stoppedAt}: a restart would run past it (a restore from it commits what it holds)`);
      return this.send({ type: 'task.failed', error });
    }
    return this.send({ type: 'failure', failure });
  }

  /** A failure no restart can mend (the job cannot be restored): the job fails, if it still can. */
  private failFatally({ error, why }: RestoreRefusal): Promise<void> | undefined {
    const live = this.is('live');
    this.report({ at: Date.now(), error, task: undefined, supervision: undefined, draw: 0 }, live ? 'failJob' : 'none', live ? why : `the job is ${this.status()}`);
    return this.send({ type: 'task.failed', error });
  }

  private report(failure: Failure, action: FailureAction, why: string, figures = { restarts: this.restarts(), delayMs: 0 }): undefined {
    const task = failure.task === undefined ? undefined : this.byId.get(failure.task);
    logFailure(this.deps.logger, this.deps.onFailure, { error: failure.error, task, action, why }, figures);
    return undefined;
  }

  /**
   * Rebuilds one task alone from the last completed checkpoint (restartTask) and points its
   * peers at the successor. Pending checkpoints are aborted: the predecessor cannot ack them.
   */
  private async restartTask(id: TaskId): Promise<void> {
    const task = this.byId.get(id);
    if (task === undefined) throw new Error(`task ${id} is not in the plan of job '${this.deps.jobId}'`);
    const restored = await restoreForTask(this.deps, task);
    if (isLeft(restored)) return this.failFatally(restored.left);
    const restore = restored.right;
    if (!this.is('restartsTasksAlone') || this.tasks.stopped) return;
    this.pauseCheckpoints('taskFailure');
    const incarnation = (this.tasks.incarnations.get(id) ?? 0) + 1;
    this.tasks.incarnations.set(id, incarnation);
    this.send({ type: 'task.restarted' });
    this.deps.logger.info(
      { task: id, checkpoint: restore?.checkpointId, taskRestarts: this.taskRestarts() },
      `task '${task.name}' (instance ${task.index}) restarted alone ${restore === undefined ? 'without a checkpoint' : `from checkpoint ${restore.checkpointId}`}`,
    );
    const taskManagers = this.deps.taskManagers;
    if (taskManagers === undefined) {
      this.tasks.refs.set(id, spawnTask(this.self, this.taskDeps(task, restore, incarnation)));
      for (const { to, msg } of deploymentWiring(this.deps.plan, this.tasks.refs, id)) dispatch(to, msg);
    } else {
      const successor = taskManagers.restartTask({ attempt: this.attempt, task: id, incarnation, restore });
      // Its task manager is gone: that thread's end fails the attempt already; this says why the task is not back.
      if (isLeft(successor)) return void this.failure(new Error(`task '${task.name}' (instance ${task.index}) cannot restart alone: ${successor.left}`), undefined);
      this.tasks.refs.set(id, successor.right);
    }
    this.startCoordinator();
  }

  endSources(): void {
    for (const task of this.deps.plan.tasks) if (task.source !== undefined) dispatch(this.tasks.refOf(task.id), { type: 'source.end' });
  }

  private startCoordinator(): void {
    if (this.coordinator === undefined) return;
    const { plan } = this.deps;
    dispatch(this.coordinator, {
      type: 'coordinator.start',
      attempt: this.attempt,
      sources: plan.tasks.filter((t) => t.source !== undefined).map((t) => this.tasks.refOf(t.id)),
      tasks: plan.tasks.map((t) => [t.id, this.tasks.refOf(t.id)] as const),
    });
  }

  taskDrained(report: TaskDrained): void {
    const coordinator = this.coordinator;
    const checkpointing = this.deps.checkpointing;
    if (coordinator === undefined || checkpointing === undefined) throw new Error('a task drained without checkpointing: tasks drain only to take the final checkpoint');
    if (this.tasks.drained.size === 0) this.pauseCheckpoints('jobFinishing');
    this.tasks.drained.set(report.task, report);
    if (this.tasks.drained.size < this.tasks.refs.size) return;
    this.send({ type: 'tasks.drained' });
    const attempt = this.attempt;
    const snapshots = [...this.tasks.drained.values()].map((d) => {
      if (d.snapshot === undefined) throw new Error(`task ${d.task} drained without its final snapshot: with checkpointing, a task drains only once it took it`);
      return d.snapshot;
    });
    const savepoint = this.drainTo === undefined ? {} : { savepoint: this.drainTo };
    ask<CheckpointId | Error, CoordinatorMsg>(this.self, coordinator, (replyTo) => ({ type: 'coordinator.final', snapshots, replyTo, ...savepoint }), checkpointing.config.timeoutMs)
      .then((answer) => answer, (e: Error) => e)
      .then((answer) => {
        if (answer instanceof Error) dispatch(this.self, { type: 'job.failure', attempt, error: new Error(`the final checkpoint failed: ${answer.message}`) });
      });
  }

  /** Without checkpointing tasks finish without draining first: the job is finishing once all have. */
  taskFinished(attempt: number, report: TaskFinished): void {
    if (attempt !== this.attempt) return;
    this.tasks.finished.set(report.task, report);
    if (this.tasks.finished.size < this.tasks.refs.size) return;
    this.send({ type: 'tasks.drained' });
    this.tasks.stopAll();
  }

  taskClosed(attempt: number, task: TaskId): Promise<void> | undefined {
    if (attempt !== this.attempt) return undefined;
    if (this.tasks.restarting.delete(task)) return this.restartTask(task);
    this.tasks.closed.add(task);
    return this.tasks.allClosed() ? this.send({ type: 'tasks.closed' }) : undefined;
  }

  pauseCheckpoints(reason: 'taskFailure' | 'jobFinishing'): void {
    if (this.coordinator !== undefined) dispatch(this.coordinator, { type: 'coordinator.pause', reason });
  }

  /** Every restart of the job: those the restart strategy counted, and those on a new placement. */
  restarts(): number {
    const { history } = this.lifecycle.getSnapshot().context;
    return history.jobRestarts.length + history.replacements;
  }

  private taskRestarts(): number {
    return this.lifecycle.getSnapshot().context.taskRestarts;
  }

  async counters(): Promise<JobCounters> {
    return sumCounters(await this.tasks.ask(this.self, (f) => f.counters, (replyTo: Ref<TaskCounters>) => ({ type: 'task.report', replyTo })));
  }

  /** Every task's metrics report: asked of running tasks, the last one of finished tasks. */
  async metrics(): Promise<JobMetricsReport> {
    return this.metricsOf(await this.tasks.ask(this.self, (f) => f.metrics, (replyTo: Ref<TaskMetricsReport>) => ({ type: 'task.metrics', replyTo })));
  }

  private metricsOf(tasks: readonly TaskMetricsReport[]): JobMetricsReport {
    return { status: this.status(), restarts: this.restarts(), taskRestarts: this.taskRestarts(), checkpoints: this.checkpointStats, checkpointHistory: this.checkpointHistory, tasks };
  }

  private async settle(): Promise<void> {
    const status = this.status();
    // A finished job needs no checkpoint to resume from; a failed or cancelled one keeps its last.
    // A store out of reach (or a master over instances whose epoch passed: its discard is fenced) keeps them: the job still settles.
    if (status === 'finished' && this.deps.checkpointing !== undefined) {
      await this.deps.checkpointing.store.discardAll().catch((e: unknown) => this.deps.logger.warn(`the finished job's checkpoints were not discarded: ${e instanceof Error ? e.message : String(e)}`));
    }
    const { error } = this.lifecycle.getSnapshot().context;
    const ended = { status, restarts: this.restarts(), taskRestarts: this.taskRestarts() };
    if (status === 'failed') this.deps.logger.error({ ...ended, error: loggedError(error, { stack: false }) }, `job failed: ${error?.message}`);
    else this.deps.logger.info(ended, `job ${status}`);
    const finished = [...this.tasks.finished.values()];
    this.deps.onSettled({
      status: status === 'finished' ? 'finished' : status === 'cancelled' ? 'cancelled' : 'failed',
      error: status === 'failed' ? error : undefined,
      counters: sumCounters(finished.map((f) => f.counters)),
      restarts: this.restarts(),
      taskRestarts: this.taskRestarts(),
      checkpoints: this.checkpointStats,
      metrics: this.metricsOf(finished.map((f) => f.metrics)),
    });
    this.lifecycle.stop();
    stop(this.self);
  }

  dispose(): void {
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
  }
}
