/**
 * The checkpoint coordinator: triggers checkpoints by policy (interval, min pause, max
 * concurrent), injects them at the sources, collects each task's acknowledgement with its
 * snapshot, completes a checkpoint atomically through the store or aborts it (timeout,
 * decline, task failure, store failure), and tells tasks and the job master. Every abort is
 * logged with its reason; those that count as failed checkpoints (declined, timed out, not
 * stored) as warnings. Savepoints go through the same barriers: one asked for while checkpoints
 * are in progress waits for a free slot (at most the checkpoint timeout), and its snapshots are
 * written whole to the savepoint's directory instead of the store (Savepoint.ts).
 */
import { Ref, dispatch, spawn } from 'nact';
import { TaskId } from '../graph/ExecutionPlan';
import { CheckpointConfig } from './CheckpointConfig';
import { CheckpointStore } from './CheckpointStore';
import { CheckpointId, CompletedCheckpoint, TaskSnapshot } from './CheckpointTypes';
import { SavepointInfo, writeSavepoint } from './Savepoint';
import { PendingCheckpoint } from './PendingCheckpoint';
import { CheckpointFailureReason } from './checkpointLifecycle';
import { CHECKPOINT_HISTORY_LIMIT, CheckpointRecord, CheckpointStats, CheckpointTaskMsg, CoordinatorMsg, CoordinatorRef, CoordinatorReport, SavepointRequest } from './coordinatorProtocol';
import { checkpointSize } from './checkpointSize';
import { Logger, loggedError } from '../logging/logger';

export interface CoordinatorDeps {
  readonly jobId: string;
  readonly config: CheckpointConfig;
  readonly store: CheckpointStore;
  readonly master: Ref<CoordinatorReport>;
  /** Recorded in each checkpoint: keyed state restores only into the same number of key groups. */
  readonly maxParallelism: number;
  /** Ids continue after the latest stored checkpoint, so they grow across restarts of the process. */
  readonly firstId: number;
  /** The coordinator's logger: the job's, with `component: 'checkpoint-coordinator'`. */
  readonly logger: Logger;
  /**
   * Makes a checkpoint's keyed state whole for a savepoint: replaces references to incremental
   * pieces (Redis state with checkpoints in the same Redis) by the entries. Absent: snapshots are whole already.
   */
  readonly materialize?: (checkpoint: CompletedCheckpoint) => Promise<CompletedCheckpoint>;
}

/** Failure reasons that say nothing about checkpointing itself and so do not count as failed checkpoints. */
const NOT_COUNTED: ReadonlySet<CheckpointFailureReason> = new Set(['taskFailure', 'subsumed', 'jobFinishing']);

class CheckpointCoordinator {
  private attempt = -1;
  private triggering = false;
  private sources: ReadonlyArray<Ref<CheckpointTaskMsg>> = [];
  private tasks = new Map<TaskId, Ref<CheckpointTaskMsg>>();
  private readonly pending = new Map<CheckpointId, PendingCheckpoint>();
  private readonly timeouts = new Map<CheckpointId, NodeJS.Timeout>();
  /** Who waits for a checkpoint they asked for, by id. */
  private readonly waiters = new Map<CheckpointId, Array<Ref<CheckpointId | Error>>>();
  private readonly finals = new Set<CheckpointId>();
  /** Savepoints waiting for a free slot, each with the timer that bounds its wait. */
  private readonly waitingSavepoints = new Map<SavepointRequest, NodeJS.Timeout>();
  /** Savepoints in progress, by checkpoint id. */
  private readonly savepoints = new Map<CheckpointId, SavepointRequest>();
  /** Where each savepoint was written, from its write until its completion. */
  private readonly savepointInfo = new Map<CheckpointId, SavepointInfo>();
  private tick: NodeJS.Timeout | undefined;
  private nextId: number;
  private lastCompletedAt = -Infinity;
  private consecutiveFailures = 0;
  private maxAlignmentMs = 0;
  /** The last CHECKPOINT_HISTORY_LIMIT checkpoints, for the job's metrics and REST API. */
  private readonly history: CheckpointRecord[] = [];
  /** Per pending checkpoint: its longest alignment so far, and its size once persisting. */
  private readonly figures = new Map<CheckpointId, { alignmentMs: number; sizeBytes: number | undefined }>();
  private stats: { completed: number; failed: number; lastCompletedId: CheckpointId | undefined; lastDurationMs: number | undefined } = {
    completed: 0,
    failed: 0,
    lastCompletedId: undefined,
    lastDurationMs: undefined,
  };

