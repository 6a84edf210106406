/**
 * The checkpoint coordinator: triggers checkpoints by policy (interval, min pause, max
 * concurrent: checkpointPolicy.ts), runs each through its lifecycle (checkpointLifecycle.ts,
 * which decides what acks, declines, timeouts and the store's answers do) and carries out its
 * effects: barriers into the sources, the write to the store, telling tasks, askers and the job
 * master. Every abort is logged with its reason; those that count as failed checkpoints
 * (declined, timed out, not stored) as warnings. Savepoints go through the same barriers: one
 * asked for while checkpoints are in progress waits for a free slot (at most the checkpoint
 * timeout), and its snapshots are written whole to the savepoint's directory instead of the
 * store (Savepoint.ts).
 */
import * as path from 'path';
import { Ref, dispatch } from 'nact';
import { TaskId } from './TaskId';
import { Logger, loggedError } from '../logging/logger';
import { CheckpointConfig } from './CheckpointConfig';
import { CheckpointStore } from './CheckpointStore';
import { CheckpointId, CompletedCheckpoint, TaskSnapshot, nextCheckpointId } from './CheckpointTypes';
import { writeSavepoint } from './Savepoint';
import { PendingCheckpoint } from './PendingCheckpoint';
import { CheckpointFailure, CheckpointLifecycleContext, countsAsFailure } from './checkpointLifecycle';
import { failuresInARow, whyNotTrigger } from './checkpointPolicy';
import { CheckpointHistory } from './CheckpointHistory';
import { SavepointQueue } from './SavepointQueue';
import { CheckpointTaskMsg, CoordinatorRef, CoordinatorReport, SavepointRequest } from './coordinatorProtocol';

export interface CoordinatorDeps {
  readonly jobId: string;
  readonly config: CheckpointConfig;
  readonly store: CheckpointStore;
  readonly master: Ref<CoordinatorReport>;
  /** Recorded in each checkpoint: keyed state restores only into the same number of key groups. */
  readonly maxParallelism: number;
  /** Ids continue after the latest stored checkpoint, so they grow across restarts of the process. */
  readonly firstId: CheckpointId;
  /** The coordinator's logger: the job's, with `component: 'checkpoint-coordinator'`. */
  readonly logger: Logger;
  /**
   * Makes a checkpoint's keyed state whole for a savepoint: replaces references to incremental
   * pieces (Redis state with checkpoints in the same Redis) by the entries. Absent: snapshots are whole already.
   */
  readonly materialize?: (checkpoint: CompletedCheckpoint) => Promise<CompletedCheckpoint>;
}

export class CheckpointCoordinator {
  attempt = -1;
  /** Checkpoints are triggered: the job's tasks run and no failure or end of input paused them. */
  triggering = false;
  private sources: ReadonlyArray<Ref<CheckpointTaskMsg>> = [];
  private tasks = new Map<TaskId, Ref<CheckpointTaskMsg>>();
  readonly pending = new Map<CheckpointId, PendingCheckpoint>();
  private readonly timeouts = new Map<CheckpointId, NodeJS.Timeout>();
  /** Who waits for a checkpoint they asked for, by id. */
  private readonly waiters = new Map<CheckpointId, Array<Ref<CheckpointId | Error>>>();
  /** The end-of-input checkpoints in progress (at most one). */
  private readonly finals = new Set<CheckpointId>();
  readonly savepoints: SavepointQueue;
  readonly history = new CheckpointHistory();
  private tick: NodeJS.Timeout | undefined;
  private nextId: CheckpointId;
  private lastCompletedAt = -Infinity;
  private consecutiveFailures = 0;

  constructor(readonly deps: CoordinatorDeps, private readonly self: CoordinatorRef) {
    this.nextId = deps.firstId;
    this.savepoints = new SavepointQueue(deps.logger);
  }

