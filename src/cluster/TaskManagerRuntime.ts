/**
 * What a task manager's thread runs once its job's graph is built: an actor system with the
 * tasks the job master placed here, each wired to its peers in this thread by nact refs and to
 * those of other threads by exchange bridges (ExchangeOutlet, ExchangeInlet); stand-ins for the
 * master and the coordinator carry the tasks' reports to the master's thread. It carries out
 * the master's commands (taskManagerProtocol.ts) and nothing else. Above ~300 lines on
 * purpose: every command of that protocol is handled here, so the protocol reads in one place.
 */
import { absurd } from 'fp-ts/function';
import { dispatch, query, start, stop } from 'nact';
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { TaskRestore } from '../checkpoint/CheckpointTypes';
import { Logger, createLogger } from '../logging/logger';
import { HOT_KEY_SAMPLE_MS } from '../metrics/TaskMetrics';
import { MemoryKeyedStateBackend } from '../state/MemoryKeyedStateBackend';
import { CheckpointTaskMsg } from '../checkpoint/coordinatorProtocol';
import { spawnTask } from '../runtime/taskActor';
import { TaskDeps } from '../runtime/TaskDeps';
import { TaskMsg, TaskRef } from '../runtime/protocol';
import { ExchangeError } from './ExchangeError';
import { FramePort } from './FramePort';
import { EXCHANGE_READ_AHEAD, ExchangeInlet, spawnInlet } from './ExchangeInlet';
import { ExchangeOutlet, spawnOutlet } from './ExchangeOutlet';
import { Bridge, DeployCommand, KeyedStateSetting, Question, TaskManagerCommand, TaskManagerMsg } from './taskManagerProtocol';
import { spawnCoordinatorStandIn, spawnMasterStandIn } from './workerRefs';


/** What a task manager reads of the environment's options (EnvironmentConfig has it): where its tasks log. */
export interface TaskManagerConfig {
  readonly logging: Parameters<typeof createLogger>[0];
}
/** How long a task has to answer a question of the master's (counters, metrics). */
const ANSWER_TIMEOUT_MS = 5000;

interface Deployed {
  readonly ref: TaskRef;
  /** How many times the task restarted alone before this one ran (restartTask). */
  readonly incarnation: number;
  /** Its ends of channels to other threads, by `out/<channel>` and `in/<channel>`. */
  readonly bridges: Map<string, Bridged>;
  /** Told to stop, or closed: its bridges' failures are no failure of the job any more. */
  stopping: boolean;
  /**
   * It finished (reported task.finished): its bridges' failures are no failure either. A job
   * stopped at a savepoint without drain ends no channel (no end of input goes through them),
   * and once every task finished the master stops them all: a port whose other end another
   * thread closed first may close here before this thread is told to stop its task.
   */
  finished: boolean;
}

interface Bridged {
  end?: ExchangeInlet | ExchangeOutlet;
  /** Its actor: the task's peer ref on that channel. */
  ref?: TaskRef;
  /** Replaced by a new channel (its peer restarted alone): its end closing is no failure. */
  retired: boolean;
}

/** What every task of the running attempt is spawned with; a task restarted alone too. */
interface AttemptContext {
  readonly command: DeployCommand;
  readonly logger: Logger;
  readonly ledger: TaskDeps['metrics'];
  readonly backend: TaskDeps['createKeyedStateBackend'];
}