  constructor(private readonly deps: CoordinatorDeps, private readonly self: CoordinatorRef) {
    this.nextId = deps.firstId;
  }

  handle(msg: CoordinatorMsg): void {
    switch (msg.type) {
      case 'coordinator.start':
        this.attempt = msg.attempt;
        this.sources = msg.sources;
        this.tasks = new Map(msg.tasks);
        this.triggering = true;
        this.scheduleTick(this.deps.config.intervalMs);
        this.startSavepoints();
        return;
      case 'coordinator.pause':
        this.triggering = false;
        this.clearTick();
        for (const pc of [...this.pending.values()]) this.abort(pc, msg.reason);
        // A restart lets waiting savepoints start once the job runs again; the end of input does not.
        if (msg.reason === 'jobFinishing') for (const request of [...this.waitingSavepoints.keys()]) this.refuseSavepoint(request, 'the job is finishing: its input ended');
        return;
      case 'coordinator.final':
        this.completeFinal(msg.snapshots, msg.replyTo, msg.savepoint);
        return;
      case 'coordinator.savepoint': {
        if (this.sources.length === 0) {
          dispatch(msg.request.replyTo, new Error('savepoint not taken: the job is not running'));
          return;
        }
        const { timeoutMs } = this.deps.config;
        this.waitingSavepoints.set(msg.request, setTimeout(() => dispatch(this.self, { type: 'savepoint.waitedTooLong', request: msg.request }), timeoutMs));
        this.startSavepoints();
        return;
      }
      case 'savepoint.waitedTooLong':
        if (!this.waitingSavepoints.has(msg.request)) return;
        this.refuseSavepoint(
          msg.request,
          `no checkpoint slot came free within ${this.deps.config.timeoutMs} ms (checkpoints ${[...this.pending.keys()].join(', ') || 'none'} in progress, maxConcurrent ${this.deps.config.maxConcurrent}${this.triggering ? '' : ', the job is restarting'})`,
        );
        return;
      case 'coordinator.trigger': {
        const started = this.trigger(true);
        if (typeof started === 'string') dispatch(msg.replyTo, new Error(`checkpoint not triggered: ${started}`));
        else this.waiters.set(started, [...(this.waiters.get(started) ?? []), msg.replyTo]);
        return;
      }
      case 'coordinator.stats':
        dispatch(msg.replyTo, this.currentStats());
        return;
      case 'checkpoint.tick':
        this.tick = undefined;
        if (!this.triggering) return;
        this.trigger(false);
        this.scheduleTick(this.deps.config.intervalMs);
        return;
      case 'checkpoint.timeout': {
        const pc = this.pending.get(msg.id);
        if (pc === undefined || pc.status !== 'pending') return;
        const awaiting = pc.awaiting();
        const named = awaiting.slice(0, 10).join(', ') + (awaiting.length > 10 ? `, … (${awaiting.length} in all)` : '');
        this.abort(pc, 'timeout', undefined, `not acknowledged within ${this.deps.config.timeoutMs} ms by task(s) ${named}`);
        return;
      }
      case 'checkpoint.ack': {
        if (msg.attempt !== this.attempt) return;
        const pc = this.pending.get(msg.id);
        if (pc === undefined) return;
        this.maxAlignmentMs = Math.max(this.maxAlignmentMs, msg.alignmentMs);
        const figures = this.figures.get(msg.id) ?? { alignmentMs: 0, sizeBytes: undefined };
        figures.alignmentMs = Math.max(figures.alignmentMs, msg.alignmentMs);
        this.figures.set(msg.id, figures);
        if (pc.acknowledge(msg.task, msg.snapshot) === 'accepted' && pc.status === 'persisting') this.persist(pc);
        return;
      }
      case 'checkpoint.decline': {
        if (msg.attempt !== this.attempt) return;
        const pc = this.pending.get(msg.id);
        if (pc !== undefined) this.abort(pc, msg.reason.startsWith('subsumed') ? 'subsumed' : 'declined', undefined, `declined by task ${msg.task}: ${msg.reason}`);
        return;
      }
      case 'checkpoint.persisted':
        this.completed(msg.id);
        return;
      case 'checkpoint.persistFailed': {
        const pc = this.pending.get(msg.id);
        if (pc !== undefined) this.abort(pc, 'storeFailed', msg.error);
        return;
      }
    }
  }

