/**
 * A job's failure history, what `job.failures()` returns: each failure that reached the job
 * master, with where it happened, the record it happened on and what the job did about it.
 * Bounded: the last FAILURE_HISTORY_LIMIT failures, so a job that fails on every restart for
 * days holds a hundred entries, not millions.
 */
import { TaskPlan } from '../graph/ExecutionPlan';
import { summarizeRecord } from '../logging/logger';
import { UserFunctionFailed } from './UserFunctionFailed';

/** What the job did about a failure. */
export type FailureAction =
  /** The failing task was restarted alone (the operator's `restartTask` supervision strategy). */
  | 'restartTask'
  /** The job was restarted from its last completed checkpoint (the restart strategy allowed it). */
  | 'restartJob'
  /** The job failed: no restart left, a `stop` supervision strategy, or nothing to restart from. */
  | 'failJob'
  /** Nothing more: the job was already restarting, failing or being cancelled. */
  | 'none';

/** One failure of a job, as `job.failures()` lists it: when, where, the error, and what the job did about it. */
export interface JobFailure {
  /** When the job master learned of the failure (epoch milliseconds). */
  readonly time: number;
  /**
   * The operator whose code failed; the failing task's name (its chain of operators) when the
   * failure names no operator; undefined for a failure of the job itself (a restore, too many
   * failed checkpoints).
   */
  readonly operator: string | undefined;
  /** The parallel instance (0-based), as `operator`. */
  readonly instance: number | undefined;
  /** A bounded summary of the record being processed (summarizeRecord); undefined outside a record. */
  readonly record: string | undefined;
  readonly error: Error;
  readonly action: FailureAction;
}

/** How many failures `job.failures()` keeps: the most recent ones. */
export const FAILURE_HISTORY_LIMIT = 100;

/** Where a failure happened, as a JobFailure names it. */
export function failureSite(error: Error, task: TaskPlan | undefined): Pick<JobFailure, 'operator' | 'instance' | 'record'> {
  if (error instanceof UserFunctionFailed) {
    return { operator: error.operator, instance: error.instance, record: error.record === undefined ? undefined : summarizeRecord(error.record) };
  }
  return { operator: task?.name, instance: task?.index, record: undefined };
}

/** The last `limit` failures, oldest first. */
export class FailureHistory {
  private readonly entries: JobFailure[] = [];
  constructor(private readonly limit = FAILURE_HISTORY_LIMIT) {}
  add(failure: JobFailure): void {
    this.entries.push(failure);
    if (this.entries.length > this.limit) this.entries.shift();
  }
  list(): readonly JobFailure[] {
    return [...this.entries];
  }
}
