/**
 * The entry of a task manager's worker thread. It imports the job module named in its start
 * data, finds the job defineJob registered there, builds the graph with the application's
 * options and parameters, and sends the plan's shape back, or why it could not. Then it runs
 * the tasks the job master places on it (TaskManagerRuntime) until told to stop. One of an
 * instance's task managers (setup.instance) takes each command with its master's epoch and
 * keeps epochs as an instance with one thread does (InstanceTaskManager): a runtime per deploy.
 */
import { parentPort, workerData } from 'worker_threads';
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { StreamEnvironment } from '../api/StreamEnvironment';
import { StreamEnvironmentOptions } from '../api/EnvironmentConfig';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { definedJob } from '../api/defineJob';
import { planShape } from '../cluster/planShape';
import { TaskManagerRuntime } from '../cluster/TaskManagerRuntime';
import { ThreadUsage } from './threadUsage';
import { TaskManagerCommandCodec, TaskManagerMsg, TaskManagerSetupCodec } from '../cluster/taskManagerProtocol';
import { InstanceThreadCommandCodec, InstanceThreadMsg } from '../cluster/instanceThreadProtocol';
import { InstanceTaskManager } from '../cluster/InstanceTaskManager';
import { createLogger } from '../logging/logger';
import { KafkaExchange } from '../cluster/KafkaExchange';
import { bridgeOpener } from '../cluster/bridgeOpener';

const parent = parentPort;
if (parent === null) throw new Error('taskManagerWorker runs only as a worker thread (bootTaskManager starts it)');
const decoded = TaskManagerSetupCodec.decode(workerData);
if (isLeft(decoded)) throw new Error(`a task manager was started with bad setup: ${PathReporter.report(decoded).join('; ')}`);
const setup = decoded.right;
const say = (msg: TaskManagerMsg) => parent.postMessage(msg);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** With channels through Kafka (setup.exchange): this thread's exchange, open before it says it is ready. */
let exchange: KafkaExchange | undefined;
const openBridge = bridgeOpener(() => exchange, `task manager ${setup.index}`);

/** What runs the tasks here: a task manager of the application's job, or one of an instance's. */
type Runner = { readonly kind: 'thread'; readonly runtime: TaskManagerRuntime } | { readonly kind: 'instance'; readonly taskManager: InstanceTaskManager };

function build(): { readonly msg: TaskManagerMsg; readonly runner?: Runner } {
  const refused = (reason: string) => ({ msg: { type: 'taskManager.refused', index: setup.index, reason } as const });
  try {
    // The job module is known only at run time; require() loads CommonJS and (Node ≥ 20.19) ES modules without top-level await.
    require(setup.module);
  } catch (e) {
    return refused(`importing ${setup.module} failed: ${message(e)} (every task manager imports the job module: keep its top level free of side effects and of what exists only in the application's thread)`);
  }
  const definition = definedJob(setup.module, setup.job);
  if (definition === undefined) return refused(`${setup.module} defines no job named '${setup.job}' when imported in a worker thread: call defineJob with the module's own __filename or import.meta.url, at its top level`);
  let plan: ExecutionPlan;
  let env: StreamEnvironment;
  try {
    // The options were the application's; decoded again here, as any input from another thread.
    env = StreamEnvironment.create(setup.environment as StreamEnvironmentOptions);
    definition.build(env, setup.params);
    plan = env.plan(setup.jobName);
  } catch (e) {
    return refused(`building job '${setup.job}' of ${setup.module} failed: ${message(e)}`);
  }
  const ready: TaskManagerMsg = { type: 'taskManager.ready', index: setup.index, shape: planShape(plan) };
  if (setup.instance !== true) return { msg: ready, runner: { kind: 'thread', runtime: new TaskManagerRuntime(plan, env.config, setup.index, say, openBridge) } };
  const taskManager = new InstanceTaskManager({
    plan,
    config: env.config,
    say: (m, epoch) => Promise.resolve(parent!.postMessage({ type: 'instance.say', epoch, msg: m } satisfies InstanceThreadMsg)),
    openBridge,
    // The job's end is the instance's to hear (its main thread): the leader tells no task manager.
    onJobEnd: () => undefined,
    logger: createLogger(env.config.logging).child({ taskManager: setup.index }),
    index: setup.index,
  });
  return { msg: ready, runner: { kind: 'instance', taskManager } };
}

const usage = new ThreadUsage(setup.index);
const { msg, runner } = build();
void ready();
/** Ends the thread: the exchange's connections would keep it alive. */
function finish(sayUsage: boolean): void {
  void (exchange?.close() ?? Promise.resolve()).then(() => {
    if (sayUsage) say({ type: 'taskManager.usage', usage: usage.finish() });
    parent!.close();
  });
}
parent.on('message', (m: unknown) => {
  if (runner?.kind === 'instance') {
    const command = InstanceThreadCommandCodec.decode(m);
    if (isLeft(command)) throw new Error(`task manager ${setup.index} of an instance was sent what is not a command: ${PathReporter.report(command).join('; ')}`);
    const c = command.right;
    if (c.type === 'instance.command') return runner.taskManager.handle(c.command, c.epoch);
    if (c.type === 'instance.ownership') return runner.taskManager.ownershipChanged(c);
    runner.taskManager.close();
    return finish(false);
  }
  const runtime = runner?.runtime;
  const command = TaskManagerCommandCodec.decode(m);
  if (isLeft(command)) throw new Error(`task manager ${setup.index} was sent what is not a command: ${PathReporter.report(command).join('; ')}`);
  if (command.right.type === 'taskManager.stop' || runtime === undefined) {
    runtime?.handle(command.right);
    return finish(true);
  }
  runtime.handle(command.right);
});

/** Says the thread is ready (or why not) once its Kafka exchange, if it has one, is open. */
async function ready(): Promise<void> {
  const kafka = setup.exchange;
  if (kafka !== undefined && runner !== undefined) {
    try {
      exchange = await KafkaExchange.open({ brokers: kafka.brokers, clientId: `task-manager-${setup.index}`, operationTimeoutMs: kafka.operationTimeoutMs });
    } catch (e) {
      say({ type: 'taskManager.refused', index: setup.index, reason: `its Kafka exchange could not open: ${message(e)}` });
      return;
    }
  }
  say(msg);
}
