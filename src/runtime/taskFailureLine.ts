/**
 * A task's own line about its failure, with the cause (and the record, when a user function
 * failed on one); the job master's line says what the job does about it (failureLog.ts).
 */
import { Logger, loggedError, summarizeRecord } from '../logging/logger';
import { FencedStateWriteError } from '../state/redisFencing';
import { UserFunctionFailed } from './UserFunctionFailed';

/**
 * A write refused by epoch is a warning, not an error: it is how a task of an older assignment
 * learns that its key groups moved to a newer one (an instance joined or left), which happens
 * at every change of a cluster's members.
 */
export function logTaskFailure(logger: Logger, error: Error, when: string): void {
  const record = error instanceof UserFunctionFailed && error.record !== undefined ? summarizeRecord(error.record) : undefined;
  const fields = { error: loggedError(error), ...(record === undefined ? {} : { record }) };
  try {
    if (isFenced(error)) logger.warn(fields, `task failed ${when}, fenced by a newer assignment: ${error.message}`);
    else logger.error(fields, `task failed ${when}: ${error.message}`);
  } catch {
    // An application's logger that throws must not keep the failure from the master.
  }
}

/** The refusal itself, or a user function's failure caused by it (a state write inside the function). */
function isFenced(error: Error): boolean {
  return error instanceof FencedStateWriteError || (error instanceof UserFunctionFailed && error.cause instanceof FencedStateWriteError);
}
