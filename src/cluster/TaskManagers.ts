/**
 * The task managers of one job, seen from the job master's thread: it starts them (each builds
 * the job's graph and must build the same plan as this thread), deploys each attempt's tasks
 * on them by placement.ts, with a MessageChannel per channel that crosses threads, and replaces
 * a thread that ended before the next attempt deploys. What runs in each is TaskManagerRuntime.
 */
import { MessageChannel, ResourceLimits, TransferListItem } from 'worker_threads';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { TaskRef } from '../runtime/protocol';
import { RemoteDeployRequest, RemoteRestartRequest, TaskManagerDeployment } from '../runtime/TaskManagerDeployment';
import { JobModule, bootTaskManager } from './bootTaskManager';
import { PlanShape, planDifferences, planShape } from './planShape';
import { crossingChannels, taskManagerOf } from './placement';
import { Bridge, DeployCommand, KeyedStateSetting } from './taskManagerProtocol';
import { Connector, Receivers, TaskManagerThread } from './TaskManagerThread';
import { TaskManagerUsage } from './taskManagerUsage';
import { spawnTaskStandIn } from './taskStandIn';
import { bridgesOf, deployCommand, kafkaTargets, rebridging, restartAlone } from './remoteCommands';
import { KafkaChannelWiring } from './KafkaChannelWiring';
import { KafkaChannelEnds } from './exchangeTopic';

/** Crossing channels through Kafka instead of MessagePorts: the exchange between instances, tried on threads. */
export interface KafkaChannelsHook {
  readonly brokers: readonly string[];
  readonly applicationId: string;
  readonly operationTimeoutMs: number;
}

/**
 * Specs only: set `kafkaChannels` before a job starts and its task managers' crossing channels
 * go through Kafka (each thread with a KafkaExchange of its own, as an instance has), so that
 * the jobs of the task-manager specs prove the Kafka channel end to end, barriers and recovery
 * included. The channels between instances are wired by the job on instances, not by this.
 */
export const taskManagersTestHooks: { kafkaChannels?: KafkaChannelsHook } = {};

export interface TaskManagersSettings {
  readonly count: number;
  readonly jobName: string;
  /** The environment's options (StreamEnvironmentOptions), plain data: each thread decodes them again. */
  readonly environment: object;
  readonly resourceLimits?: ResourceLimits;
  /** How long a task manager may leave the master's pings unanswered before it counts as hung. */
  readonly hangTimeoutMs: number;
  /** Where the keyed tasks keep their state (each task manager's tasks open their own Redis connections). */
  readonly keyedState: KeyedStateSetting;
}

export class TaskManagers implements TaskManagerDeployment {
  private readonly threads: Array<Promise<Either<string, TaskManagerThread>> | undefined>;
  private readonly expected: PlanShape;
  private readonly connectors: Receivers['connectors'];
  private readonly connectorsOf: Receivers['connectorsOf'];
  private readonly byId: ReadonlyMap<TaskId, TaskPlan>;
  private readonly indexOf: ReadonlyMap<TaskId, number>;
  private stopped = false;
  /** The running attempt: its threads, its master, and the task's stand-ins (a task restarted alone gets a new one). */
  private running: { readonly attempt: number; readonly master: RemoteDeployRequest['master']; readonly threads: readonly TaskManagerThread[]; readonly standIns: Map<TaskId, TaskRef> } | undefined;
  /** With the specs' hook: channels through Kafka, wired by this (made at the first deploy). */
  private readonly kafkaChannels = taskManagersTestHooks.kafkaChannels;
  private kafkaWiring: KafkaChannelWiring | undefined;

