/**
 * How a job master runs its tasks on task managers in other threads (taskManagers above 1):
 * what it asks of them, as an interface of the runtime, so that the runtime does not depend on
 * the cluster that implements it (src/cluster/TaskManagers.ts). Without one, the master spawns
 * its tasks in its own thread, as always.
 */
import { Either } from 'fp-ts/Either';
import { TaskId } from '../checkpoint/TaskId';
import { CheckpointingMode, TaskRestore } from '../checkpoint/CheckpointTypes';
import { CoordinatorRef } from '../checkpoint/coordinatorProtocol';
import { MasterRef, TaskRef } from './protocol';

export interface RemoteDeployRequest {
  readonly attempt: number;
  readonly jobId: string;
  /** The master: tasks' reports come to it; the tasks' stand-ins are its children. */
  readonly master: MasterRef;
  readonly coordinator: CoordinatorRef | undefined;
  readonly restores: ReadonlyMap<TaskId, TaskRestore | undefined>;
  readonly checkpointing: CheckpointingMode | undefined;
  readonly unaligned: boolean;
  readonly metrics: boolean;
  /** At-most-once: saves a source task's position in the checkpoint store, before the source emits what it read. */
  readonly saveSourceProgress: ((task: TaskId, position: unknown) => Promise<void>) | undefined;
}

/** One task of the running attempt restarted alone (restartTask supervision), its predecessor closed. */
export interface RemoteRestartRequest {
  readonly attempt: number;
  readonly task: TaskId;
  /** How many times it was restarted alone in this attempt, this time included. */
  readonly incarnation: number;
  readonly restore: TaskRestore | undefined;
}

export interface TaskManagerDeployment {
  /**
   * Deploys every task of the attempt on its task manager, replacing task managers whose thread
   * ended; the refs stand for the tasks in this thread (a stopped ref stops its task). Left: why
   * the task managers could not be brought up.
   */
  deploy(request: RemoteDeployRequest): Promise<Either<string, ReadonlyMap<TaskId, TaskRef>>>;
  /**
   * Starts the successor of a task that failed and closed, on the task manager of its
   * predecessor, and re-points its peers at it (those in other threads through new channels);
   * the ref stands for it here. Left: why it cannot (its task manager is gone).
   */
  restartTask(request: RemoteRestartRequest): Either<string, TaskRef>;
  /** Ends every task manager; once the job has settled (`outcome`: how, for task managers in other processes). */
  shutdown(outcome?: { readonly status: 'finished' | 'failed' | 'cancelled'; readonly error: Error | undefined }): Promise<void>;
}
