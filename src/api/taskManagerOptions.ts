/**
 * What taskManagers above 1 asks of a job and of the environment's options: how many task
 * managers a job gets, what they cannot run yet (refused before anything starts, every problem
 * listed), and the options as plain data for them to decode again.
 */
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { isLogger } from '../logging/logger';
import { CheckpointConfig } from '../checkpoint/CheckpointConfig';
import { EnvironmentConfig, StreamEnvironmentOptions } from './EnvironmentConfig';

/** Never more task managers than the job's highest parallelism: one more would hold no task. */
export function taskManagerCount(asked: number, plan: ExecutionPlan): number {
  return Math.min(asked, Math.max(1, ...plan.tasks.map((t) => t.parallelism)));
}

/** Why the job cannot run on task managers yet; none: it can. */
export function taskManagerProblems(plan: ExecutionPlan, config: EnvironmentConfig, checkpoints: CheckpointConfig | undefined): string[] {
  const problems: string[] = [];
  const prefix = `taskManagers ${config.taskManagers}`;
  if (config.stateBackend !== 'memory') problems.push(`${prefix}: keyed state in Redis does not run on task managers yet; use stateBackend 'memory' or taskManagers 1`);
  if (checkpoints?.mode === 'at-most-once') problems.push(`${prefix}: at-most-once checkpoints do not run on task managers yet; use exactly-once, at-least-once, or taskManagers 1`);
  const alone = [...new Set(plan.tasks.flatMap((t) => t.chain.filter((n) => n.supervision?.directive === 'restartTask').map((n) => `'${n.name}'`)))];
  if (alone.length > 0) problems.push(`${prefix}: the restartTask supervision (${alone.join(', ')}) does not run on task managers yet: a failure there restarts the job; drop it or use taskManagers 1`);
  return problems;
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