  constructor(
    private readonly definition: JobModule,
    private readonly params: unknown,
    private readonly plan: ExecutionPlan,
    private readonly settings: TaskManagersSettings,
  ) {
    this.expected = planShape(plan);
    this.byId = new Map(plan.tasks.map((t) => [t.id, t]));
    this.indexOf = new Map(plan.tasks.map((t) => [t.id, t.index]));
    const sinksOf = (t: TaskPlan) => t.chain.flatMap((n) => (n.sink === undefined ? [] : [[n.uid, n.sink] as const]));
    const sourceOf = (t: TaskPlan) => (t.source === undefined ? [] : [[t.source.node.uid, t.source.source] as const]);
    this.connectors = new Map<string, Connector>(plan.tasks.flatMap((t) => [...sinksOf(t), ...sourceOf(t)]));
    this.connectorsOf = new Map(plan.tasks.map((t) => [t.id, [...sinksOf(t), ...sourceOf(t)].map(([uid]) => uid)]));
    // They boot while the master starts: a boot takes a second or more.
    this.threads = Array.from({ length: settings.count }, (_, i) => this.boot(i));
  }

  private async boot(index: number): Promise<Either<string, TaskManagerThread>> {
    const kafka = this.kafkaChannels;
    const exchange = kafka === undefined ? undefined : { brokers: [...kafka.brokers], operationTimeoutMs: kafka.operationTimeoutMs };
    const booted = await bootTaskManager(this.definition, this.params, { ...this.settings, exchange }, index);
    if (isLeft(booted)) return booted;
    const differences = planDifferences(this.expected, booted.right.shape);
    const thread = new TaskManagerThread(index, booted.right.worker, booted.right.ended, this.settings.hangTimeoutMs);
    if (differences.length === 0) return right(thread);
    await thread.shutdown();
    return left(differences.map((d) => `task manager ${index} built another graph: ${d}`).join('; '));
  }

  /** Every thread up, a dead one replaced; left: every problem. */
  private async ready(): Promise<Either<string, TaskManagerThread[]>> {
    const booted = await Promise.all(
      this.threads.map(async (pending, i) => {
        const current = pending === undefined ? undefined : await pending;
        if (current !== undefined && !isLeft(current) && current.right.isAlive) return current;
        const replaced = (this.threads[i] = this.boot(i));
        return replaced;
      }),
    );
    const problems = booted.flatMap((b) => (isLeft(b) ? [b.left] : []));
    // A boot that failed is tried again at the next deploy.
    booted.forEach((b, i) => (isLeft(b) ? (this.threads[i] = undefined) : undefined));
    return problems.length > 0 ? left(problems.join('\n')) : right(booted.flatMap((b) => (isLeft(b) ? [] : [b.right])));
  }

  async deploy(request: RemoteDeployRequest): Promise<Either<string, ReadonlyMap<TaskId, TaskRef>>> {
    if (this.stopped) return left('the job has ended');
    const ready = await this.ready();
    if (isLeft(ready)) return ready;
    const threads = ready.right;
    const count = threads.length;
    const { attempt } = request;
    const commands: DeployCommand[] = threads.map(() => deployCommand(request, this.settings.keyedState));
    const transfers: TransferListItem[][] = threads.map(() => []);
    for (const task of this.plan.tasks) commands[taskManagerOf(task, count)].tasks.push({ id: task.id, restore: request.restores.get(task.id) ?? null });
    const crossing = crossingChannels(this.plan, count);
    let kafkaEnds: KafkaChannelEnds[] | undefined;
    try {
      kafkaEnds = await this.wireKafka(crossing);
    } catch (e) {
      return left(`wiring the channels through Kafka failed: ${(e as Error).message}`);
    }
    crossing.forEach((c, k) => {
      if (kafkaEnds !== undefined) {
        const { outlet, inlet } = bridgesOf(c, kafkaTargets(kafkaEnds[k]));
        commands[c.from].outlets.push(outlet);
        commands[c.to].inlets.push(inlet);
        return;
      }
      const { port1, port2 } = new MessageChannel();
      commands[c.from].outlets.push({ task: c.producer, channel: c.output, name: c.name, port: port1 });
      commands[c.to].inlets.push({ task: c.consumer, channel: c.input, name: c.name, port: port2 });
      transfers[c.from].push(port1);
      transfers[c.to].push(port2);
    });
    const receivers: Receivers = { master: request.master, coordinator: request.coordinator, connectors: this.connectors, connectorsOf: this.connectorsOf, indexOf: this.indexOf, saveSourceProgress: request.saveSourceProgress };
    threads.forEach((thread, i) => thread.startAttempt(attempt, commands[i].tasks.map((t) => t.id as TaskId), receivers));
    threads.forEach((thread, i) => thread.post(commands[i], transfers[i]));
    const refs = new Map<TaskId, TaskRef>();
    for (const task of this.plan.tasks) refs.set(task.id, spawnTaskStandIn(request.master, `${task.actorName}-a${attempt}`, attempt, task.id, threads[taskManagerOf(task, count)]));
    this.running = { attempt, master: request.master, threads, standIns: new Map(refs) };
    return right(refs);
  }

