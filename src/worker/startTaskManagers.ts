/**
 * Starts task managers for a job and checks each built the same graph as this thread, without
 * running anything on them: how a spec (and a tool) checks that a job module can be built in
 * worker threads. TaskManagers does the same for a running job.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { StreamEnvironmentOptions } from '../api/EnvironmentConfig';
import { JobDefinition } from '../api/defineJob';
import { TaskManager, TaskManagersOptions, bootTaskManager } from '../cluster/bootTaskManager';
import { planDifferences, planShape } from '../cluster/planShape';
import { TaskManagerCommand } from '../cluster/taskManagerProtocol';

/**
 * Plans the job in this thread, starts `count` task managers, and checks that each built the
 * same graph. Left: every problem, with every thread terminated.
 */
export async function startTaskManagers<P>(definition: JobDefinition<P, unknown>, params: P, options: TaskManagersOptions & { readonly environment: StreamEnvironmentOptions }): Promise<Either<readonly string[], readonly TaskManager[]>> {
  if (!(Number.isInteger(options.count) && options.count >= 1)) throw new Error(`count must be a positive integer, got ${options.count}`);
  const env = StreamEnvironment.create(options.environment);
  definition.build(env, params);
  const expected = planShape(env.plan(options.jobName));
  const booted = await Promise.all(Array.from({ length: options.count }, (_, i) => bootTaskManager(definition, params, options, i)));
  const problems = booted.flatMap((b) => (isLeft(b) ? [b.left] : planDifferences(expected, b.right.shape).map((d) => `task manager ${b.right.index} built another graph: ${d}`)));
  const managers = booted.flatMap((b) => (isLeft(b) ? [] : [b.right]));
  if (problems.length === 0) return right(managers);
  await stopTaskManagers(managers);
  return left(problems);
}

/** Asks each task manager to stop and waits until its thread has ended. */
export async function stopTaskManagers(managers: readonly TaskManager[]): Promise<void> {
  const stop: TaskManagerCommand = { type: 'taskManager.stop' };
  await Promise.all(
    managers.map((m) => {
      m.worker.postMessage(stop);
      return m.ended;
    }),
  );
}
