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
import { deployCommand, kafkaRebridging, restartAlone } from './remoteCommands';
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
  /** The job's epoch key in Redis (membershipKeys(applicationId).epoch). */
  readonly epochKey: string;
  readonly hangTimeoutMs: number;
  readonly logger: Logger;
}

/** One assignment's task managers: an instance each, in member order, on a link under its epoch. */
interface Placement {
  readonly epoch: number;
  readonly links: TaskManagerLinks;
  readonly wiring: ChannelWiring;
  readonly members: readonly string[];
  readonly threads: readonly TaskManagerThread[];
  readonly ports: readonly InstancePort[];
  /** Index in `members` of the owner of each slot. */
  readonly ownerOfSlot: readonly number[];
}

/** An instance's task manager port: commands through the link, its messages from the link's reader. */
class InstancePort implements TaskManagerPort {
  private listener: ((message: unknown) => void) | undefined;
  private end!: (why: string | Error) => void;
  readonly ended = new Promise<string | Error>((resolve) => (this.end = resolve));
  private gone = false;

  constructor(
    readonly instanceId: string,
    private readonly links: TaskManagerLinks,
  ) {}

  postMessage(command: TaskManagerCommand): void {
    if (this.gone) return;
    this.links.send(this.instanceId, command).catch((e: unknown) => {
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
    if (!this.gone) this.listener?.(msg);
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
    const ownerOfSlot: number[] = [];
    members.forEach((m, i) => (assignment.slots?.[m] ?? []).forEach((slot) => (ownerOfSlot[slot] = i)));
    const missing = this.settings.plan.tasks.filter((t) => ownerOfSlot[slotOf(t)] === undefined).map((t) => slotOf(t));
    if (missing.length > 0) {
      void links.close().catch(() => undefined);
      void wiring.close().catch(() => undefined);
      return left(`the assignment of epoch ${epoch} gives no instance slot(s) ${[...new Set(missing)].join(', ')}`);
    }
    // The streams of instances that left stay bounded, but a successor forgets them (as the link says).
    for (const gone of this.members) if (!members.includes(gone)) void links.forget(gone).catch((e: unknown) => this.settings.logger.debug({ instance: gone }, `forgetting the commands of instance ${gone} failed: ${e instanceof Error ? e.message : String(e)}`));
    this.members = members;
    const ports = members.map((m) => new InstancePort(m, links));
    const threads = ports.map((port, i) => new TaskManagerThread(i, port, port.ended, this.settings.hangTimeoutMs));
    const byId = new Map(ports.map((p) => [p.instanceId, p]));
    links.onMessage((instanceId, msg) => byId.get(instanceId)?.receive(msg));
    links.onFailure((failure) => {
      this.settings.logger.warn({ epoch }, `the link to the instances failed: ${failure.message}`);
      if (failure.fatal && this.placement?.epoch === epoch) this.endPlacement(this.placement, `the link to the instances (epoch ${epoch}) stopped: ${failure.message}`);
    });
    const placement: Placement = { epoch, links, wiring, members, threads, ports, ownerOfSlot };
    if (this.stopped) {
      this.endPlacement(placement, 'the job has ended');
      return left('the job has ended');
    }
    this.placement = placement;
    this.settings.logger.info({ epoch, members }, `the job's tasks go to ${members.length} instance(s) under epoch ${epoch}: ${members.map((m, i) => `${m} (slots ${ownerOfSlot.flatMap((o, s) => (o === i ? [s] : [])).join(', ')})`).join('; ')}`);
    return right(placement);
  }

  async deploy(request: RemoteDeployRequest): Promise<Either<string, ReadonlyMap<TaskId, TaskRef>>> {
    if (this.stopped) return left('the job has ended');
    const opened = await this.current();
    if (opened._tag === 'Left') return this.stopped ? opened : right(this.unreachable(request, opened.left));
    const placement = opened.right;
    const { attempt } = request;
    const { plan } = this.settings;
    const where = (task: TaskPlan) => placement.ownerOfSlot[slotOf(task)];
    const crossing = crossingChannels(plan, where);
    let addresses;
    try {
      addresses = await placement.wiring.wire(crossing);
    } catch (e) {
      return right(this.unreachable(request, `the Kafka exchange could not be wired: ${e instanceof Error ? e.message : String(e)}`));
    }
    const keyedState: KeyedStateSetting = this.settings.keyedState.type === 'memory' ? this.settings.keyedState : { ...this.settings.keyedState, fencing: { epochKey: this.settings.epochKey, epoch: placement.epoch } };
    const commands: DeployCommand[] = placement.threads.map(() => deployCommand(request, keyedState, placement.epoch));
    for (const task of plan.tasks) commands[where(task)].tasks.push({ id: task.id, restore: request.restores.get(task.id) ?? null });
    crossing.forEach((c, i) => {
      commands[c.from].outlets.push({ task: c.producer, channel: c.output, name: c.name, kafka: addresses[i].producer });
      commands[c.to].inlets.push({ task: c.consumer, channel: c.input, name: c.name, kafka: addresses[i].consumer });
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
    const here = placement.ownerOfSlot[slotOf(task)];
    if (!placement.threads[here].isAlive) return left(`instance ${placement.members[here]} is gone`);
    const crossing = crossingChannels(this.settings.plan, (t) => placement.ownerOfSlot[slotOf(t)]).filter((c) => c.producer === task.id || c.consumer === task.id);
    return right(restartAlone(placement.threads, here, task, request, running, kafkaRebridging(task.id, crossing, placement.wiring.rewire(crossing), placement.threads.length)));
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
