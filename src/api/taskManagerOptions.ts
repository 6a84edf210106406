/**
 * What taskManagers above 1 asks of a job and of the environment's options: how many task
 * managers a job gets, and the options as plain data for them to decode again.
 */
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { isLogger } from '../logging/logger';
import { StreamEnvironmentOptions } from './EnvironmentConfig';

/** Never more task managers than the job's highest parallelism: one more would hold no task. */
export function taskManagerCount(asked: number, plan: ExecutionPlan): number {
  return Math.min(asked, Math.max(1, ...plan.tasks.map((t) => t.parallelism)));
}

/**
 * The options a task manager decodes: plain data (they cross threads). An application's pino
 * logger stays here (a task manager logs at its level to stderr), and so does `rest`, served
 * from this thread.
 */
export function workerOptions(options: StreamEnvironmentOptions): StreamEnvironmentOptions {
  const { logging, rest: _rest, ...rest } = options;
  if (logging === undefined) return rest;
  return { ...rest, logging: isLogger(logging) ? { level: logging.level as 'info' } : logging };
}
