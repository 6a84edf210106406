/**
 * Starts task managers on worker threads for a job defined with defineJob, and checks that
 * each built the same graph as the application's thread (prototype: the runtime does not use
 * it yet; docs/internals.md, "Task managers on worker threads — design"). Whatever stops a
 * task manager from coming up — its thread throwing, exiting, running out of memory, the job
 * module failing to import or to build, a different graph — is a value listing the problem,
 * and every thread started is terminated again.
 */
import * as path from 'path';
import { ResourceLimits, Worker } from 'worker_threads';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { StreamEnvironmentOptions } from '../api/EnvironmentConfig';
import { JobDefinition } from './defineJob';
import { PlanShape, planDifferences, planShape } from './planShape';
import { TaskManagerCommand, TaskManagerMsgCodec, TaskManagerSetup } from './taskManagerProtocol';
import { TASK_MANAGER_MARKER } from './taskManagerIdentity';

export interface TaskManagersOptions {
  readonly count: number;
  readonly jobName: string;
  /** The environment's options, as the application gives them to StreamEnvironment.create. */
  readonly environment: StreamEnvironmentOptions;
  /** Each thread's heap limits: a task manager that exceeds them exits, which is its failure. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * Modules each thread requires before anything else, resolved from the job module's folder:
   * a TypeScript loader, since loaders installed in the application's thread do not reach
   * worker threads. Default: `tsx/cjs` when the job module or this one is TypeScript and tsx
   * is installed, else none.
   */
  readonly preload?: readonly string[];
}

export interface TaskManager {
  readonly index: number;
  readonly worker: Worker;
  readonly shape: PlanShape;
  /** Settles when the thread ends, with why: for the job master to turn into a failure of the tasks it ran. */
  readonly ended: Promise<string>;
}

// The worker's entry beside this file, compiled (.js) or run from source under tsx (.ts).
const WORKER_SCRIPT = path.join(__dirname, `taskManagerWorker${path.extname(__filename)}`);
const TYPESCRIPT = /\.[cm]?ts$/;

/** The modules a task manager requires first, as absolute paths. */
function preloads(definition: JobDefinition<unknown>, preload: readonly string[] | undefined): string[] {
  const from = { paths: [path.dirname(definition.module)] };
  if (preload !== undefined) return preload.map((m) => require.resolve(m, from));
  if (!TYPESCRIPT.test(definition.module) && !TYPESCRIPT.test(WORKER_SCRIPT)) return [];
  try {
    return [require.resolve('tsx/cjs', from)];
  } catch {
    return [];
  }
}

/**
 * A CommonJS stub evaluated as the thread's entry: it requires the preloads, then the task
 * manager's entry, so that a TypeScript loader is in place before any TypeScript is read.
 */
const workerStub = (modules: readonly string[]) => modules.map((m) => `require(${JSON.stringify(m)});`).join('\n');

/** One task manager: its thread up with the job's graph built, or why not (the thread is terminated then). */
export function bootTaskManager<P>(definition: JobDefinition<P>, params: P, options: TaskManagersOptions, index: number): Promise<Either<string, TaskManager>> {
  const setup: TaskManagerSetup = { kind: TASK_MANAGER_MARKER, index, count: options.count, module: definition.module, job: definition.name, jobName: options.jobName, params, environment: options.environment };
  const stub = workerStub([...preloads(definition as JobDefinition<unknown>, options.preload), WORKER_SCRIPT]);
  const worker = new Worker(stub, { eval: true, workerData: setup, resourceLimits: options.resourceLimits });
  // The first of the thread's error or exit, for as long as the thread lives.
  const ended = new Promise<string>((resolve) => {
    worker.on('error', (e: Error) => resolve(`task manager ${index} failed: ${e.message}`));
    worker.on('exit', (code) => resolve(`task manager ${index} exited with code ${code}`));
  });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Either<string, TaskManager>) => {
      if (settled) return;
      settled = true;
      if (isLeft(outcome)) void worker.terminate();
      resolve(outcome);
    };
    worker.on('message', (m: unknown) => {
      const msg = TaskManagerMsgCodec.decode(m);
      if (isLeft(msg)) return settle(left(`task manager ${index} sent what is not a task manager message: ${PathReporter.report(msg).join('; ')}`));
      settle(msg.right.type === 'taskManager.ready' ? right({ index, worker, shape: msg.right.shape, ended }) : left(`task manager ${index}: ${msg.right.reason}`));
    });
    void ended.then((reason) => settle(left(`${reason} before its graph was built`)));
  });
}

/**
 * Plans the job in this thread, starts `count` task managers, and checks that each built the
 * same graph. Left: every problem, with every thread terminated.
 */
export async function startTaskManagers<P>(definition: JobDefinition<P>, params: P, options: TaskManagersOptions): Promise<Either<readonly string[], readonly TaskManager[]>> {
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
