/**
 * The messages between a job's actors. Between one producing and one consuming task, nact
 * delivers messages in the order they were sent, so records and end-of-input keep their order
 * (invariant 1). Records cross only as batches, and only as many as the consumer granted.
 */
import { Ref } from 'nact';
import { TaskId } from '../graph/ExecutionPlan';
import { JobCounters, TaskCounters } from '../metrics/TaskCounters';

export type TaskMsg =
  /** Connects the task to its peers: refs by input channel and by output channel. */
  | { readonly type: 'task.wire'; readonly inputs: readonly Ref<TaskMsg>[]; readonly outputs: readonly Ref<TaskMsg>[] }
  /** A batch of records on one of the task's input channels. */
  | { readonly type: 'records'; readonly channel: number; readonly records: readonly unknown[] }
  /** The producer on this input channel will send nothing more. */
  | { readonly type: 'endOfInput'; readonly channel: number }
  /** The consumer on this output channel may take `credits` more records. */
  | { readonly type: 'demand'; readonly channel: number; readonly credits: number }
  /** A source task's reminder to itself to read the next batch (lets other messages in between). */
  | { readonly type: 'source.poll' }
  | { readonly type: 'task.report'; readonly replyTo: Ref<TaskCounters> };

export interface TaskFinished {
  readonly task: TaskId;
  readonly counters: TaskCounters;
  /** Records a collecting sink in this task gathered, by node id. */
  readonly collected: ReadonlyArray<readonly [number, readonly unknown[]]>;
}

export type MasterMsg =
  | { readonly type: 'task.finished'; readonly report: TaskFinished }
  | { readonly type: 'task.failed'; readonly task: TaskId; readonly error: Error }
  | { readonly type: 'task.closed'; readonly task: TaskId }
  | { readonly type: 'job.cancel' }
  | { readonly type: 'job.counters'; readonly replyTo: Ref<JobCounters> };

export type TaskRef = Ref<TaskMsg>;
export type MasterRef = Ref<MasterMsg>;
