/**
 * Starts a task manager on a worker thread for a job defined with defineJob: the thread
 * imports the job module and builds the job's graph (TaskManagers checks it is the plan of the
 * application's thread). Whatever stops a task manager from coming up — its thread throwing,
 * exiting, running out of memory, the job module failing to import or to build — is a value
 * saying why, and the thread is terminated.
 */
import * as path from 'path';
import { ResourceLimits, Worker } from 'worker_threads';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { PlanShape } from './planShape';
import { TaskManagerMsgCodec, TaskManagerSetup } from './taskManagerProtocol';
import { TASK_MANAGER_MARKER } from './taskManagerIdentity';

/** Which job a task manager builds: the module that defines it and its name there (a JobDefinition fits). */
export interface JobModule {
  readonly module: string;
  readonly name: string;
}

export interface TaskManagersOptions {
  readonly count: number;
  readonly jobName: string;
  /** The environment's options as the application gave them to StreamEnvironment.create, plain data: each thread decodes them again. */
  readonly environment: object;
  /** Each thread's heap limits: a task manager that exceeds them exits, which is its failure. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * Modules each thread requires before anything else, resolved from the job module's folder:
   * a TypeScript loader, since loaders installed in the application's thread do not reach
   * worker threads. Default: `tsx/cjs` when the job module or this one is TypeScript and tsx
   * is installed, else none.
   */
  readonly preload?: readonly string[];
  /** Crossing channels through Kafka: each task manager opens a KafkaExchange on these brokers (TaskManagers' specs hook). */
  readonly exchange?: { readonly brokers: string[]; readonly operationTimeoutMs: number };
  /** One of an instance's task managers (InstanceThreads): it keeps the epochs of its commands. */
  readonly instance?: true;
}

export interface TaskManager {
  readonly index: number;
  readonly worker: Worker;
  readonly shape: PlanShape;
  /** Settles when the thread ends, with why: for the job master to turn into a failure of the tasks it ran. */
  readonly ended: Promise<string>;
}

// The worker's entry, compiled (.js) or run from source under tsx (.ts). A path, not an import:
// the entry builds the job through the API, a layer above this one (src/worker/).
const WORKER_SCRIPT = path.join(__dirname, '..', 'worker', `taskManagerWorker${path.extname(__filename)}`);
const TYPESCRIPT = /\.[cm]?ts$/;

/** The modules a task manager requires first, as absolute paths. */
function preloads(definition: JobModule, preload: readonly string[] | undefined): string[] {
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
export function bootTaskManager<P>(definition: JobModule, params: P, options: TaskManagersOptions, index: number): Promise<Either<string, TaskManager>> {
  const setup: TaskManagerSetup = { kind: TASK_MANAGER_MARKER, index, count: options.count, module: definition.module, job: definition.name, jobName: options.jobName, params, environment: options.environment, ...(options.exchange === undefined ? {} : { exchange: options.exchange }), ...(options.instance === undefined ? {} : { instance: true as const }) };
  const stub = workerStub([...preloads(definition, options.preload), WORKER_SCRIPT]);
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
    // Its first message says whether it built the graph; what follows is the job master's to read.
    worker.once('message', (m: unknown) => {
      const msg = TaskManagerMsgCodec.decode(m);
      if (isLeft(msg)) return settle(left(`task manager ${index} sent what is not a task manager message: ${PathReporter.report(msg).join('; ')}`));
      if (msg.right.type === 'taskManager.ready') return settle(right({ index, worker, shape: msg.right.shape, ended }));
      settle(left(msg.right.type === 'taskManager.refused' ? `task manager ${index}: ${msg.right.reason}` : `task manager ${index} sent '${msg.right.type}' before it was ready`));
    });
    void ended.then((reason) => settle(left(`${reason} before its graph was built`)));
  });
}