  /** Starts the waiting savepoints that a free slot allows, oldest first. */
  private startSavepoints(): void {
    for (const [request, timer] of this.waitingSavepoints) {
      if (!this.triggering || this.pending.size >= this.deps.config.maxConcurrent) return;
      clearTimeout(timer);
      this.waitingSavepoints.delete(request);
      const id = this.trigger(true, request.terminal);
      if (typeof id === 'string') dispatch(request.replyTo, new Error(`savepoint not taken: ${id}`));
      else this.savepoints.set(id, request);
    }
  }

  private refuseSavepoint(request: SavepointRequest, why: string): void {
    clearTimeout(this.waitingSavepoints.get(request));
    this.waitingSavepoints.delete(request);
    this.deps.logger.warn({ dir: request.dir }, `savepoint to ${request.dir} not taken: ${why}`);
    dispatch(request.replyTo, new Error(`savepoint not taken: ${why}`));
  }

  /** Starts a checkpoint unless the policy says not now; returns its id or why not. `suspend`: see CheckpointTaskMsg. */
  private trigger(force: boolean, suspend = false): CheckpointId | string {
    const { config } = this.deps;
    if (this.sources.length === 0 || !this.triggering) return 'the job is not running';
    if (this.pending.size >= config.maxConcurrent) return `${this.pending.size} checkpoint(s) already in progress (maxConcurrent ${config.maxConcurrent})`;
    if (!force && Date.now() - this.lastCompletedAt < config.minPauseMs) return 'min pause not over';
    const id = this.nextId++ as CheckpointId;
    const pc = new PendingCheckpoint(id, Date.now(), new Set(this.tasks.keys()));
    this.pending.set(id, pc);
    this.timeouts.set(id, setTimeout(() => dispatch(this.self, { type: 'checkpoint.timeout', id }), config.timeoutMs));
    for (const source of this.sources) dispatch(source, suspend ? { type: 'checkpoint.trigger', id, suspend } : { type: 'checkpoint.trigger', id });
    this.deps.logger.debug({ checkpoint: id }, `checkpoint ${id} triggered`);
    return id;
  }

  private completeFinal(snapshots: readonly TaskSnapshot[], replyTo: Ref<CheckpointId | Error>, savepoint: SavepointRequest | undefined): void {
    const id = this.nextId++ as CheckpointId;
    if (savepoint !== undefined) this.savepoints.set(id, savepoint);
    const pc = new PendingCheckpoint(id, Date.now(), new Set(snapshots.map((s) => s.task as TaskId)));
    this.pending.set(id, pc);
    this.finals.add(id);
    this.waiters.set(id, [replyTo]);
    for (const s of snapshots) pc.acknowledge(s.task as TaskId, s);
    this.persist(pc);
  }

