/** What the job master gives each task it deploys. */
import { Logger } from '../logging/logger';
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { ThreadLedger } from '../metrics/TaskMetrics';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { KeyGroupRange } from '../state/keyGroups';
import { CheckpointingMode, TaskRestore } from '../checkpoint/CheckpointTypes';
import { CoordinatorRef } from '../checkpoint/coordinatorProtocol';
import { MasterRef } from './protocol';

/** Which operator a keyed backend is for: a remote backend names its key space after it. */
export interface KeyedStateOwner {
  readonly operatorUid: string;
  /** The task's logger: a remote backend logs its connection's trouble there. */
  readonly logger?: Logger;
}

export type KeyedStateBackendFactory = (range: KeyGroupRange, maxParallelism: number, owner: KeyedStateOwner) => KeyedStateBackend;

export interface TaskDeps {
  readonly plan: ExecutionPlan;
  readonly task: TaskPlan;
  /** Which deployment of the job this task belongs to; messages of older attempts are ignored. */
  readonly attempt: number;
  /** How many times this task was restarted alone within the attempt (restartTask); 0 at first. */
  readonly incarnation?: number;
  readonly master: MasterRef;
  /** Present exactly when `checkpointing` is. */
  readonly coordinator: CoordinatorRef | undefined;
  readonly checkpointing: CheckpointingMode | undefined;
  /** Exactly-once by unaligned checkpoints: barriers overtake buffered records. */
  readonly unaligned: boolean;
  readonly restore: TaskRestore | undefined;
  readonly createKeyedStateBackend: KeyedStateBackendFactory;
  /** A job over instances: the job's epoch this attempt runs under (docs/cluster.md). */
  readonly epoch?: number;
  /** The task's logger: the job's, with the task's id, name and index on every line. */
  readonly logger: Logger;
  /** At-most-once: saves how far this source task will have read, before it emits; durable like the checkpoints. */
  readonly saveSourceProgress: ((position: unknown) => Promise<void>) | undefined;
  /** Metrics on: the task accounts its time (busy, back-pressured, idle) per message, against the job's ledger of its thread. */
  readonly metrics?: ThreadLedger;
  /** In a task manager's thread: sends `message` to the sink object of node `uid` in the application's thread (Sink.fromTaskManager). */
  readonly toApplication?: (uid: string, message: unknown) => void;
  /** In a task manager's thread: registers the handler of what node `uid`'s object in the application's thread replies. */
  readonly fromApplication?: (uid: string, handler: (message: unknown) => void) => void;
}
