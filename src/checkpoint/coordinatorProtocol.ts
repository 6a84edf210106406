/**
 * Messages of the checkpoint coordinator. Tasks acknowledge with their snapshot or decline;
 * the job master starts it for each attempt of the job and pauses it on failure.
 */
import { Ref } from 'nact';
import { TaskId } from './TaskId';
import { CheckpointId, TaskSnapshot } from './CheckpointTypes';
import { SavepointInfo } from './Savepoint';

/** A task as the coordinator sees it: something it can send checkpoint messages to. */
export type CheckpointTaskMsg =
  /** `suspend`: the barrier of a savepoint the job stops at; the source emits nothing after it unless the savepoint is aborted. */
  | { readonly type: 'checkpoint.trigger'; readonly id: CheckpointId; readonly suspend?: boolean }
  /**
   * `final`: the checkpoint the job ends at, taken after every task's input ended or a savepoint
   * the job stops at (terminal); tasks commit everything then and finish.
   */
  | { readonly type: 'checkpoint.completed'; readonly id: CheckpointId; readonly final: boolean }
  | { readonly type: 'checkpoint.aborted'; readonly id: CheckpointId };

/**
 * Why a task declined a checkpoint: a closed list the coordinator switches on, never text it
 * parses. `detail` says what happened, for the log and the checkpoint's history.
 */
export type DeclineReason =
  /** A barrier of a newer checkpoint reached the task before this one was complete there: the newer one goes on, and nothing failed. */
  | { readonly _tag: 'subsumed'; readonly detail: string }
  /** The task could not take its part of the checkpoint: a failed checkpoint, counted toward the tolerable failures. */
  | { readonly _tag: 'taskCheckpointFailed'; readonly detail: string };

/** Checkpoint figures of a job (`job.checkpointStats()`, `JobResult.checkpoints`). */
export interface CheckpointStats {
  /** Checkpoints completed (savepoints are counted apart, in `savepoints`). */
  readonly completed: number;
  /** Checkpoints that failed (savepoints are counted apart, in `savepoints`). */
  readonly failed: number;
  /** The last checkpoint completed, or the savepoint the job stopped at (it is stored as a checkpoint too). */
  readonly lastCompletedId: CheckpointId | undefined;
  /** Trigger to completion of the checkpoint `lastCompletedId`. */
  readonly lastDurationMs: number | undefined;
  /** Longest time a task held input for alignment. */
  readonly maxAlignmentMs: number;
  /** Savepoints asked for that completed (written whole) and that failed. */
  readonly savepoints: { readonly completed: number; readonly failed: number };
}

/** A job's checkpoint figures with its history of checkpoints and savepoints (`job.checkpointHistory()`). */
export interface JobCheckpoints {
  readonly stats: CheckpointStats;
  /** Oldest first: the last CHECKPOINT_HISTORY_LIMIT checkpoints and savepoints. */
  readonly history: readonly CheckpointRecord[];
}

/** The figures of a job that has taken no checkpoint. */
export const NO_CHECKPOINTS: CheckpointStats = { completed: 0, failed: 0, lastCompletedId: undefined, lastDurationMs: undefined, maxAlignmentMs: 0, savepoints: { completed: 0, failed: 0 } };

/** One checkpoint in the job's history (the dashboard's and the REST API's), newest last. */
export interface CheckpointRecord {
  readonly id: CheckpointId;
  /** A savepoint goes through the same barriers as a checkpoint, under an id of the same sequence. */
  readonly kind: 'checkpoint' | 'savepoint';
  readonly status: 'completed' | 'failed';
  /** Wall-clock time of the trigger (ms since the epoch). */
  readonly triggeredAt: number;
  /** Trigger to completion or abort. */
  readonly durationMs: number;
  /** Approximate size of the snapshots (see checkpointSize); undefined for a failed checkpoint. */
  readonly sizeBytes: number | undefined;
  /** Longest time a task held input for alignment of this checkpoint. */
  readonly alignmentMs: number;
  /** The end-of-input checkpoint, taken after every task finished its input. */
  readonly final: boolean;
  /** Why it failed. */
  readonly reason?: string;
  /** A savepoint: its directory (absolute), where it was written or was to be. */
  readonly location?: string;
}

/** How many checkpoints the history keeps. */
export const CHECKPOINT_HISTORY_LIMIT = 50;

export type CoordinatorMsg =
  | {
      readonly type: 'coordinator.start';
      readonly attempt: number;
      readonly sources: ReadonlyArray<Ref<CheckpointTaskMsg>>;
      readonly tasks: ReadonlyArray<readonly [TaskId, Ref<CheckpointTaskMsg>]>;
    }
  /** Abort what is pending and trigger nothing until the next start (a task failed, or the job is finishing). */
  | { readonly type: 'coordinator.pause'; readonly reason: 'taskFailure' | 'jobFinishing' }
  /**
   * Every task finished its input: store their final snapshots as the last checkpoint; with
   * `savepoint`, write them as a savepoint first (stop with drain).
   */
  | { readonly type: 'coordinator.final'; readonly snapshots: readonly TaskSnapshot[]; readonly replyTo: Ref<CheckpointId | Error>; readonly savepoint?: SavepointRequest }
  | { readonly type: 'coordinator.trigger'; readonly replyTo: Ref<CheckpointId | Error> }
  /** Takes a savepoint once no more checkpoints are in progress than allowed, waiting at most the checkpoint timeout. */
  | { readonly type: 'coordinator.savepoint'; readonly request: SavepointRequest }
  | { readonly type: 'savepoint.waitedTooLong'; readonly request: SavepointRequest }
  | { readonly type: 'coordinator.stats'; readonly replyTo: Ref<CheckpointStats> }
  | { readonly type: 'checkpoint.tick' }
  | { readonly type: 'checkpoint.timeout'; readonly id: CheckpointId }
  | { readonly type: 'checkpoint.ack'; readonly id: CheckpointId; readonly attempt: number; readonly task: TaskId; readonly snapshot: TaskSnapshot; readonly alignmentMs: number }
  | { readonly type: 'checkpoint.decline'; readonly id: CheckpointId; readonly attempt: number; readonly task: TaskId; readonly reason: DeclineReason }
  | { readonly type: 'checkpoint.persisted'; readonly id: CheckpointId }
  | { readonly type: 'checkpoint.persistFailed'; readonly id: CheckpointId; readonly error: Error };

export type CoordinatorRef = Ref<CoordinatorMsg>;

/**
 * A savepoint asked for. `terminal`: the job stops at it (stop with a savepoint), so it is also
 * stored as the latest checkpoint and committed, and sources emit nothing after its barrier. A
 * savepoint that is not terminal commits nothing, as in Flink: the job goes on from its checkpoints.
 */
export interface SavepointRequest {
  readonly dir: string;
  readonly terminal: boolean;
  readonly replyTo: Ref<SavepointInfo | Error>;
}

/** What the coordinator tells the job master. */
export type CoordinatorReport =
  /** Sent on every completion and abort, so the master knows the latest figures when the job ends. */
  | { readonly type: 'checkpoint.stats'; readonly stats: CheckpointStats; readonly history: readonly CheckpointRecord[] }
  | { readonly type: 'checkpoint.tooManyFailures'; readonly error: Error }
  /** The savepoint the job stops at without drain completed: the job ends there, and nothing may run past it (sent before the tasks hear of it). */
  | { readonly type: 'checkpoint.stoppedAtSavepoint'; readonly id: CheckpointId };
