import { JobHandle, JobResult } from '../api/JobHandle';
import { ChangelogRow } from './Change';

/** What executeSql returns: for INSERT INTO the running job, for EXPLAIN the plan. */
export interface TableResult {
  readonly kind: 'ok' | 'job' | 'explain';
  /** The job an INSERT INTO started. */
  readonly jobHandle?: JobHandle;
  /** The plan, for EXPLAIN. */
  readonly explanation?: string;
  /** For a SELECT: runs it and gives every change of its result. */
  collect?(): Promise<ChangelogRow[]>;
  /** Waits for the job of an INSERT INTO to end (immediately done for other statements). */
  await(): Promise<JobResult | undefined>;
  /** Prints the plan of an EXPLAIN (or OK). */
  print(): void;
}

/** The result of a statement that starts nothing (CREATE TABLE, CREATE VIEW). */
export function done(): TableResult {
  return { kind: 'ok', await: async () => undefined, print: () => console.log('OK') };
}
