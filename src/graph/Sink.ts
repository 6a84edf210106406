/**
 * The sink interface connectors implement. Each parallel instance writes through its own
 * writer; a writer that returns a promise makes its task wait, which is backpressure: the
 * task grants no new credits upstream until the write has finished.
 */

import type { Ref } from 'nact';
import type { Logger } from '../logging/logger';
import type { TaskManagerInstance } from './TaskManagerInstance';

/** What a sink's writer is told about the instance it writes for. */
export interface SinkContext {
  readonly index: number;
  readonly parallelism: number;
  readonly jobName: string;
  /** The task actor writing: a writer may spawn child actors under it (they stop with the task). */
  readonly actor?: Ref<unknown>;
  /** The checkpoint the job was restored from; undefined on a fresh start. */
  readonly restoredCheckpointId?: number;
  /**
   * A job over instances (docs/cluster.md): the job's epoch this writer runs under. An instance
   * cut off and back (a zombie) runs an older epoch until it notices: a transactional writer
   * keeps its ids apart from newer epochs', so the zombie cannot fence them.
   */
  readonly epoch?: number;
  /** The task's logger: a writer logs its retries and its client's lines here. */
  readonly logger?: Logger;
  /**
   * Set when the writer runs in a task manager's thread (taskManagers above 1): sends `message`
   * (plain data) to the sink object in the application's thread, to its `fromTaskManager`.
   */
  readonly toApplication?: (message: unknown) => void;
  /** Set with `toApplication`: registers the writer's handler of what the sink object replies (TaskManagerInstance.reply). */
  readonly fromApplication?: (handler: (message: unknown) => void) => void;
}

/** What one parallel instance of a sink writes through. */
export interface SinkWriter<T> {
  /** Before the first batch: connect, open files. */
  open?(): void | Promise<void>;
  /** Writes one batch, in order. */
  write(records: readonly T[]): void | Promise<void>;
  /** End of input: make everything written durable. */
  finish?(): void | Promise<void>;
  /** Releases the writer's handles; called exactly once, also after failure or cancel. */
  close?(): void | Promise<void>;
}

/** Where a stream's records go (`stream.sinkTo(sink)`): a description, with a writer per parallel instance. */
export interface Sink<T> {
  readonly name: string;
  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter(context: SinkContext): SinkWriter<T>;
  /**
   * In the application's thread: what a writer in a task manager sent with `toApplication`
   * (decode it: it comes from another thread). A sink whose results the application reads
   * from the sink object (CollectSink) gets them here; see docs/task-managers.md.
   */
  fromTaskManager?(message: unknown, from: TaskManagerInstance): void;
  /**
   * In the application's thread: the writer of instance `index` ran in a task manager whose
   * thread ended (it was terminated, crashed or ran out of memory) before the writer closed:
   * what its `close` would have told the application, the sink object says here.
   */
  taskManagerLost?(index: number): void;
}
