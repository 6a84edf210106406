/**
 * The source interface connectors implement. A source is a description; each parallel
 * instance creates its own reader inside its task, so no reader is shared between tasks.
 */
import type { Ref } from 'nact';
import type { CheckpointId, CheckpointingMode } from '../checkpoint/CheckpointTypes';
import type { Logger } from '../logging/logger';
import type { PartitionLag } from '../metrics/TaskMetrics';
import type { TaskManagerInstance } from './TaskManagerInstance';

/** What a source's reader is told about the split it reads and the checkpoint it restores. */
export interface SplitContext {
  /** Index of this parallel instance, 0-based. */
  readonly index: number;
  readonly parallelism: number;
  /** Where this split stood in the checkpoint the job restores, as `position()` returned it; undefined on a fresh start. */
  readonly restoredPosition?: unknown;
  /**
   * The positions of every former instance of this source in the checkpoint the job restores,
   * whatever its parallelism was: what a `rescalable` source deals out anew. Empty on a fresh start.
   */
  readonly restoredPositions?: readonly unknown[];
  /** The task actor reading this split: a reader may spawn child actors under it (they stop with the task). */
  readonly actor?: Ref<unknown>;
  /** The guarantee checkpoints give; undefined when checkpointing is off. */
  readonly checkpointing?: CheckpointingMode;
  /** The task's logger: a reader logs its retries and its client's lines here. */
  readonly logger?: Logger;
  /** Set when the reader runs in a task manager's thread: sends `message` (plain data) to the source object in the application's thread, to its `fromTaskManager`. */
  readonly toApplication?: (message: unknown) => void;
  /** Set with `toApplication`: registers the reader's handler of what the source object replies (TaskManagerInstance.reply). */
  readonly fromApplication?: (handler: (message: unknown) => void) => void;
}

/** 'more': call poll again; 'end': the input is exhausted. */
export type PollResult = 'more' | 'end';

/** What one parallel instance of a source reads through; its position goes into checkpoints. */
export interface SourceReader<T> {
  /** Before the first poll: connect, open files, seek to the restored position. */
  open?(): void | Promise<void>;
  /**
   * Emits at most `max` records through `emit` and says whether more may come. May return a
   * promise when records are not ready yet; the task waits for it and polls again after.
   */
  poll(max: number, emit: (record: T, timestamp?: number) => void): PollResult | Promise<PollResult>;
  /**
   * Where the reader stands, so that a checkpoint can resume it exactly here. `checkpointId`
   * is given when the position goes into that checkpoint.
   */
  position(checkpointId?: CheckpointId): unknown;
  /** Checkpoint `checkpointId` (and every earlier one) is complete: what it holds is durable. */
  notifyCheckpointComplete?(checkpointId: CheckpointId): void;
  /** A reader of a partitioned log: how far it trails each partition it reads (metrics; asked about once a second). */
  partitionLag?(): readonly PartitionLag[];
  /**
   * A reader that makes its source's watermarks itself, per split (as Flink's KafkaSource does
   * with a WatermarkStrategy): the watermark the records polled so far allow, and whether none
   * of its splits holds event time back any more (idle). Asked after each poll, after its
   * records went out; the task emits the watermark when it advances or ends idleness, then
   * idleness. Without it, watermarks come from an operator after the source
   * (`assignTimestampsAndWatermarks`), per instance.
   */
  currentWatermark?(): { readonly watermark: number; readonly idle: boolean };
  /** Releases the reader's handles; called exactly once, also after failure or cancel. */
  close?(): void | Promise<void>;
}

/** Where records come from (`env.fromSource(source)`): a description, with a reader per parallel instance. */
export interface Source<T> {
  /** Default operator name of the source. */
  readonly name: string;
  /** Whether more than one parallel instance may read it (each reading its own split). */
  readonly parallel: boolean;
  /**
   * Whether its readers resume from `restoredPositions` (every former instance's), so that a
   * checkpoint may be restored with another parallelism of the source. Default false: a
   * source restores only at the parallelism it had.
   */
  readonly rescalable?: boolean;
  /** Called by the runtime: one reader per parallel instance, created in its task. */
  createReader(split: SplitContext): SourceReader<T>;
  /** In the application's thread: what a reader in a task manager sent with `toApplication` (decode it: it comes from another thread). */
  fromTaskManager?(message: unknown, from: TaskManagerInstance): void;
}
