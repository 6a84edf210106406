/**
 * How the job master tells of a failure: into the job's failure history (`job.failures()`)
 * and one log line with the cause and what the job does about it, so that a job restarting on
 * a poison record says why every time.
 */
import { absurd } from 'fp-ts/function';
import { TaskPlan } from '../graph/ExecutionPlan';
import { Logger, loggedError } from '../logging/logger';
import { FailureAction, JobFailure, failureSite } from './jobFailures';

/** The job's restarts so far, for the line of a job restart. */
export interface RestartFigures {
  readonly restarts: number;
  readonly delayMs: number;
}

export function logFailure(
  logger: Logger,
  onFailure: (failure: JobFailure) => void,
  report: { readonly error: Error; readonly task: TaskPlan | undefined; readonly action: FailureAction; readonly why: string },
  figures: RestartFigures,
): void {
  const { error, task, action, why } = report;
  const failure: JobFailure = { time: Date.now(), ...failureSite(error, task), error, action };
  onFailure(failure);
  const where = failure.operator === undefined ? 'the job' : `operator '${failure.operator}' (instance ${failure.instance})`;
  // A task's failure has its stack on the task's own line already.
  const fields = { task: task?.id, operator: failure.operator, instance: failure.instance, record: failure.record, action, error: loggedError(error, { stack: task === undefined }) };
  switch (action) {
    case 'restartJob':
      logger.warn({ ...fields, restarts: figures.restarts, delayMs: figures.delayMs }, `${where} failed, the job restarts (${why}): ${error.message}`);
      return;
    case 'restartTask':
      logger.warn(fields, `${where} failed, its task restarts alone (${why}): ${error.message}`);
      return;
    case 'failJob':
      logger.error(fields, `${where} failed, the job fails (${why}): ${error.message}`);
      return;
    case 'none':
      logger.warn(fields, `${where} failed while ${why}: ${error.message}`);
      return;
    default:
      return absurd(action);
  }
}
