/**
 * A task manager's end of the link to the job master (docs/internals.md, "Instances of one job
 * across processes"): it reads the commands of its instance's stream in Redis and says what it
 * has to say on the stream the master reads.
 */
import type { LoggingOption } from '../logging/logger';
import type { TaskManagerCommand, TaskManagerMsg } from '../cluster/taskManagerProtocol';
import type { TaskManagerLinkFailure } from './taskManagerLinkErrors';

export interface TaskManagerInboxOptions {
  /** The job's Redis, `redis://host:port[/db]` (the one membership uses). */
  readonly redis: string;
  readonly applicationId: string;
  readonly instanceId: string;
  /** The bound on each Redis command and on an outage of the reading connection (default 30000 ms). */
  readonly operationTimeoutMs?: number;
  /** Entries kept per stream (default 10000). */
  readonly maxLength?: number;
  readonly logging?: LoggingOption;
}

/** A task manager's end of the link. */
export interface TaskManagerInbox {
  /**
   * The one receiver of commands, in the order the masters sent them (set once; reading starts
   * then). Commands of an epoch older than the newest seen (or than the job's epoch at open)
   * are dropped, and logged once per epoch.
   */
  onCommand(listener: (command: TaskManagerCommand, epoch: number) => void): void;
  /** Appends `msg` to the master's stream, under `epoch` (the master of another epoch ignores it). */
  say(msg: TaskManagerMsg, epoch: number): Promise<void>;
  /** Hears the reader's failures (a fatal one already past is told at once). */
  onFailure(listener: (failure: TaskManagerLinkFailure) => void): void;
  /** Stops reading and closes both connections at once; messages in flight reject. */
  close(): Promise<void>;
}

export const RedisTaskManagerInbox = {
  open(_options: TaskManagerInboxOptions): Promise<TaskManagerInbox> {
    return Promise.reject(new Error('RedisTaskManagerInbox: not built'));
  },
};
