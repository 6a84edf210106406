/**
 * What `execute` returns: a running job. Await it (or its `result`) for the outcome; a failed
 * job rejects with the error that failed it.
 *
 * @example
 * const job = env.execute('counts');
 * setTimeout(() => job.cancel(), 1000);
 * const { status } = await job; // 'cancelled'
 */
import { JobCounters } from '../metrics/TaskCounters';
import { JobStatus } from '../runtime/jobLifecycle';
import { JobRun } from '../runtime/runJob';

export interface JobResult {
  readonly jobName: string;
  readonly status: 'finished' | 'cancelled';
  readonly counters: JobCounters;
  readonly durationMs: number;
  /** @internal Records of collecting sinks by node id. */
  readonly collected: ReadonlyMap<number, unknown[]>;
}

export class JobHandle implements PromiseLike<JobResult> {
  readonly result: Promise<JobResult>;

  /** @internal */
  constructor(readonly jobName: string, private readonly run: JobRun) {
    const started = Date.now();
    this.result = run.outcome.then((o) => {
      if (o.status === 'failed') throw o.error ?? new Error(`job '${jobName}' failed`);
      return { jobName, status: o.status, counters: o.counters, durationMs: Date.now() - started, collected: o.collected };
    });
  }

  /** Where the job is in its lifecycle. */
  get status(): JobStatus {
    return this.run.status();
  }

  /** Stops the job; resolves with its result once every task has closed. */
  cancel(): Promise<JobResult> {
    this.run.cancel();
    return this.result;
  }

  /** The job's counters now: records in and out per operator, summed over instances. */
  counters(): Promise<JobCounters> {
    return this.run.counters();
  }

  then<A = JobResult, B = never>(
    onfulfilled?: ((value: JobResult) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onfulfilled, onrejected);
  }
}