  /** A new attempt of the job runs: these are its tasks; checkpoints are triggered again. */
  start(attempt: number, sources: ReadonlyArray<Ref<CheckpointTaskMsg>>, tasks: ReadonlyArray<readonly [TaskId, Ref<CheckpointTaskMsg>]>): void {
    this.attempt = attempt;
    this.sources = sources;
    this.tasks = new Map(tasks);
    this.triggering = true;
    this.scheduleTick(this.deps.config.intervalMs);
    this.startSavepoints();
  }

  pause(reason: 'taskFailure' | 'jobFinishing'): void {
    this.triggering = false;
    this.clearTick();
    for (const pc of [...this.pending.values()]) pc.abort(reason);
    // A restart lets waiting savepoints start once the job runs again; the end of input does not.
    if (reason === 'jobFinishing') this.savepoints.refuseAllWaiting('the job is finishing: its input ended');
  }

  /** A savepoint asked for: it waits for a free slot, at most the checkpoint timeout. */
  savepoint(request: SavepointRequest): void {
    if (this.sources.length === 0) {
      dispatch(request.replyTo, new Error('savepoint not taken: the job is not running'));
      return;
    }
    this.savepoints.wait(request, setTimeout(() => dispatch(this.self, { type: 'savepoint.waitedTooLong', request }), this.deps.config.timeoutMs));
    this.startSavepoints();
  }

  savepointWaitedTooLong(request: SavepointRequest): void {
    if (!this.savepoints.isWaiting(request)) return;
    const { timeoutMs, maxConcurrent } = this.deps.config;
    const inProgress = [...this.pending.keys()].join(', ') || 'none';
    this.savepoints.refuse(request, `no checkpoint slot came free within ${timeoutMs} ms (checkpoints ${inProgress} in progress, maxConcurrent ${maxConcurrent}${this.triggering ? '' : ', the job is restarting'})`);
  }

  /** Starts the waiting savepoints that a free slot allows, oldest first. */
  private startSavepoints(): void {
    while (this.savepoints.hasWaiting() && this.triggering && this.pending.size < this.deps.config.maxConcurrent) {
      const request = this.savepoints.takeOldest();
      if (request === undefined) return;
      const id = this.trigger(true, request.terminal);
      if (typeof id === 'string') dispatch(request.replyTo, new Error(`savepoint not taken: ${id}`));
      else this.savepoints.started(id, request);
    }
  }

  /** Triggered because someone asked (`replyTo` waits for its completion) or by the interval. */
  triggerAsked(replyTo: Ref<CheckpointId | Error>): void {
    const started = this.trigger(true);
    if (typeof started === 'string') dispatch(replyTo, new Error(`checkpoint not triggered: ${started}`));
    else this.waiters.set(started, [...(this.waiters.get(started) ?? []), replyTo]);
  }

  ticked(): void {
    this.tick = undefined;
    if (!this.triggering) return;
    this.trigger(false);
    this.scheduleTick(this.deps.config.intervalMs);
  }

  /** Starts a checkpoint unless the policy says not now; returns its id or why not. `suspend`: see CheckpointTaskMsg. */
  private trigger(asked: boolean, suspend = false): CheckpointId | string {
    const { config } = this.deps;
    const figures = { running: this.sources.length > 0 && this.triggering, inProgress: this.pending.size, lastCompletedAt: this.lastCompletedAt };
    const whyNot = whyNotTrigger(config, figures, Date.now(), asked);
    if (whyNot !== undefined) return whyNot;
    const id = this.takeId();
    const barrier: CheckpointTaskMsg = suspend ? { type: 'checkpoint.trigger', id, suspend } : { type: 'checkpoint.trigger', id };
    const pc = new PendingCheckpoint(
      id,
      Date.now(),
      new Set(this.tasks.keys()),
      {
        triggerAtSources: () => this.sources.forEach((source) => dispatch(source, barrier)),
        armTimeout: () => this.timeouts.set(id, setTimeout(() => dispatch(this.self, { type: 'checkpoint.timeout', id }), config.timeoutMs)),
        ...this.effectsFor(id),
      },
      config.timeoutMs,
    );
    this.pending.set(id, pc);
    this.deps.logger.debug({ checkpoint: id }, `checkpoint ${id} triggered`);
    return id;
  }