export class TaskManagerRuntime {
  private readonly system = start();
  private readonly master;
  private readonly coordinator;
  private readonly byId: ReadonlyMap<TaskId, TaskPlan>;
  private attempt = -1;
  private tasks = new Map<TaskId, Deployed>();
  private context: AttemptContext | undefined;
  /** Handlers of what sources' and sinks' objects in the application's thread reply, by `<task>/<uid>`. */
  private fromApplication = new Map<string, (message: unknown) => void>();
  /** Bridge actors made, for unique names (a channel re-bridged gets a new actor). */
  private bridgesMade = 0;
  /** At-most-once: source positions sent to the master's thread to save, by request. */
  private readonly saving = new Map<number, { readonly resolve: () => void; readonly reject: (e: Error) => void }>();
  private requests = 0;

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly config: TaskManagerConfig,
    private readonly index: number,
    private readonly say: (msg: TaskManagerMsg) => void,
    /** Opens a bridge's channel: its MessagePort between threads; between instances, the instance's KafkaExchange. */
    private readonly openBridge: (bridge: Bridge) => FramePort = portOf,
  ) {
    this.master = spawnMasterStandIn(this.system, (msg) => {
      if (msg.type === 'taskManager.toMaster') {
        // A task that closed (finished, or failed and about to restart alone) fails no more: its channels' ends may close now.
        if (msg.msg.type === 'task.closed') {
          const closed = this.current(msg.msg.attempt, msg.msg.task as TaskId);
          if (closed !== undefined) closed.stopping = true;
        }
        // Marked before the master hears of it: see Deployed.finished.
        if (msg.msg.type === 'task.finished') {
          const finished = this.current(msg.msg.attempt, msg.msg.report.task as TaskId);
          if (finished !== undefined) finished.finished = true;
        }
      }
      say(msg);
    });
    this.coordinator = spawnCoordinatorStandIn(this.system, say);
    this.byId = new Map(plan.tasks.map((t) => [t.id, t]));
  }

  handle(command: TaskManagerCommand): void {
    switch (command.type) {
      case 'taskManager.deploy':
        return this.deploy(command);
      case 'taskManager.toTask': {
        const task = this.current(command.attempt, command.task as TaskId);
        // Checkpoint ids are numbers on the wire; the task's protocol brands them.
        if (task !== undefined) dispatch(task.ref, command.msg as CheckpointTaskMsg as TaskMsg);
        return;
      }
      case 'taskManager.ask':
        return this.ask(command.attempt, command.task as TaskId, command.request, command.question);
      case 'taskManager.stopTask': {
        const task = this.current(command.attempt, command.task as TaskId);
        if (task === undefined || task.stopping) return;
        task.stopping = true;
        stop(task.ref);
        for (const bridge of task.bridges.values()) bridge.end?.close();
        return;
      }
      case 'taskManager.restartTask':
        return this.restartTask(command);
      case 'taskManager.rebridge':
        return this.rebridge(command);
      case 'taskManager.progressSaved': {
        const pending = this.saving.get(command.request);
        this.saving.delete(command.request);
        if (command.error === null) pending?.resolve();
        else pending?.reject(new Error(`saving the source's progress failed: ${command.error}`));
        return;
      }
      case 'taskManager.fromApplication':
        if (command.attempt === this.attempt) this.fromApplication.get(`${command.task}/${command.uid}`)?.(command.message);
        return;
      case 'taskManager.ping':
        return this.say({ type: 'taskManager.pong' });
      case 'taskManager.stop':
        // Its channels close with it: a thread's ports close as it ends, a Kafka channel's only when told (so its peers see it and the exchange stops reading it).
        for (const task of this.tasks.values()) {
          task.stopping = true;
          for (const bridge of task.bridges.values()) bridge.end?.close();
        }
        stop(this.system);
        return;
      default:
        return absurd(command);
    }
  }

  private current(attempt: number, id: TaskId): Deployed | undefined {
    return attempt === this.attempt ? this.tasks.get(id) : undefined;
  }

  private ask(attempt: number, id: TaskId, request: number, question: Question): void {
    const task = this.current(attempt, id);
    if (task === undefined || task.stopping) return this.say({ type: 'taskManager.answer', request, answer: undefined });
    const timeout = question.type === 'task.hotKeys' ? HOT_KEY_SAMPLE_MS + ANSWER_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
    query(task.ref, (replyTo) => ({ ...question, replyTo }) as TaskMsg, timeout).then(
      (answer: unknown) => this.say({ type: 'taskManager.answer', request, answer }),
      () => this.say({ type: 'taskManager.answer', request, answer: undefined }),
    );
  }

  private deploy(command: DeployCommand): void {
    const { attempt } = command;
    this.attempt = attempt;
    this.tasks = new Map();
    this.fromApplication = new Map();
    this.context = {
      command,
      logger: createLogger(this.config.logging).child({ job: this.plan.jobName, jobId: command.jobId, taskManager: this.index }),
      ledger: command.metrics ? { busyMs: 0 } : undefined,
      backend: keyedStateBackends(command.keyedState, command.jobId),
    };
    for (const { id, restore } of command.tasks) this.spawn(this.context, this.taskOf(id as TaskId), 0, restore);
    const outlets = new Map<string, TaskRef>();
    const inlets = new Map<string, TaskRef>();
    for (const o of command.outlets) outlets.set(`${o.task}/${o.channel}`, this.outlet(attempt, this.deployed(o.task as TaskId), o));
    for (const i of command.inlets) inlets.set(`${i.task}/${i.channel}`, this.inlet(attempt, this.deployed(i.task as TaskId), i));
    for (const task of this.plan.tasks) {
      const here = this.tasks.get(task.id);
      if (here !== undefined) this.wire(task, here, (c) => inlets.get(`${task.id}/${c}`), (k) => outlets.get(`${task.id}/${k}`));
    }
  }

  /**
   * restartTask: the task's successor, from `restore`. Peers here are told first, then it is
   * wired (as deploymentWiring does in one thread); peers elsewhere take the new ports
   * (`taskManager.rebridge`) and close the old ones, whose other ends here then close as
   * failures of the predecessor, which are no failure any more.
   */
  private restartTask(command: Extract<TaskManagerCommand, { type: 'taskManager.restartTask' }>): void {
    const { attempt, incarnation } = command;
    const context = this.context;
    if (attempt !== this.attempt || context === undefined) return closePorts(command);
    const task = this.taskOf(command.task as TaskId);
    const predecessor = this.tasks.get(task.id);
    if (predecessor !== undefined) predecessor.stopping = true;
    const successor = this.spawn(context, task, incarnation, command.restore);
    const outlets = new Map(command.outlets.map((o) => [o.channel, this.outlet(attempt, successor, o)]));
    const inlets = new Map(command.inlets.map((i) => [i.channel, this.inlet(attempt, successor, i)]));
    for (const peer of this.plan.tasks) {
      const here = peer.id === task.id ? undefined : this.tasks.get(peer.id);
      if (here === undefined) continue;
      peer.outputs.flatMap((edge) => edge.channels).forEach((end, channel) => end.task === task.id && dispatch(here.ref, { type: 'task.peerReplaced', side: 'output', channel, ref: successor.ref }));
      peer.inputs.forEach((end, channel) => end.task === task.id && dispatch(here.ref, { type: 'task.peerReplaced', side: 'input', channel, ref: successor.ref }));
    }
    this.wire(task, successor, (c) => inlets.get(c), (k) => outlets.get(k));
  }

  /** A peer elsewhere restarted alone: each task here on a channel to it takes the new port, told that its peer there changed. */
  private rebridge(command: Extract<TaskManagerCommand, { type: 'taskManager.rebridge' }>): void {
    const { attempt } = command;
    if (attempt !== this.attempt) return closePorts(command);
    for (const o of command.outlets) {
      const producer = this.current(attempt, o.task as TaskId);
      if (producer === undefined || producer.stopping) closeUnopened(o);
      else dispatch(producer.ref, { type: 'task.peerReplaced', side: 'output', channel: o.channel, ref: this.outlet(attempt, producer, o) });
    }
    for (const i of command.inlets) {
      const consumer = this.current(attempt, i.task as TaskId);
      if (consumer === undefined || consumer.stopping) closeUnopened(i);
      else dispatch(consumer.ref, { type: 'task.peerReplaced', side: 'input', channel: i.channel, ref: this.inlet(attempt, consumer, i) });
    }
  }

  private spawn(context: AttemptContext, task: TaskPlan, incarnation: number, restore: unknown): Deployed {
    const { command, logger, ledger, backend } = context;
    const { attempt } = command;
    const deps: TaskDeps = {
      plan: this.plan,
      task,
      attempt,
      incarnation,
      master: this.master,
      coordinator: command.checkpointing === null ? undefined : this.coordinator,
      checkpointing: command.checkpointing ?? undefined,
      unaligned: command.unaligned,
      restore: (restore ?? undefined) as TaskRestore | undefined,
      createKeyedStateBackend: backend,
      ...(command.epoch === undefined ? {} : { epoch: command.epoch }),
      logger: logger.child({ task: task.id, operator: task.name, index: task.index }),
      saveSourceProgress: task.source !== undefined && command.checkpointing === 'at-most-once' ? (position) => this.saveProgress(attempt, task.id, position) : undefined,
      metrics: ledger,
      toApplication: (uid, message) => this.say({ type: 'taskManager.toApplication', attempt, task: task.id, uid, message }),
      fromApplication: (uid, handler) => void this.fromApplication.set(`${task.id}/${uid}`, handler),
    };
    const deployed: Deployed = { ref: spawnTask(this.system, deps), incarnation, bridges: new Map(), stopping: false, finished: false };
    this.tasks.set(task.id, deployed);
    return deployed;
  }

  /** Wires a task here: a peer here by its ref, a peer elsewhere by the bridge on that channel. */
  private wire(task: TaskPlan, here: Deployed, inlet: (channel: number) => TaskRef | undefined, outlet: (channel: number) => TaskRef | undefined): void {
    const peer = (id: TaskId, bridge: TaskRef | undefined, what: string): TaskRef => {
      const ref = (id === task.id ? undefined : this.tasks.get(id)?.ref) ?? bridge;
      if (ref === undefined) throw new Error(`task manager ${this.index}: task ${id} is neither here nor bridged (${task.id} ${what}): the command is incomplete`);
      return ref;
    };
    const inputs = task.inputs.map((end, c) => peer(end.task, inlet(c), `input ${c}`));
    const outputs = task.outputs.flatMap((edge) => edge.channels).map((end, k) => peer(end.task, outlet(k), `output ${k}`));
    dispatch(here.ref, { type: 'task.wire', inputs, outputs });
  }

  /** The producing task's end of a channel to another thread (replacing the one it had on that channel). */
  private outlet(attempt: number, producer: Deployed, b: Bridge): TaskRef {
    const bridged = this.bridged(producer, `out/${b.channel}`);
    const outlet = new ExchangeOutlet(this.openBridge(b), b.name, b.channel, this.failed(attempt, b.task as TaskId, producer, bridged));
    bridged.end = outlet;
    outlet.attach(producer.ref);
    bridged.ref = spawnOutlet(this.system, outlet, `outlet-${b.task}-${b.channel}-a${attempt}-${++this.bridgesMade}`);
    return bridged.ref;
  }

  /** The consuming task's end of a channel from another thread (replacing the one it had on that channel). */
  private inlet(attempt: number, consumer: Deployed, b: Bridge): TaskRef {
    const bridged = this.bridged(consumer, `in/${b.channel}`);
    const inlet = new ExchangeInlet(this.openBridge(b), b.name, b.channel, consumer.ref, { records: EXCHANGE_READ_AHEAD * this.plan.channelCapacity, handlerCapacity: this.plan.channelCapacity }, this.failed(attempt, b.task as TaskId, consumer, bridged));
    bridged.end = inlet;
    bridged.ref = spawnInlet(this.system, inlet, `inlet-${b.task}-${b.channel}-a${attempt}-${++this.bridgesMade}`);
    return bridged.ref;
  }

  /** A new bridge of `task` on `key`; the one it replaces is retired, closed and stopped (what it still held for the old peer is dropped). */
  private bridged(task: Deployed, key: string): Bridged {
    const old = task.bridges.get(key);
    if (old !== undefined) {
      old.retired = true;
      old.end?.close();
      if (old.ref !== undefined) stop(old.ref);
    }
    const bridged: Bridged = { retired: false };
    task.bridges.set(key, bridged);
    return bridged;
  }

  /** At-most-once: the checkpoint store is in the master's thread; the source awaits its answer before it emits. */
  private saveProgress(attempt: number, task: TaskId, position: unknown): Promise<void> {
    const request = ++this.requests;
    return new Promise((resolve, reject) => {
      this.saving.set(request, { resolve, reject });
      this.say({ type: 'taskManager.saveProgress', request, attempt, task, position });
    });
  }

  private taskOf(id: TaskId): TaskPlan {
    const task = this.byId.get(id);
    if (task === undefined) throw new Error(`task manager ${this.index}: task ${id} is not in the plan built here`);
    return task;
  }

  private deployed(id: TaskId): Deployed {
    const task = this.tasks.get(id);
    if (task === undefined) throw new Error(`task manager ${this.index}: a bridge for task ${id}, which is not deployed here`);
    return task;
  }

  /** A bridge of `task` failed: a failure of that task, unless it was told to stop, succeeded, or the bridge replaced. */
  private failed(attempt: number, id: TaskId, task: Deployed, bridged: Bridged): (error: ExchangeError) => void {
    return (error) => {
      if (bridged.retired || task.stopping || task.finished || attempt !== this.attempt) return;
      const why = error._tag === 'PeerGone' ? 'the task manager at its other end is gone' : error.reason;
      dispatch(this.master, { type: 'task.failed', attempt, task: id, error: new Error(`exchange channel ${error.channel} failed (${error._tag}): ${why}`) });
    };
  }
}

