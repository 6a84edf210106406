/** What a job master is given, and what it answers when the job has settled. */
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { JobCounters } from '../metrics/TaskCounters';
import { JobMetricsReport } from '../metrics/JobMetrics';
import { CheckpointConfig } from '../checkpoint/CheckpointConfig';
import { CheckpointStore } from '../checkpoint/CheckpointStore';
import { CompletedCheckpoint } from '../checkpoint/CheckpointTypes';
import { RestartStrategy } from '../checkpoint/RestartStrategy';
import { CheckpointStats } from '../checkpoint/coordinatorProtocol';
import { Logger } from '../logging/logger';
import { KeyedStateBackendFactory } from './TaskDeps';
import { JobStatus } from '../metrics/JobStatus';
import { JobFailure } from './jobFailures';
import { TaskManagerDeployment } from './TaskManagerDeployment';

export interface JobOutcome {
  readonly status: 'finished' | 'failed' | 'cancelled';
  /** The failure that failed the job. */
  readonly error: Error | undefined;
  readonly counters: JobCounters;
  /** How many times the job was restarted after a failure. */
  readonly restarts: number;
  /** How many times a task was restarted alone (restartTask supervision). */
  readonly taskRestarts: number;
  /** Checkpoint figures at the end; undefined without checkpointing. */
  readonly checkpoints: CheckpointStats | undefined;
  /** The job's metrics at the end (the finished tasks' last reports). */
  readonly metrics: JobMetricsReport;
}

export interface Checkpointing {
  readonly config: CheckpointConfig;
  readonly store: CheckpointStore;
}

export interface JobMasterDeps {
  readonly plan: ExecutionPlan;
  readonly jobId: string;
  readonly createKeyedStateBackend: KeyedStateBackendFactory;
  readonly checkpointing: Checkpointing | undefined;
  readonly restartStrategy: RestartStrategy;
  /** The job's logger; tasks and the coordinator log through children of it. */
  readonly logger: Logger;
  /** Tasks account their time (busy, back-pressured, idle) for the job's metrics. */
  readonly metrics?: boolean;
  readonly onStatus: (status: JobStatus) => void;
  /** Every failure that reaches the master, with what the job did about it (job.failures()). */
  readonly onFailure: (failure: JobFailure) => void;
  readonly onSettled: (outcome: JobOutcome) => void;
  /** A savepoint or retained checkpoint to start from when the job has no checkpoint of its own (`restoreFrom`). */
  readonly restoreFrom?: CompletedCheckpoint;
  /** Restore a checkpoint even when some of its state has no operator in the job (that state is dropped). */
  readonly allowNonRestoredState: boolean;
  /** See CoordinatorDeps.materialize. */
  readonly materialize?: (checkpoint: CompletedCheckpoint) => Promise<CompletedCheckpoint>;
  /** taskManagers above 1: the tasks run on task managers in worker threads, deployed through this. */
  readonly taskManagers?: TaskManagerDeployment;
}