  private takeId(): CheckpointId {
    const id = this.nextId;
    this.nextId = nextCheckpointId(id);
    return id;
  }

  /** Every task finished its input: their final snapshots become the job's last checkpoint (with `savepoint`, written as one first). */
  completeFinal(snapshots: readonly TaskSnapshot[], replyTo: Ref<CheckpointId | Error>, savepoint: SavepointRequest | undefined): void {
    const id = this.takeId();
    if (savepoint !== undefined) this.savepoints.started(id, savepoint);
    this.finals.add(id);
    this.waiters.set(id, [replyTo]);
    const pc = new PendingCheckpoint(id, Date.now(), new Set(snapshots.map((s) => s.task as TaskId)), this.effectsFor(id), this.deps.config.timeoutMs);
    this.pending.set(id, pc);
    for (const s of snapshots) pc.acknowledge(s.task as TaskId, s);
  }

  private effectsFor(id: CheckpointId) {
    return {
      persist: (c: CheckpointLifecycleContext) => this.persist(c),
      completed: (c: CheckpointLifecycleContext) => this.completed(c),
      aborted: (c: CheckpointLifecycleContext, failure: CheckpointFailure) => this.aborted(id, c.startedAt, failure),
    };
  }

  private persist({ id, snapshots }: CheckpointLifecycleContext): void {
    const checkpoint = { jobId: this.deps.jobId, id, timestamp: Date.now(), maxParallelism: this.deps.maxParallelism, tasks: [...snapshots.values()] };
    this.history.persisting(id, checkpoint.tasks);
    const savepoint = this.savepoints.of(id);
    const { store, materialize } = this.deps;
    const written =
      savepoint === undefined
        ? store.add(checkpoint)
        : (materialize === undefined ? Promise.resolve(checkpoint) : materialize(checkpoint))
            .then((whole) => writeSavepoint(savepoint.dir, whole))
            .then((info) => {
              this.savepoints.wrote(id, info);
              // A terminal savepoint is where the job stops: also its latest checkpoint, which commits.
              return savepoint.terminal ? store.add(checkpoint) : undefined;
            });
    written.then(
      () => dispatch(this.self, { type: 'checkpoint.persisted', id }),
      (error: unknown) => dispatch(this.self, { type: 'checkpoint.persistFailed', id, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  private completed({ id, startedAt }: CheckpointLifecycleContext): void {
    this.forget(id);
    const { request: savepoint, info } = this.savepoints.end(id);
    if (savepoint !== undefined && info !== undefined) {
      this.deps.logger.info({ checkpoint: id, dir: info.path, durationMs: Date.now() - startedAt }, `savepoint ${id} written to ${info.path}`);
      if (!savepoint.terminal) {
        // In the history before the asker hears of it: whoever asks next sees it there.
        this.history.completed(id, { startedAt, now: Date.now(), final: false, savepoint: info.path }, false);
        this.reportStats();
        dispatch(savepoint.replyTo, info);
        // Commits nothing (Flink's savepoints do not either): to the tasks it is a checkpoint that
        // will not complete, so sinks commit its transactions with the next checkpoint and the
        // incremental Redis state keeps its base chains, which the store retains.
        for (const task of this.tasks.values()) dispatch(task, { type: 'checkpoint.aborted', id });
        this.startSavepoints();
        return;
      }
      dispatch(savepoint.replyTo, info);
    }
    this.lastCompletedAt = Date.now();
    this.consecutiveFailures = failuresInARow(this.consecutiveFailures, 'completed', this.deps.config.tolerableFailures).consecutive;
    // Drained: every task's input ended first (a bounded job, or stop with drain).
    const drained = this.finals.delete(id);
    const final = drained || savepoint?.terminal === true;
    this.history.completed(id, { startedAt, now: this.lastCompletedAt, final, savepoint: savepoint === undefined ? undefined : (info?.path ?? path.resolve(savepoint.dir)) }, true);
    this.deps.logger.debug({ checkpoint: id, durationMs: this.lastCompletedAt - startedAt }, `checkpoint ${id} completed in ${this.lastCompletedAt - startedAt} ms`);
    if (final) {
      // The job ends at this checkpoint: nothing is triggered after it.
      this.triggering = false;
      this.clearTick();
    }
    if (final && !drained) dispatch(this.deps.master, { type: 'checkpoint.stoppedAtSavepoint', id });
    for (const task of this.tasks.values()) dispatch(task, { type: 'checkpoint.completed', id, final });
    // A completed checkpoint subsumes older ones still pending; a savepoint is asked for by someone, and goes on.
    for (const older of [...this.pending.values()]) if (older.id < id && this.savepoints.of(older.id) === undefined) older.abort('subsumed');
    this.reply(id, id);
    this.reportStats();
    this.startSavepoints();
  }

  private aborted(id: CheckpointId, startedAt: number, { reason, detail, cause }: CheckpointFailure): void {
    const final = this.finals.delete(id);
    const { request: savepoint } = this.savepoints.end(id);
    const more = `${detail ? `: ${detail}` : ''}${cause ? `: ${cause.message}` : ''}`;
    const fields = { checkpoint: id, reason, ...(cause === undefined ? {} : { error: loggedError(cause) }) };
    // Aborts that say nothing about checkpointing (a task failed, a newer checkpoint, the end of input) are routine.
    if (countsAsFailure(reason)) this.deps.logger.warn(fields, `checkpoint ${id} aborted (${reason})${more}`);
    else this.deps.logger.debug(fields, `checkpoint ${id} aborted (${reason})${more}`);
    this.forget(id);
    this.history.failed(id, { startedAt, now: Date.now(), final, savepoint: savepoint === undefined ? undefined : path.resolve(savepoint.dir) }, `${reason}${more}`);
    for (const task of this.tasks.values()) dispatch(task, { type: 'checkpoint.aborted', id });
    this.reply(id, new Error(`checkpoint ${id} aborted: ${reason}${cause ? ` (${cause.message})` : ''}`));
    this.reportStats();
    this.startSavepoints();
    if (savepoint !== undefined) {
      dispatch(savepoint.replyTo, new Error(`savepoint ${id} to ${savepoint.dir} aborted: ${reason}${detail ? `: ${detail}` : ''}${cause ? ` (${cause.message})` : ''}`));
      // A failed savepoint is the asker's to handle; the job's checkpoints did not fail.
      if (!final) return;
    }
    const { consecutive, tooMany } = failuresInARow(this.consecutiveFailures, reason, this.deps.config.tolerableFailures);
    this.consecutiveFailures = consecutive;
    if (!tooMany) return;
    dispatch(this.deps.master, {
      type: 'checkpoint.tooManyFailures',
      error: new Error(
        `checkpoint ${id} failed (${reason}${cause ? `: ${cause.message}` : ''}), exceeding the tolerable ` + `${this.deps.config.tolerableFailures} failed checkpoint(s) in a row`,
        // The cause goes with it: a store out of reach for its whole bound fails the job without restarts.
        cause === undefined ? undefined : { cause },
      ),
    });
  }

  private reportStats(): void {
    dispatch(this.deps.master, { type: 'checkpoint.stats', stats: this.history.current(), history: this.history.list() });
  }

  private forget(id: CheckpointId): void {
    this.pending.delete(id);
    clearTimeout(this.timeouts.get(id));
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
    clearTimeout(this.tick);
    this.tick = undefined;
  }

  /** Teardown: no timer outlives the coordinator, no savepoint asker waits for nothing. */
  dispose(): void {
    this.clearTick();
    this.savepoints.dispose();
    for (const timer of this.timeouts.values()) clearTimeout(timer);
    this.timeouts.clear();
  }
}