  restartTask(request: RemoteRestartRequest): Either<string, TaskRef> {
    const running = this.running;
    const task = this.byId.get(request.task);
    if (task === undefined) throw new Error(`task ${request.task} is not in the plan of job '${this.plan.jobName}'`);
    if (running === undefined || running.attempt !== request.attempt) return left(`attempt ${request.attempt} is not the running one`);
    const { threads } = running;
    const count = threads.length;
    const here = taskManagerOf(task, count);
    if (!threads[here].isAlive) return left(`task manager ${here} is gone`);
    const crossing = crossingChannels(this.plan, count).filter((c) => c.producer === task.id || c.consumer === task.id);
    const kafkaEnds = this.kafkaWiring?.rewire(crossing);
    if (kafkaEnds !== undefined) return right(restartAlone(threads, here, task, request, running, rebridging(task.id, crossing, kafkaEnds.map(kafkaTargets), count)));
    // A new port for each of its channels to another thread; the peer's end takes it in place of the old.
    const mine = { outlets: [] as Bridge[], inlets: [] as Bridge[] };
    const peers = threads.map(() => ({ outlets: [] as Bridge[], inlets: [] as Bridge[] }));
    const transfers: TransferListItem[][] = threads.map(() => []);
    crossing.forEach((c) => {
      const { port1, port2 } = new MessageChannel();
      if (c.producer === task.id) {
        mine.outlets.push({ task: c.producer, channel: c.output, name: c.name, port: port1 });
        peers[c.to].inlets.push({ task: c.consumer, channel: c.input, name: c.name, port: port2 });
        transfers[c.to].push(port2);
      } else {
        mine.inlets.push({ task: c.consumer, channel: c.input, name: c.name, port: port1 });
        peers[c.from].outlets.push({ task: c.producer, channel: c.output, name: c.name, port: port2 });
        transfers[c.from].push(port2);
      }
      transfers[here].push(port1);
    });
    return right(restartAlone(threads, here, task, request, running, { mine, peers, transfers }));
  }

  /** Fault injection for specs: terminates task manager `index`'s thread. */
  async terminate(index: number): Promise<void> {
    const thread = await this.threads[index];
    if (thread !== undefined && !isLeft(thread)) await thread.right.terminate();
  }

  /** What each task manager's current thread used, of those that stopped when told (after shutdown: all that ran to the end). */
  async usage(): Promise<TaskManagerUsage[]> {
    const threads = await Promise.all(this.threads.map((pending) => pending));
    return threads.flatMap((t) => (t === undefined || isLeft(t) || t.right.usage === undefined ? [] : [t.right.usage]));
  }

  /** With the specs' hook: both ends of each crossing channel in Kafka (the topic made at the first deploy); otherwise undefined. */
  private async wireKafka(crossing: ReturnType<typeof crossingChannels>): Promise<KafkaChannelEnds[] | undefined> {
    const kafka = this.kafkaChannels;
    if (kafka === undefined) return undefined;
    this.kafkaWiring ??= await KafkaChannelWiring.open(this.plan, { ...kafka, epoch: 0 });
    return this.kafkaWiring.wire(crossing);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.kafkaWiring?.close();
    await Promise.all(
      this.threads.map(async (pending) => {
        const thread = pending === undefined ? undefined : await pending;
        if (thread !== undefined && !isLeft(thread)) await thread.right.shutdown();
      }),
    );
  }
}
