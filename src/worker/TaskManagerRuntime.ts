/**
 * What a task manager's thread runs once its job's graph is built: an actor system with the
 * tasks the job master placed here, each wired to its peers in this thread by nact refs and to
 * those of other threads by exchange bridges (ExchangeOutlet, ExchangeInlet); stand-ins for the
 * master and the coordinator carry the tasks' reports to the master's thread. It carries out
 * the master's commands (taskManagerProtocol.ts) and nothing else.
 */
import { absurd } from 'fp-ts/function';
import { dispatch, query, start, stop } from 'nact';
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { EnvironmentConfig } from '../api/EnvironmentConfig';
import { TaskRestore } from '../checkpoint/CheckpointTypes';
import { createLogger } from '../logging/logger';
import { HOT_KEY_SAMPLE_MS } from '../metrics/TaskMetrics';
import { MemoryKeyedStateBackend } from '../state/MemoryKeyedStateBackend';
import { CheckpointTaskMsg } from '../checkpoint/coordinatorProtocol';
import { spawnTask } from '../runtime/taskActor';
import { TaskDeps } from '../runtime/TaskDeps';
import { TaskMsg, TaskRef } from '../runtime/protocol';
import { ExchangeError } from '../cluster/ExchangeError';
import { ExchangeInlet, spawnInlet } from '../cluster/ExchangeInlet';
import { ExchangeOutlet, spawnOutlet } from '../cluster/ExchangeOutlet';
import { DeployCommand, Question, TaskManagerCommand, TaskManagerMsg } from '../cluster/taskManagerProtocol';
import { spawnCoordinatorStandIn, spawnMasterStandIn } from '../cluster/workerRefs';

/** How long a task has to answer a question of the master's (counters, metrics). */
const ANSWER_TIMEOUT_MS = 5000;

interface Deployed {
  readonly ref: TaskRef;
  readonly bridges: Array<ExchangeInlet | ExchangeOutlet>;
  /** Told to stop: its bridges' failures are no failure of the job any more. */
  stopping: boolean;
}

export class TaskManagerRuntime {
  private readonly system = start();
  private readonly master;
  private readonly coordinator;
  private readonly byId: ReadonlyMap<TaskId, TaskPlan>;
  private attempt = -1;
  private tasks = new Map<TaskId, Deployed>();

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly config: EnvironmentConfig,
    private readonly index: number,
    private readonly say: (msg: TaskManagerMsg) => void,
  ) {
    this.master = spawnMasterStandIn(this.system, say);
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
        for (const bridge of task.bridges) bridge.close();
        return;
      }
      case 'taskManager.stop':
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
    const logger = createLogger(this.config.logging).child({ job: this.plan.jobName, jobId: command.jobId, taskManager: this.index });
    const ledger = command.metrics ? { busyMs: 0 } : undefined;
    const backend = (range: Parameters<TaskDeps['createKeyedStateBackend']>[0], maxParallelism: number) => new MemoryKeyedStateBackend(range, maxParallelism);
    const toApplication = (uid: string, message: unknown) => this.say({ type: 'taskManager.toApplication', uid, message });
    for (const { id, restore } of command.tasks) {
      const task = this.taskOf(id as TaskId);
      const deps: TaskDeps = {
        plan: this.plan,
        task,
        attempt,
        incarnation: 0,
        master: this.master,
        coordinator: command.checkpointing === null ? undefined : this.coordinator,
        checkpointing: command.checkpointing ?? undefined,
        unaligned: command.unaligned,
        restore: (restore ?? undefined) as TaskRestore | undefined,
        createKeyedStateBackend: backend,
        logger: logger.child({ task: task.id, operator: task.name, index: task.index }),
        saveSourceProgress: undefined,
        metrics: ledger,
        toApplication,
      };
      this.tasks.set(task.id, { ref: spawnTask(this.system, deps), bridges: [], stopping: false });
    }
    const outlets = new Map<string, TaskRef>();
    const inlets = new Map<string, TaskRef>();
    for (const o of command.outlets) {
      const producer = this.deployed(o.task as TaskId);
      const outlet = new ExchangeOutlet(o.port, o.name, o.channel, this.failed(attempt, o.task as TaskId));
      producer.bridges.push(outlet);
      outlet.attach(producer.ref);
      outlets.set(`${o.task}/${o.channel}`, spawnOutlet(this.system, outlet, `outlet-${o.task}-${o.channel}-a${attempt}`));
    }
    for (const i of command.inlets) {
      const consumer = this.deployed(i.task as TaskId);
      const inlet = new ExchangeInlet(i.port, i.name, i.channel, consumer.ref, this.failed(attempt, i.task as TaskId));
      consumer.bridges.push(inlet);
      inlets.set(`${i.task}/${i.channel}`, spawnInlet(this.system, inlet, `inlet-${i.task}-${i.channel}-a${attempt}`));
    }
    const peer = (id: TaskId, bridges: Map<string, TaskRef>, key: string): TaskRef => {
      const ref = this.tasks.get(id)?.ref ?? bridges.get(key);
      if (ref === undefined) throw new Error(`task manager ${this.index}: task ${id} is neither here nor bridged (${key}): the deploy command is incomplete`);
      return ref;
    };
    for (const task of this.plan.tasks) {
      const here = this.tasks.get(task.id);
      if (here === undefined) continue;
      const inputs = task.inputs.map((end, c) => peer(end.task, inlets, `${task.id}/${c}`));
      const outputs = task.outputs.flatMap((edge) => edge.channels).map((end, k) => peer(end.task, outlets, `${task.id}/${k}`));
      dispatch(here.ref, { type: 'task.wire', inputs, outputs });
    }
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

  /** A bridge of `task` failed: a failure of that task, unless it was told to stop already. */
  private failed(attempt: number, id: TaskId): (error: ExchangeError) => void {
    return (error) => {
      const task = this.current(attempt, id);
      if (task === undefined || task.stopping) return;
      const why = error._tag === 'PeerGone' ? 'the task manager at its other end is gone' : error.reason;
      dispatch(this.master, { type: 'task.failed', attempt, task: id, error: new Error(`exchange channel ${error.channel} failed (${error._tag}): ${why}`) });
    };
  }
}
