/**
 * Starts a planned job: an actor system of its own, the job master under it, and the
 * outcome as a promise. The system is stopped once the job has settled.
 */
import { Ref, dispatch, query, start, stop } from 'nact';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { JobCounters } from '../metrics/TaskCounters';
import { KeyedStateBackendFactory } from './Task';
import { JobOutcome, spawnJobMaster } from './jobMasterActor';
import { JobStatus } from './jobLifecycle';

export interface JobRun {
  readonly outcome: Promise<JobOutcome>;
  status(): JobStatus;
  cancel(): void;
  counters(): Promise<JobCounters>;
}

const COUNTERS_TIMEOUT_MS = 10_000;
let jobCounter = 0;

export function runJob(plan: ExecutionPlan, createKeyedStateBackend: KeyedStateBackendFactory): JobRun {
  const system = start();
  let status: JobStatus = 'created';
  let settled: JobOutcome | undefined;
  let resolve!: (o: JobOutcome) => void;
  const outcome = new Promise<JobOutcome>((r) => (resolve = r));
  const name = `job-${++jobCounter}-${plan.jobName.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase()}`;
  const master = spawnJobMaster(system, name, {
    plan,
    createKeyedStateBackend,
    onStatus: (s) => (status = s),
    onSettled: (o) => {
      if (settled !== undefined) return;
      settled = o;
      // Let the master's own stop run before the system goes.
      setImmediate(() => stop(system));
      resolve(o);
    },
  });
  return {
    outcome,
    status: () => status,
    cancel: () => {
      if (settled === undefined) dispatch(master, { type: 'job.cancel' });
    },
    counters: () =>
      settled !== undefined
        ? Promise.resolve(settled.counters)
        : query(master, (replyTo: Ref<JobCounters>) => ({ type: 'job.counters' as const, replyTo }), COUNTERS_TIMEOUT_MS),
  };
}
