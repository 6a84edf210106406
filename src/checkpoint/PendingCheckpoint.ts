/**
 * A checkpoint in progress: which tasks still owe an acknowledgement, and their snapshots.
 * An acknowledgement is answered with an outcome value, never an exception: duplicates and
 * late acks are ordinary (Flink's PendingCheckpoint does the same).
 */
import { Actor, createActor } from 'xstate';
import { TaskId } from '../graph/ExecutionPlan';
import { CheckpointId, TaskSnapshot } from './CheckpointTypes';
import { CheckpointFailureReason, CheckpointStatus, checkpointLifecycle } from './checkpointLifecycle';

export type AckOutcome = 'accepted' | 'duplicate' | 'unknownTask' | 'discarded';

export class PendingCheckpoint {
  private readonly lifecycle: Actor<typeof checkpointLifecycle>;
  private readonly snapshots = new Map<TaskId, TaskSnapshot>();
  failureReason: CheckpointFailureReason | undefined;

  constructor(readonly id: CheckpointId, readonly startedAt: number, private readonly expected: ReadonlySet<TaskId>) {
    this.lifecycle = createActor(checkpointLifecycle).start();
  }

  get status(): CheckpointStatus {
    return this.lifecycle.getSnapshot().value as CheckpointStatus;
  }

  acknowledge(task: TaskId, snapshot: TaskSnapshot): AckOutcome {
    // Discarded only once over: while persisting, a repeated ack is still a duplicate (as in Flink).
    if (this.status === 'completed' || this.status === 'aborted') return 'discarded';
    if (!this.expected.has(task)) return 'unknownTask';
    if (this.snapshots.has(task)) return 'duplicate';
    this.snapshots.set(task, snapshot);
    if (this.snapshots.size === this.expected.size) this.lifecycle.send({ type: 'acks.complete' });
    return 'accepted';
  }

  /** The tasks that have not acknowledged yet. */
  awaiting(): TaskId[] {
    return [...this.expected].filter((t) => !this.snapshots.has(t));
  }

  /** Snapshots in task order; complete once status is 'persisting'. */
  taskSnapshots(): TaskSnapshot[] {
    return [...this.snapshots.values()];
  }

  persisted(): void {
    this.lifecycle.send({ type: 'persisted' });
    this.lifecycle.stop();
  }

  abort(reason: CheckpointFailureReason): void {
    if (this.status === 'completed' || this.status === 'aborted') return;
    this.failureReason = reason;
    this.lifecycle.send({ type: 'abort', reason });
    this.lifecycle.stop();
  }
}
