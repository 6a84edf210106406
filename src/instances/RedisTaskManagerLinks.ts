/**
 * The job master's end of the link to task managers in other processes (docs/internals.md,
 * "Instances of one job across processes"): commands go to each instance's stream in Redis
 * through a script fenced by the job's epoch; what the instances say arrives from one stream.
 */
import type { LoggingOption } from '../logging/logger';
import type { TaskManagerCommand, TaskManagerMsg } from '../cluster/taskManagerProtocol';
import type { TaskManagerLinkFailure } from './taskManagerLinkErrors';

export interface TaskManagerLinksOptions {
  /** The job's Redis, `redis://host:port[/db]` (the one membership uses). */
  readonly redis: string;
  readonly applicationId: string;
  /** The epoch this master runs under: its commands are refused once the job's epoch is another. */
  readonly epoch: number;
  /** The bound on each Redis command and on an outage of the reading connection (default 30000 ms). */
  readonly operationTimeoutMs?: number;
  /** Entries kept per stream (default 10000); a reader that falls this far behind fails. */
  readonly maxLength?: number;
  readonly logging?: LoggingOption;
}

/** The job master's end of the link. */
export interface TaskManagerLinks {
  /** Appends `command` to the instance's stream; rejects with a FencedCommandError once the job's epoch is not this master's. */
  send(instanceId: string, command: TaskManagerCommand): Promise<void>;
  /** The one receiver of what instances say under this master's epoch (set once; reading starts then). */
  onMessage(listener: (instanceId: string, msg: TaskManagerMsg) => void): void;
  /** Hears the reader's failures (a fatal one already past is told at once). */
  onFailure(listener: (failure: TaskManagerLinkFailure) => void): void;
  /** Deletes the stream of an instance that left the job (fenced as `send`). */
  forget(instanceId: string): Promise<void>;
  /** Stops reading and closes both connections at once; sends in flight reject. */
  close(): Promise<void>;
}

export const RedisTaskManagerLinks = {
  open(_options: TaskManagerLinksOptions): Promise<TaskManagerLinks> {
    return Promise.reject(new Error('RedisTaskManagerLinks: not built'));
  },
};