  private persist(pc: PendingCheckpoint): void {
    const checkpoint = { jobId: this.deps.jobId, id: pc.id, timestamp: Date.now(), maxParallelism: this.deps.maxParallelism, tasks: pc.taskSnapshots() };
    this.figures.set(pc.id, { alignmentMs: this.figures.get(pc.id)?.alignmentMs ?? 0, sizeBytes: checkpointSize(checkpoint.tasks) });
    const savepoint = this.savepoints.get(pc.id);
    const { store, materialize } = this.deps;
    const written =
      savepoint === undefined
        ? store.add(checkpoint)
        : (materialize === undefined ? Promise.resolve(checkpoint) : materialize(checkpoint))
            .then((whole) => writeSavepoint(savepoint.dir, whole))
            .then((info) => {
              this.savepointInfo.set(pc.id, info);
              // A terminal savepoint is where the job stops: also its latest checkpoint, which commits.
              return savepoint.terminal ? store.add(checkpoint) : undefined;
            });
    written.then(
      () => dispatch(this.self, { type: 'checkpoint.persisted', id: pc.id }),
      (error: unknown) => dispatch(this.self, { type: 'checkpoint.persistFailed', id: pc.id, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  private completed(id: CheckpointId): void {
    const pc = this.pending.get(id);
    if (pc === undefined) return;
    pc.persisted();
    this.forget(id);
    const savepoint = this.savepoints.get(id);
    const info = this.savepointInfo.get(id);
    this.savepoints.delete(id);
    this.savepointInfo.delete(id);
    if (savepoint !== undefined && info !== undefined) {
      this.deps.logger.info({ checkpoint: id, dir: info.path, durationMs: Date.now() - pc.startedAt }, `savepoint ${id} written to ${info.path}`);
      dispatch(savepoint.replyTo, info);
      if (!savepoint.terminal) {
        // Commits nothing (Flink's savepoints do not either): to the tasks it is a checkpoint that
        // will not complete, so sinks commit its transactions with the next checkpoint and the
        // incremental Redis state keeps its base chains, which the store retains.
        for (const task of this.tasks.values()) dispatch(task, { type: 'checkpoint.aborted', id });
        this.startSavepoints();
        return;
      }
    }
    this.lastCompletedAt = Date.now();
    this.consecutiveFailures = 0;
    this.stats = { ...this.stats, completed: this.stats.completed + 1, lastCompletedId: id, lastDurationMs: this.lastCompletedAt - pc.startedAt };
    this.deps.logger.debug({ checkpoint: id, durationMs: this.stats.lastDurationMs }, `checkpoint ${id} completed in ${this.stats.lastDurationMs} ms`);
    const final = this.finals.delete(id) || savepoint?.terminal === true;
    if (final) {
      // The job ends at this checkpoint: nothing is triggered after it.
      this.triggering = false;
      this.clearTick();
    }
    this.record(pc, 'completed', final);
    for (const task of this.tasks.values()) dispatch(task, { type: 'checkpoint.completed', id, final });
    // A completed checkpoint subsumes older ones still pending; a savepoint is asked for by someone, and goes on.
    for (const older of [...this.pending.values()]) if (older.id < id && !this.savepoints.has(older.id)) this.abort(older, 'subsumed');
    this.reply(id, id);
    this.reportStats();
    this.startSavepoints();
  }

  /** `detail`: who declined and why, or who did not acknowledge in time; `cause`: why the store failed. */
  private abort(pc: PendingCheckpoint, reason: CheckpointFailureReason, cause?: Error, detail?: string): void {
    pc.abort(reason);
    const final = this.finals.has(pc.id);
    const savepoint = this.savepoints.get(pc.id);
    this.savepoints.delete(pc.id);
    this.savepointInfo.delete(pc.id);
    const text = `checkpoint ${pc.id} aborted (${reason})${detail ? `: ${detail}` : ''}${cause ? `: ${cause.message}` : ''}`;
    const fields = { checkpoint: pc.id, reason, ...(cause === undefined ? {} : { error: loggedError(cause) }) };
    // Aborts that say nothing about checkpointing (a task failed, a newer checkpoint, the end of input) are routine.
    if (NOT_COUNTED.has(reason)) this.deps.logger.debug(fields, text);
    else this.deps.logger.warn(fields, text);
    this.forget(pc.id);
    this.record(pc, 'failed', this.finals.delete(pc.id), `${reason}${detail ? `: ${detail}` : ''}${cause ? `: ${cause.message}` : ''}`);
    this.stats = { ...this.stats, failed: this.stats.failed + 1 };
    for (const task of this.tasks.values()) dispatch(task, { type: 'checkpoint.aborted', id: pc.id });
    this.reply(pc.id, new Error(`checkpoint ${pc.id} aborted: ${reason}${cause ? ` (${cause.message})` : ''}`));
    this.reportStats();
    this.startSavepoints();
    if (savepoint !== undefined) {
      dispatch(savepoint.replyTo, new Error(`savepoint ${pc.id} to ${savepoint.dir} aborted: ${reason}${detail ? `: ${detail}` : ''}${cause ? ` (${cause.message})` : ''}`));
      // A failed savepoint is the asker's to handle; the job's checkpoints did not fail.
      if (!final) return;
    }
    if (NOT_COUNTED.has(reason)) return;
    this.consecutiveFailures++;
    if (this.consecutiveFailures > this.deps.config.tolerableFailures) {
      this.consecutiveFailures = 0;
      dispatch(this.deps.master, {
        type: 'checkpoint.tooManyFailures',
        error: new Error(
          `checkpoint ${pc.id} failed (${reason}${cause ? `: ${cause.message}` : ''}), exceeding the tolerable ` +
            `${this.deps.config.tolerableFailures} failed checkpoint(s) in a row`,
          // The cause goes with it: a store out of reach for its whole bound fails the job without restarts.
          cause === undefined ? undefined : { cause },
        ),
      });
    }
  }

  private currentStats(): CheckpointStats {
    return { ...this.stats, maxAlignmentMs: this.maxAlignmentMs };
  }

  private reportStats(): void {
    dispatch(this.deps.master, { type: 'checkpoint.stats', stats: this.currentStats(), history: [...this.history] });
  }

  private record(pc: PendingCheckpoint, status: CheckpointRecord['status'], final: boolean, reason?: string): void {
    const figures = this.figures.get(pc.id);
    this.figures.delete(pc.id);
    const now = Date.now();
    this.history.push({
      id: pc.id,
      status,
      triggeredAt: pc.startedAt,
      durationMs: now - pc.startedAt,
      sizeBytes: status === 'completed' ? figures?.sizeBytes : undefined,
      alignmentMs: figures?.alignmentMs ?? 0,
      final,
      ...(reason === undefined ? {} : { reason }),
    });
    if (this.history.length > CHECKPOINT_HISTORY_LIMIT) this.history.shift();
  }

  private forget(id: CheckpointId): void {
    this.pending.delete(id);
    const timer = this.timeouts.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.timeouts.delete(id);
  }

  private reply(id: CheckpointId, answer: CheckpointId | Error): void {
    for (const waiter of this.waiters.get(id) ?? []) dispatch(waiter, answer);
    this.waiters.delete(id);
  }

  private scheduleTick(delayMs: number): void {
    this.clearTick();
    this.tick = setTimeout(() => dispatch(this.self, { type: 'checkpoint.tick' }), delayMs);
  }

  private clearTick(): void {
    if (this.tick !== undefined) clearTimeout(this.tick);
    this.tick = undefined;
  }

  /** Teardown: no timer outlives the coordinator, no savepoint asker waits for nothing. */
  dispose(): void {
    this.clearTick();
    for (const request of [...this.waitingSavepoints.keys()]) this.refuseSavepoint(request, 'the job ended');
    for (const request of this.savepoints.values()) dispatch(request.replyTo, new Error(`savepoint to ${request.dir} not taken: the job ended`));
    this.savepoints.clear();
    for (const timer of this.timeouts.values()) clearTimeout(timer);
    this.timeouts.clear();
  }
}

export function spawnCoordinator(parent: Ref<unknown>, deps: CoordinatorDeps): CoordinatorRef {
  return spawn(
    parent as Ref<never>,
    (coordinator: CheckpointCoordinator, msg: CoordinatorMsg) => {
      coordinator.handle(msg);
      return coordinator;
    },
    'checkpoint-coordinator',
    {
      initialStateFunc: (ctx) => new CheckpointCoordinator(deps, ctx.self as CoordinatorRef),
      afterStop: (coordinator: CheckpointCoordinator) => coordinator.dispose(),
      onCrash: (_msg, error, ctx) => {
        try {
          deps.logger.error({ error: loggedError(error) }, `the checkpoint coordinator crashed, the job fails over: ${error instanceof Error ? error.message : String(error)}`);
        } catch {
          // An application's logger that throws must not keep the job from settling.
        }
        try {
          dispatch(deps.master, { type: 'checkpoint.tooManyFailures', error: error ?? new Error('checkpoint coordinator crashed') });
        } catch {
          // The master is gone.
        }
        return ctx.stop;
      },
    },
  ) as CoordinatorRef;
}
