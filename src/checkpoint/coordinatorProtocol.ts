/**
 * Messages of the checkpoint coordinator. Tasks acknowledge with their snapshot or decline;
 * the job master starts it for each attempt of the job and pauses it on failure.
 */
import { Ref } from 'nact';
import { TaskId } from '../graph/ExecutionPlan';
import { CheckpointId, TaskSnapshot } from './CheckpointTypes';

/** A task as the coordinator sees it: something it can send checkpoint messages to. */
export type CheckpointTaskMsg =
  | { readonly type: 'checkpoint.trigger'; readonly id: CheckpointId }
  /** `final`: the checkpoint taken after every task's input ended; tasks commit everything then. */
  | { readonly type: 'checkpoint.completed'; readonly id: CheckpointId; readonly final: boolean }
  | { readonly type: 'checkpoint.aborted'; readonly id: CheckpointId };

export interface CheckpointStats {
  readonly completed: number;
  readonly failed: number;
  readonly lastCompletedId: CheckpointId | undefined;
  /** Trigger to completion of the last completed checkpoint. */
  readonly lastDurationMs: number | undefined;
  /** Longest time a task held input for alignment. */
  readonly maxAlignmentMs: number;
}

export type CoordinatorMsg =
  | {
      readonly type: 'coordinator.start';
      readonly attempt: number;
      readonly sources: ReadonlyArray<Ref<CheckpointTaskMsg>>;
      readonly tasks: ReadonlyArray<readonly [TaskId, Ref<CheckpointTaskMsg>]>;
    }
  /** Abort what is pending and trigger nothing until the next start (a task failed, or the job is finishing). */
  | { readonly type: 'coordinator.pause'; readonly reason: 'taskFailure' | 'jobFinishing' }
  /** Every task finished its input: store their final snapshots as the last checkpoint. */
  | { readonly type: 'coordinator.final'; readonly snapshots: readonly TaskSnapshot[]; readonly replyTo: Ref<CheckpointId | Error> }
  | { readonly type: 'coordinator.trigger'; readonly replyTo: Ref<CheckpointId | Error> }
  | { readonly type: 'coordinator.stats'; readonly replyTo: Ref<CheckpointStats> }
  | { readonly type: 'checkpoint.tick' }
  | { readonly type: 'checkpoint.timeout'; readonly id: CheckpointId }
  | { readonly type: 'checkpoint.ack'; readonly id: CheckpointId; readonly attempt: number; readonly task: TaskId; readonly snapshot: TaskSnapshot; readonly alignmentMs: number }
  | { readonly type: 'checkpoint.decline'; readonly id: CheckpointId; readonly attempt: number; readonly task: TaskId; readonly reason: string }
  | { readonly type: 'checkpoint.persisted'; readonly id: CheckpointId }
  | { readonly type: 'checkpoint.persistFailed'; readonly id: CheckpointId; readonly error: Error };

export type CoordinatorRef = Ref<CoordinatorMsg>;

/** What the coordinator tells the job master. */
export type CoordinatorReport =
  /** Sent on every completion and abort, so the master knows the latest figures when the job ends. */
  | { readonly type: 'checkpoint.stats'; readonly stats: CheckpointStats }
  | { readonly type: 'checkpoint.tooManyFailures'; readonly error: Error };
