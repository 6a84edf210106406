/**
 * A checkpoint in progress: its lifecycle machine (checkpointLifecycle.ts) running, with the
 * coordinator's effects for it. Which tasks still owe an acknowledgement, their snapshots, and
 * what an acknowledgement is answered are the machine's to say.
 */
import { Actor, createActor } from 'xstate';
import { TaskId } from './TaskId';
import { CheckpointId, TaskSnapshot } from './CheckpointTypes';
import { DeclineReason } from './coordinatorProtocol';
import { AckOutcome, CheckpointFailure, CheckpointFailureReason, CheckpointLifecycleContext, CheckpointStatus, awaiting, checkpointLifecycle } from './checkpointLifecycle';

export type { AckOutcome } from './checkpointLifecycle';

/** What the coordinator does as a checkpoint goes through its lifecycle; each gets the checkpoint's context at that moment. */
export interface CheckpointEffects {
  readonly triggerAtSources?: () => void;
  readonly armTimeout?: () => void;
  readonly persist?: (context: CheckpointLifecycleContext) => void;
  readonly completed?: (context: CheckpointLifecycleContext) => void;
  readonly aborted?: (context: CheckpointLifecycleContext, failure: CheckpointFailure) => void;
}

export class PendingCheckpoint {
  private readonly lifecycle: Actor<typeof checkpointLifecycle>;

  /** `timeoutMs`: the checkpoint timeout, which the message of a timeout names. */
  constructor(readonly id: CheckpointId, readonly startedAt: number, expected: ReadonlySet<TaskId>, effects: CheckpointEffects = {}, timeoutMs = 0) {
    const machine = checkpointLifecycle.provide({
      actions: {
        triggerAtSources: () => effects.triggerAtSources?.(),
        armTimeout: () => effects.armTimeout?.(),
        persist: ({ context }) => effects.persist?.(context),
        completed: ({ context }) => effects.completed?.(context),
        aborted: ({ context }) => {
          if (context.failure === undefined) throw new Error(`checkpoint ${id} was aborted without a failure: every abort of checkpointLifecycle keeps one`);
          effects.aborted?.(context, context.failure);
        },
      },
    });
    this.lifecycle = createActor(machine, { input: { id, startedAt, expected, timeoutMs } }).start();
  }

  get status(): CheckpointStatus {
    return this.lifecycle.getSnapshot().value as CheckpointStatus;
  }

  get failureReason(): CheckpointFailureReason | undefined {
    return this.lifecycle.getSnapshot().context.failure?.reason;
  }

  acknowledge(task: TaskId, snapshot: TaskSnapshot): AckOutcome {
    // Completed or aborted: the machine has ended and takes nothing more.
    if (this.lifecycle.getSnapshot().status === 'done') return 'discarded';
    this.lifecycle.send({ type: 'ack', task, snapshot });
    const outcome = this.lifecycle.getSnapshot().context.lastAck;
    if (outcome === undefined) throw new Error(`checkpoint ${this.id}: its lifecycle answered no acknowledgement`);
    return outcome;
  }

  /** The tasks that have not acknowledged yet. */
  awaiting(): TaskId[] {
    return awaiting(this.lifecycle.getSnapshot().context);
  }

  /** Snapshots in the order they came; complete once status is 'persisting'. */
  taskSnapshots(): TaskSnapshot[] {
    return [...this.lifecycle.getSnapshot().context.snapshots.values()];
  }

  decline(task: TaskId, reason: DeclineReason): void {
    this.lifecycle.send({ type: 'decline', task, reason });
  }

  timeout(): void {
    this.lifecycle.send({ type: 'timeout' });
  }

  persisted(): void {
    this.lifecycle.send({ type: 'persisted' });
  }

  persistFailed(error: Error): void {
    this.lifecycle.send({ type: 'persistFailed', error });
  }

  /** Aborted for `reason` (the first reason stays); ignored once the checkpoint completed. */
  abort(reason: CheckpointFailureReason, cause?: Error): void {
    this.lifecycle.send({ type: 'abort', reason, ...(cause === undefined ? {} : { cause }) });
  }
}
