/**
 * What the REST API and the dashboard use of a job; api/JobHandle.ts fits it. Declared here,
 * not taken from the API: web/ sits below the API, which loads it only when a job is served
 * (the `rest` option; docs/internals.md, the layers).
 */
import type { SavepointInfo } from '../checkpoint/Savepoint';
import type { JobCheckpoints } from '../checkpoint/coordinatorProtocol';
import type { ExecutionPlan } from '../graph/ExecutionPlan';
import type { JobMetricsSampler } from '../metrics/JobMetricsSampler';
import type { JobStatus } from '../metrics/JobStatus';
import type { StallDiagnosis } from '../metrics/stallDiagnosis';
import type { JobFailure } from '../runtime/jobFailures';

export interface ServedJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: JobStatus;
  /** ms since the epoch. */
  readonly startTime: number;
  readonly checkpointing: boolean;
  readonly plan: ExecutionPlan;
  readonly sampler: Pick<JobMetricsSampler, 'latest'>;
  /** Settles when the job ends. */
  readonly result: Promise<unknown>;
  cancel(): Promise<unknown>;
  failures(): readonly JobFailure[];
  checkpointHistory(): Promise<JobCheckpoints>;
  /** The diagnosis with what the job adds to it (the sample's time, hot keys), served as JSON. */
  stallDiagnosis(): Promise<StallDiagnosis>;
  savepoint(dir: string): Promise<SavepointInfo>;
  stopWithSavepoint(dir: string, options?: { readonly drain?: boolean }): Promise<SavepointInfo>;
}
