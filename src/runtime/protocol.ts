/**
 * The messages between a job's actors. Between one producing and one consuming task, nact
 * delivers messages in the order they were sent, so records and end-of-input keep their order
 * (docs/internals.md, invariant 1). Records cross only as batches, and only as many as the consumer granted.
 */
import { Ref } from 'nact';
import { TaskId } from '../checkpoint/TaskId';
import { JobCounters, TaskCounters } from '../metrics/TaskCounters';
import { HotKeys, TaskMetricsReport } from '../metrics/TaskMetrics';
import { JobMetricsReport } from '../metrics/JobMetrics';
import { CheckpointId, TaskSnapshot } from '../checkpoint/CheckpointTypes';
import { CheckpointStats, CheckpointTaskMsg, CoordinatorReport, JobCheckpoints } from '../checkpoint/coordinatorProtocol';
import { SavepointInfo } from '../checkpoint/Savepoint';

/**
 * An in-band event: it travels in order with the records around it on one channel and takes no
 * credit. The producer's output gate sends it; the consumer receives it on its input channel.
 */
export type ChannelEvent =
  /** Checkpoint barrier `id`: everything before it on this channel belongs to checkpoint `id`. */
  | { readonly type: 'barrier'; readonly id: CheckpointId }
  /** Cancellation marker: checkpoint `id` was abandoned upstream; stop waiting for its barrier. */
  | { readonly type: 'barrier.cancel'; readonly id: CheckpointId }
  /** Event time on this channel has reached `watermark`: no record with a smaller timestamp follows. */
  | { readonly type: 'watermark'; readonly watermark: number }
  /** The producer is idle: until its next watermark, do not hold event time back for it. */
  | { readonly type: 'idle' }
  /** The producer on this channel will send nothing more. */
  | { readonly type: 'endOfInput' };

/** A message as the consumer receives it: on its input channel `channel`. */
export type OnChannel<M> = M & { readonly channel: number };

export type TaskMsg =
  /** Connects the task to its peers: refs by input channel and by output channel. */
  | { readonly type: 'task.wire'; readonly inputs: readonly Ref<TaskMsg>[]; readonly outputs: readonly Ref<TaskMsg>[] }
  /** A batch of records on one of the task's input channels. */
  | { readonly type: 'records'; readonly channel: number; readonly records: readonly unknown[]; readonly timestamps: readonly number[] }
  | OnChannel<ChannelEvent>
  | CheckpointTaskMsg
  /** A processing-time timer of this task is due. */
  | { readonly type: 'timers.fire' }
  /** Fault injection: crash the task actor here, through the real supervision path. */
  | { readonly type: 'task.crash'; readonly reason: string }
  /** The consumer on this output channel may take `credits` more records. */
  | { readonly type: 'demand'; readonly channel: number; readonly credits: number }
  /** The peer task on one of this task's channels was restarted alone (restartTask): `ref` is its successor. */
  | { readonly type: 'task.peerReplaced'; readonly side: 'input' | 'output'; readonly channel: number; readonly ref: Ref<TaskMsg> }
  /** A source task's reminder to itself to read the next batch (lets other messages in between). */
  | { readonly type: 'source.poll' }
  /** Stop with drain: a source task ends its input now, as if its source had no more records. */
  | { readonly type: 'source.end' }
  | { readonly type: 'task.report'; readonly replyTo: Ref<TaskCounters> }
  /** Cumulative figures for the job's metrics. */
  | { readonly type: 'task.metrics'; readonly replyTo: Ref<TaskMetricsReport> }
  /** The most frequent keys waiting at the task's input (the stall diagnosis). */
  | { readonly type: 'task.hotKeys'; readonly limit: number; readonly replyTo: Ref<HotKeys> };

export interface TaskDrained {
  readonly task: TaskId;
  readonly attempt: number;
  /** The task's final snapshot, taken after its input ended (with checkpointing on). */
  readonly snapshot: TaskSnapshot | undefined;
}

export interface TaskFinished {
  readonly task: TaskId;
  readonly counters: TaskCounters;
  /** The task's last metrics report, so that a finished job's metrics stay exact. */
  readonly metrics: TaskMetricsReport;
}

export type MasterMsg =
  | { readonly type: 'task.drained'; readonly report: TaskDrained }
  | { readonly type: 'task.finished'; readonly attempt: number; readonly report: TaskFinished }
  | { readonly type: 'task.failed'; readonly attempt: number; readonly task: TaskId; readonly error: Error }
  | { readonly type: 'task.closed'; readonly attempt: number; readonly task: TaskId }
  | CoordinatorReport
  | { readonly type: 'job.deploy' }
  /** A failure outside any task (the final checkpoint could not be stored). */
  | { readonly type: 'job.failure'; readonly attempt: number; readonly error: Error }
  /** Fault injection: crash task `task` through its real supervision path (a task not deployed now is left alone). */
  | { readonly type: 'job.crashTask'; readonly task: TaskId; readonly reason: string }
  | { readonly type: 'job.triggerCheckpoint'; readonly replyTo: Ref<CheckpointId | Error> }
  | { readonly type: 'job.checkpointStats'; readonly replyTo: Ref<CheckpointStats> }
  /** The figures and history as the coordinator last reported them (at each checkpoint's or savepoint's end). */
  | { readonly type: 'job.checkpointHistory'; readonly replyTo: Ref<JobCheckpoints> }
  | { readonly type: 'job.savepoint'; readonly dir: string; readonly replyTo: Ref<SavepointInfo | Error> }
  /** `drain`: sources end their input first, so event time ends and windows fire; otherwise the job stops where the savepoint is. */
  | { readonly type: 'job.stopWithSavepoint'; readonly dir: string; readonly drain: boolean; readonly replyTo: Ref<SavepointInfo | Error> }
  | { readonly type: 'job.cancel' }
  | { readonly type: 'job.counters'; readonly replyTo: Ref<JobCounters> }
  | { readonly type: 'job.metrics'; readonly replyTo: Ref<JobMetricsReport> }
  /** The hottest keys queued at one task (the stall diagnosis); an unknown task answers with none. */
  | { readonly type: 'job.hotKeys'; readonly task: TaskId; readonly limit: number; readonly replyTo: Ref<HotKeys> };

export type TaskRef = Ref<TaskMsg>;
export type MasterRef = Ref<MasterMsg>;
