/**
 * In the application's thread, one instance of a source or a sink whose reader or writer runs
 * in a task manager (taskManagers above 1): what its `fromTaskManager` receives came from it,
 * and a reply goes back to it. How an actor source and an actor sink stay with the
 * application's actors while their tasks run in other threads (docs/task-managers.md).
 */
import { Ref } from 'nact';

export interface TaskManagerInstance {
  /** The instance's index (its subtask). */
  readonly index: number;
  /** Sends plain data to the instance's `fromApplication` handler; dropped once its attempt has ended. */
  reply(message: unknown): void;
  /** An actor of the application's thread a connector may spawn its helpers under. */
  readonly parent: Ref<unknown>;
}