/** The keyed state backends of an attempt's tasks here: the same as in the application's thread. */
function keyedStateBackends(setting: KeyedStateSetting, jobId: string): TaskDeps['createKeyedStateBackend'] {
  if (setting.type === 'memory') return (range, maxParallelism) => new MemoryKeyedStateBackend(range, maxParallelism);
  const { incremental, fencing, ...options } = setting;
  // Loaded only for Redis state: ioredis and the backend are modules a task manager on memory state need not compile at boot.
  const { redisKeyedStateBackendFactory } = require('../state/RedisKeyedStateBackend') as typeof import('../state/RedisKeyedStateBackend');
  return redisKeyedStateBackendFactory(options, jobId, incremental ?? undefined, fencing);
}

/** A command of an attempt that has ended: its ports lead nowhere. */
function closePorts(command: { readonly outlets: readonly Bridge[]; readonly inlets: readonly Bridge[] }): void {
  for (const b of [...command.outlets, ...command.inlets]) closeUnopened(b);
}

/** A bridge that will not be opened: its port is closed (so the other end sees it gone); a Kafka address holds nothing open. */
function closeUnopened(bridge: Bridge): void {
  if ('port' in bridge) bridge.port.close();
}

/** Between threads: the bridge's own MessagePort. A Kafka bridge needs the instance's exchange. */
function portOf(bridge: Bridge): FramePort {
  if ('port' in bridge) return bridge.port;
  if ('local' in bridge) throw new Error(`exchange channel ${bridge.name} is between two task managers of an instance (${bridge.local.key}): its instance hands each end its port, and none was handed here`);
  throw new Error(`exchange channel ${bridge.name} goes through Kafka (${bridge.kafka.topic}), and this task manager has no Kafka exchange to open it (openBridge)`);
}
