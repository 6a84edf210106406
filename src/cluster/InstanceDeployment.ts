/**
 * The leader's job master runs its tasks on the job's instances (docs/cluster.md): this is its
 * TaskManagerDeployment, as TaskManagers is for threads. Each instance of the assignment the
 * leader holds is a task manager, seen through a TaskManagerThread whose port is the Redis link
 * (commands to the instance's stream under the assignment's epoch, its messages back); subtask
 * i of every operator goes to the owner of slot i, and each channel between two instances goes
 * through Kafka (ExchangeWiring). A new assignment (an instance died, joined or left: a new
 * epoch) ends every task manager of the old one: their attempt fails, and the master's restart
 * deploys the next attempt under the new epoch, from the last completed checkpoint, on the new
 * owners (a global restore). A task restarted alone (restartTask) stays on its instance, its
 * channels wired again through Kafka.
 */
import { Either, isRight, left, right } from 'fp-ts/Either';
import { stop } from 'nact';
import { ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { TaskId } from '../checkpoint/TaskId';
import { Logger } from '../logging/logger';
import { MasterRef, TaskRef } from '../runtime/protocol';
import { RemoteDeployRequest, RemoteRestartRequest, TaskManagerDeployment } from '../runtime/TaskManagerDeployment';
import { CrossingChannel, crossingChannels } from './placement';
import { DeployCommand, KeyedStateSetting, TaskManagerCommand, TaskManagerMsg } from './taskManagerProtocol';
import { Connector, Receivers, TaskManagerPort, TaskManagerThread } from './TaskManagerThread';
import { spawnTaskStandIn } from './taskStandIn';
import { ChannelTargets, bridgesOf, deployCommand, kafkaTargets, rebridging, restartAlone } from './remoteCommands';
import { KafkaChannelEnds } from './exchangeTopic';
import { HeldAssignment } from '../instances/joinInstances';
import { slotOf } from '../instances/jobSlots';
import { TaskManagerLinks } from './RedisTaskManagerLinks';
import { FencedCommandError } from './taskManagerLinkErrors';
import type { StateFencing } from '../state/redisFencing';
import { PlacementChanged } from '../runtime/PlacementChanged';

/** Where the frames of each channel between two instances go (KafkaChannelWiring): per deploy, and per channel wired again. */
export interface ChannelWiring {
  wire(crossing: readonly CrossingChannel[]): Promise<readonly KafkaChannelEnds[]>;
  rewire(crossing: readonly CrossingChannel[]): readonly KafkaChannelEnds[];
  close(): Promise<void>;
}

export interface InstanceDeploymentSettings {
  readonly plan: ExecutionPlan;
  /** The assignment the leader holds now (every instance's slots), and its epoch. */
  readonly assignment: () => HeldAssignment | undefined;
  /** Opens the master's end of the link under `epoch` (RedisTaskManagerLinks.open). */
  readonly openLinks: (epoch: number) => Promise<TaskManagerLinks>;
  /** Makes (or checks) the exchange topic and wires channels under `epoch` (KafkaChannelWiring.open). */
  readonly openWiring: (epoch: number) => Promise<ChannelWiring>;
  /** Where the keyed tasks keep their state; each deploy adds the fencing of its epoch. */
  readonly keyedState: KeyedStateSetting;
  /** Task managers per instance (`taskManagers`; every instance runs the same): an instance's slots are dealt over them. */
  readonly threadsPerInstance?: number;
  /** The job's epoch key in Redis (membershipKeys(applicationId).epoch). */
  readonly epochKey: string;
  readonly hangTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * One assignment's task managers, on a link under its epoch: each instance's, in member order
 * (one per instance, or `threadsPerInstance`, each running some of its slots).
 */
interface Placement {
  readonly epoch: number;
  readonly links: TaskManagerLinks;
  readonly wiring: ChannelWiring;
  readonly members: readonly string[];
  /** By task manager; one whose port ended unasked (its thread crashed) is replaced at the next deploy. */
  readonly threads: TaskManagerThread[];
  readonly ports: InstancePort[];
  /** The task manager of each slot. */
  readonly managerOfSlot: readonly number[];
  /** Index in `members` of each task manager's instance. */
  readonly memberOf: readonly number[];
}

/** An instance's task manager port: commands through the link, its messages from the link's reader. */
class InstancePort implements TaskManagerPort {
  private listener: ((message: unknown) => void) | undefined;
  private end!: (why: string | Error) => void;
  readonly ended = new Promise<string | Error>((resolve) => (this.end = resolve));
  private gone = false;

  constructor(
    readonly instanceId: string,
    /** Which of the instance's task managers (undefined: its only one, and the link as it was). */
    readonly thread: number | undefined,
    private readonly links: TaskManagerLinks,
    /** The attempt the job master runs now (an exit of an older one's thread is old news). */
    private readonly running: () => number | undefined,
  ) {}

  get isGone(): boolean {
    return this.gone;
  }

  /** In messages: `instance b` or `task manager 1 of instance b`. */
  get name(): string {
    return this.thread === undefined ? `instance ${this.instanceId}` : `task manager ${this.thread} of instance ${this.instanceId}`;
  }

  postMessage(command: TaskManagerCommand): void {
    if (this.gone) return;
    this.links.send(this.instanceId, command, this.thread).catch((e: unknown) => {
      // A newer epoch (this placement is over) or a command lost: either way the instance no longer runs what the master thinks.
      if (e instanceof FencedCommandError) return this.ends(new PlacementChanged(`the job's epoch moved past ${e.epoch} (to ${e.currentEpoch ?? 'none'}): instance ${this.instanceId} takes no more commands of it`));
      this.ends(`the command '${command.type}' to instance ${this.instanceId} could not be sent: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  on(_event: 'message', listener: (message: unknown) => void): this {
    this.listener = listener;
    return this;
  }

  receive(msg: TaskManagerMsg): void {
    if (this.gone) return;
    // Its thread ended in the instance: as a thread's exit is for a job on task managers, a failure of its attempt.
    if (msg.type === 'taskManager.exited') {
      const running = this.running();
      if (msg.attempt === undefined || running === undefined || msg.attempt >= running) this.ends(`${this.name} exited: ${msg.reason}`);
      return;
    }
    this.listener?.(msg);
  }

  /** The port is over; a PlacementChanged when the job's instances changed (not a failure the restart strategy counts). */
  ends(why: string | Error): void {
    if (this.gone) return;
    this.gone = true;
    this.end(why);
  }

  terminate(): Promise<number> {
    this.ends(`instance ${this.instanceId} was given up by the job master`);
    return Promise.resolve(0);
  }
}

export class InstanceDeployment implements TaskManagerDeployment {
  private readonly connectors: Receivers['connectors'];
  private readonly connectorsOf: Receivers['connectorsOf'];
  private readonly indexOf: ReadonlyMap<TaskId, number>;
  private placement: Placement | undefined;
  private opening: Promise<Either<string, Placement>> | undefined;
  /** The running attempt: where it runs, its master, and the tasks' stand-ins (a task restarted alone gets a new one). */
  private running: { readonly attempt: number; readonly placement: Placement; readonly master: MasterRef; readonly standIns: Map<TaskId, TaskRef> } | undefined;
  private stopped = false;
  /** The instances of the last placement: those gone from the next have their command streams forgotten. */
  private members: readonly string[] = [];
  /** Wirings made, for names of local channels unique per wiring. */
  private localWirings = 0;
  private readonly runningAttempt = () => this.running?.attempt;

  constructor(private readonly settings: InstanceDeploymentSettings) {
    const { plan } = settings;
    this.indexOf = new Map(plan.tasks.map((t) => [t.id, t.index]));
    const sinksOf = (t: TaskPlan) => t.chain.flatMap((n) => (n.sink === undefined ? [] : [[n.uid, n.sink] as const]));
    const sourceOf = (t: TaskPlan) => (t.source === undefined ? [] : [[t.source.node.uid, t.source.source] as const]);
    this.connectors = new Map<string, Connector>(plan.tasks.flatMap((t) => [...sinksOf(t), ...sourceOf(t)]));
    this.connectorsOf = new Map(plan.tasks.map((t) => [t.id, [...sinksOf(t), ...sourceOf(t)].map(([uid]) => uid)]));
  }

  /** The epoch of the task managers deployed on, if any. */
  get epoch(): number | undefined {
    return this.placement?.epoch;
  }

  /** What fences the master's own writes (its checkpoints' completion): the epoch it deploys under now (-1 before: refused). */
  fencing(): StateFencing {
    return { epochKey: this.settings.epochKey, epoch: this.placement?.epoch ?? -1 };
  }

  /**
   * The leader holds a new assignment: the task managers of the old one end (their attempt
   * fails, so the master restarts the job, which deploys on the new one).
   */
  assignmentChanged(): void {
    const held = this.settings.assignment();
    const placement = this.placement;
    if (placement === undefined || held === undefined || held.epoch === placement.epoch) return;
    this.endPlacement(placement, new PlacementChanged(`the job's instances changed (epoch ${placement.epoch} → ${held.epoch}: ${held.assignment.members.join(', ')}): the job restarts on them from its last completed checkpoint`));
  }

  /**
   * This instance no longer leads: its task managers are given up without a word to the
   * instances (the new leader's master tells them what to run), and the job master may stop.
   */
  abandon(): void {
    this.stopped = true;
    if (this.placement !== undefined) this.endPlacement(this.placement, 'this instance no longer leads the job');
  }

  private endPlacement(placement: Placement, why: string | Error): void {
    if (this.placement === placement) this.placement = undefined;
    for (const port of placement.ports) port.ends(why);
    void placement.links.close().catch(() => undefined);
    void placement.wiring.close().catch(() => undefined);
  }

  /** The task managers of the assignment held now, opened once per epoch. */
  private async current(): Promise<Either<string, Placement>> {
    const held = this.settings.assignment();
    if (held === undefined) return left('this instance holds no assignment');
    const placement = this.placement;
    if (placement !== undefined && placement.epoch === held.epoch) return right(placement);
    if (placement !== undefined) this.endPlacement(placement, new PlacementChanged(`epoch ${placement.epoch} is over (now ${held.epoch})`));
    const opening = (this.opening ??= this.open(held).finally(() => (this.opening = undefined)));
    return opening;
  }

  private async open(held: HeldAssignment): Promise<Either<string, Placement>> {
    const { assignment, epoch } = held;
    let links: TaskManagerLinks;
    try {
      links = await this.settings.openLinks(epoch);
    } catch (e) {
      return left(`the link to the instances (epoch ${epoch}) could not be opened: ${e instanceof Error ? e.message : String(e)}`);
    }
    let wiring: ChannelWiring;
    try {
      wiring = await this.settings.openWiring(epoch);
    } catch (e) {
      void links.close().catch(() => undefined);
      return left(`the Kafka exchange (epoch ${epoch}) could not be set up: ${e instanceof Error ? e.message : String(e)}`);
    }
    const members = assignment.members;
    const { managerOfSlot, memberOf, threadOf } = managersOf(members, assignment.slots ?? {}, this.settings.threadsPerInstance ?? 1);
    const missing = this.settings.plan.tasks.filter((t) => managerOfSlot[slotOf(t)] === undefined).map((t) => slotOf(t));
    if (missing.length > 0) {
      void links.close().catch(() => undefined);
      void wiring.close().catch(() => undefined);
      return left(`the assignment of epoch ${epoch} gives no instance slot(s) ${[...new Set(missing)].join(', ')}`);
    }
    // The streams of instances that left stay bounded, but a successor forgets them (as the link says).
    for (const gone of this.members) if (!members.includes(gone)) void links.forget(gone).catch((e: unknown) => this.settings.logger.debug({ instance: gone }, `forgetting the commands of instance ${gone} failed: ${e instanceof Error ? e.message : String(e)}`));
    this.members = members;
    const ports = memberOf.map((m, i) => new InstancePort(members[m], threadOf[i], links, this.runningAttempt));
    const threads = ports.map((port, i) => new TaskManagerThread(i, port, port.ended, this.settings.hangTimeoutMs));
    const placement: Placement = { epoch, links, wiring, members, threads, ports, managerOfSlot, memberOf };
    // By the current port of each task manager: one replaced after its thread crashed takes its messages.
    links.onMessage((instanceId, msg, thread) => placement.ports.find((p) => p.instanceId === instanceId && (p.thread ?? 0) === (thread ?? 0))?.receive(msg));
    links.onFailure((failure) => {
      this.settings.logger.warn({ epoch }, `the link to the instances failed: ${failure.message}`);
      if (failure.fatal && this.placement?.epoch === epoch) this.endPlacement(this.placement, `the link to the instances (epoch ${epoch}) stopped: ${failure.message}`);
    });
    if (this.stopped) {
      this.endPlacement(placement, 'the job has ended');
      return left('the job has ended');
    }
    this.placement = placement;
    const slotsOf = (manager: number) => managerOfSlot.flatMap((o, s) => (o === manager ? [s] : [])).join(', ');
    this.settings.logger.info({ epoch, members }, `the job's tasks go to ${members.length} instance(s) under epoch ${epoch}: ${ports.map((p, i) => `${p.name} (slots ${slotsOf(i)})`).join('; ')}`);
    return right(placement);
  }

  async deploy(request: RemoteDeployRequest): Promise<Either<string, ReadonlyMap<TaskId, TaskRef>>> {
    if (this.stopped) return left('the job has ended');
    const opened = await this.current();
    if (opened._tag === 'Left') return this.stopped ? opened : right(this.unreachable(request, opened.left));
    const placement = opened.right;
    const { attempt } = request;
    const { plan } = this.settings;
    this.replaceEnded(placement);
    const where = (task: TaskPlan) => placement.managerOfSlot[slotOf(task)];
    const crossing = crossingChannels(plan, where);
    const between = betweenInstances(placement, crossing);
    let targets: ChannelTargets[];
    try {
      targets = this.targets(placement, attempt, crossing, await placement.wiring.wire(between));
    } catch (e) {
      return right(this.unreachable(request, `the Kafka exchange could not be wired: ${e instanceof Error ? e.message : String(e)}`));
    }
    const keyedState: KeyedStateSetting = this.settings.keyedState.type === 'memory' ? this.settings.keyedState : { ...this.settings.keyedState, fencing: { epochKey: this.settings.epochKey, epoch: placement.epoch } };
    const commands: DeployCommand[] = placement.threads.map(() => deployCommand(request, keyedState, placement.epoch));
    for (const task of plan.tasks) commands[where(task)].tasks.push({ id: task.id, restore: request.restores.get(task.id) ?? null });
    crossing.forEach((c, i) => {
      const { outlet, inlet } = bridgesOf(c, targets[i]);
      commands[c.from].outlets.push(outlet);
      commands[c.to].inlets.push(inlet);
    });
    const receivers: Receivers = { master: request.master, coordinator: request.coordinator, connectors: this.connectors, connectorsOf: this.connectorsOf, indexOf: this.indexOf, saveSourceProgress: request.saveSourceProgress };
    placement.threads.forEach((thread, i) => thread.startAttempt(attempt, commands[i].tasks.map((t) => t.id as TaskId), receivers));
    placement.threads.forEach((thread, i) => thread.post(commands[i]));
    const refs = new Map<TaskId, TaskRef>();
    for (const task of plan.tasks) refs.set(task.id, spawnTaskStandIn(request.master, `${task.actorName}-a${attempt}`, attempt, task.id, placement.threads[where(task)]));
    this.running = { attempt, placement, master: request.master, standIns: new Map(refs) };
    // A newer assignment came while it deployed: the attempt fails as soon as it started, and the restart deploys on the new one.
    if (this.placement !== placement || this.settings.assignment()?.epoch !== placement.epoch) this.endPlacement(placement, new PlacementChanged(`epoch ${placement.epoch} ended while its attempt ${attempt} deployed`));
    return right(refs);
  }

  /**
   * The attempt could not reach the instances (the link or the exchange did not open within its
   * bound, or the assignment left slots without an owner): its tasks stand on a task manager
   * that is gone at once, so the attempt fails as if one had died — the restart strategy
   * decides, and the next attempt tries again — where a Left would fail the job for good.
   */
  private unreachable(request: RemoteDeployRequest, why: string): ReadonlyMap<TaskId, TaskRef> {
    const gone: TaskManagerPort = { postMessage: () => undefined, on: () => undefined, terminate: () => Promise.resolve(0) };
    const thread = new TaskManagerThread(0, gone, Promise.resolve(`attempt ${request.attempt} could not be deployed on the instances: ${why}`), this.settings.hangTimeoutMs);
    const { plan } = this.settings;
    thread.startAttempt(request.attempt, plan.tasks.map((t) => t.id), { master: request.master, coordinator: request.coordinator, connectors: this.connectors, connectorsOf: this.connectorsOf, indexOf: this.indexOf, saveSourceProgress: request.saveSourceProgress });
    return new Map(plan.tasks.map((task) => [task.id, spawnTaskStandIn(request.master, `${task.actorName}-a${request.attempt}`, request.attempt, task.id, thread)]));
  }

  /**
   * A task restarted alone (restartTask), on the instance of its predecessor: each of its
   * channels to other instances is wired again through Kafka (a new wiring number, so the old
   * ends' frames are skipped), its peers elsewhere take the new ends (`taskManager.rebridge`),
   * as between threads.
   */
  restartTask(request: RemoteRestartRequest): Either<string, TaskRef> {
    const running = this.running;
    const task = this.settings.plan.tasks.find((t) => t.id === request.task);
    if (task === undefined) throw new Error(`task ${request.task} is not in the plan of job '${this.settings.plan.jobName}'`);
    if (running === undefined || running.attempt !== request.attempt || this.placement !== running.placement) return left(`attempt ${request.attempt} is not the running one`);
    const { placement } = running;
    const here = placement.managerOfSlot[slotOf(task)];
    if (!placement.threads[here].isAlive) return left(`${placement.ports[here].name} is gone`);
    const crossing = crossingChannels(this.settings.plan, (t) => placement.managerOfSlot[slotOf(t)]).filter((c) => c.producer === task.id || c.consumer === task.id);
    const targets = this.targets(placement, request.attempt, crossing, placement.wiring.rewire(betweenInstances(placement, crossing)));
    return right(restartAlone(placement.threads, here, task, request, running, rebridging(task.id, crossing, targets, placement.threads.length)));
  }

  /**
   * Where each crossing channel goes: through Kafka between instances (`kafka`: the wiring's
   * ends of those, in order), a port made by the instance between two of its task managers,
   * named uniquely per wiring.
   */
  private targets(placement: Placement, attempt: number, crossing: readonly CrossingChannel[], kafka: readonly KafkaChannelEnds[]): ChannelTargets[] {
    const wiring = ++this.localWirings;
    let k = 0;
    return crossing.map((c) => {
      if (placement.memberOf[c.from] !== placement.memberOf[c.to]) return kafkaTargets(kafka[k++]);
      const local = { key: `e${placement.epoch}-a${attempt}-w${wiring}-${c.producer}/${c.output}`, epoch: placement.epoch, attempt };
      return { producer: { local }, consumer: { local } };
    });
  }

  /** A task manager whose thread ended in its instance (its port ended, the placement did not) gets a new port for the next attempt. */
  private replaceEnded(placement: Placement): void {
    placement.ports.forEach((port, i) => {
      if (!port.isGone) return;
      const fresh = new InstancePort(port.instanceId, port.thread, placement.links, this.runningAttempt);
      placement.ports[i] = fresh;
      placement.threads[i] = new TaskManagerThread(i, fresh, fresh.ended, this.settings.hangTimeoutMs);
    });
  }

  async shutdown(outcome?: { readonly status: 'finished' | 'failed' | 'cancelled'; readonly error: Error | undefined }): Promise<void> {
    this.stopped = true;
    const pending = this.opening === undefined ? undefined : await this.opening;
    const placement = this.placement ?? (pending !== undefined && isRight(pending) ? pending.right : undefined);
    if (placement === undefined) return;
    const stopCommand: TaskManagerCommand = outcome === undefined ? { type: 'taskManager.stop' } : { type: 'taskManager.stop', outcome: outcome.status, ...(outcome.error === undefined ? {} : { reason: outcome.error.message }) };
    // Sent before the ports end: every instance hears how the job ended.
    await Promise.all(placement.members.map((m: string) => placement.links.send(m, stopCommand).catch(() => undefined)));
    for (const standIn of this.running?.standIns.values() ?? []) stop(standIn);
    this.endPlacement(placement, 'the job has ended');
  }
}

/** The channels of `crossing` between two instances (through Kafka), in order. */
function betweenInstances(placement: Placement, crossing: readonly CrossingChannel[]): CrossingChannel[] {
  return crossing.filter((c) => placement.memberOf[c.from] !== placement.memberOf[c.to]);
}

/**
 * The task managers of an assignment: `perInstance` for each member (fewer when it owns fewer
 * slots), numbered in member order; a member's slots, ascending, dealt over its own in turn (a
 * slot's subtasks stay together, so forward edges and chains never leave a thread).
 */
export function managersOf(members: readonly string[], slots: Readonly<Record<string, readonly number[]>>, perInstance: number): { managerOfSlot: number[]; memberOf: number[]; threadOf: Array<number | undefined> } {
  const managerOfSlot: number[] = [];
  const memberOf: number[] = [];
  const threadOf: Array<number | undefined> = [];
  members.forEach((m, i) => {
    const owned = [...(slots[m] ?? [])].sort((a, b) => a - b);
    const count = Math.max(1, Math.min(perInstance, owned.length));
    const first = memberOf.length;
    for (let j = 0; j < count; j++) {
      memberOf.push(i);
      // One task manager per instance keeps the link as it was: no thread named.
      threadOf.push(perInstance > 1 ? j : undefined);
    }
    owned.forEach((slot, k) => (managerOfSlot[slot] = first + (k % count)));
  });
  return { managerOfSlot, memberOf, threadOf };
}
