/**
 * An instance's task managers on worker threads (`taskManagers` above 1 with `cluster`; docs/
 * cluster.md, "Task managers in an instance"). The leader sees each as a task manager of its
 * own and names it in every command (the link's `thread`); this, in the instance's main
 * thread, boots them as a job on task managers does (each imports the job module and builds
 * the same plan), forwards each command to its thread with the epoch it came under — each
 * thread keeps epochs as a one-thread instance does (InstanceTaskManager) — and says over the
 * link what each says. A channel between two of them is a MessagePort made here
 * (LocalChannels); one to another instance goes through Kafka, opened by the thread's own
 * exchange. A thread that ends unasked is reported to the master of the newest epoch it
 * heard (`taskManager.exited`, a failure of its attempt) and booted again at once.
 */
import { MessagePort, Worker } from 'worker_threads';
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { Logger } from '../logging/logger';
import { Ownership } from '../instances/Assignment';
import { JobModule, TaskManagersOptions, bootTaskManager } from './bootTaskManager';
import { planDifferences, planShape, PlanShape } from './planShape';
import { TaskManagerCommand, TaskManagerMsg, carriesBridges } from './taskManagerProtocol';
import { InstanceThreadCommand, InstanceThreadMsgCodec } from './instanceThreadProtocol';
import { LocalChannels } from './LocalChannels';
import type { JobEnd } from './InstanceTaskManager';

/** Commands held for a thread while it boots; more means the thread is not coming up. */
const MAX_HELD_COMMANDS = 1000;
/** How long a thread told to close may take before it is terminated. */
const CLOSE_GRACE_MS = 1000;

export interface InstanceThreadsSettings {
  readonly plan: ExecutionPlan;
  readonly job: JobModule;
  readonly params: unknown;
  /** Boot options of each thread: the count, the environment's options, heap limits, the Kafka exchange's brokers. */
  readonly boot: TaskManagersOptions;
  /** Says `msg` of thread `thread` to the master of `epoch` (RedisTaskManagerInbox.say). */
  readonly say: (msg: TaskManagerMsg, epoch: number, thread: number) => Promise<void>;
  readonly onJobEnd: (end: JobEnd) => void;
  readonly logger: Logger;
}

/** One thread's place: up, or booting with what came for it meanwhile. */
interface Slot {
  worker: Worker | undefined;
  /** Commands that came while it booted, in order. */
  held: InstanceThreadCommand[];
  /** The newest epoch a command for it came under: where its end is reported. */
  epoch: number;
  /** The attempt of the last deploy it was sent. */
  attempt: number | undefined;
  closing: boolean;
}

export class InstanceThreads {
  /** By thread; none where a thread never came up and no command asked for it since. */
  private readonly slots: Array<Slot | undefined> = [];
  private readonly expected: PlanShape;
  private readonly local = new LocalChannels();
  private ownership: Pick<Ownership, 'state' | 'epoch'> | undefined;
  private ended = false;

  constructor(private readonly s: InstanceThreadsSettings) {
    this.expected = planShape(s.plan);
    // Booted before the first deploy: a boot imports the job module and builds the graph (a second or more).
    for (let i = 0; i < s.boot.count; i++) this.boot(i);
  }

  /** A command of the master of `epoch`, for thread `thread` (none: the instance's). */
  handle(command: TaskManagerCommand, epoch: number, thread: number | undefined): void {
    if (this.ended) return;
    if (thread === undefined && command.type === 'taskManager.stop') {
      this.close();
      return this.s.onJobEnd({ status: command.outcome ?? 'cancelled', reason: command.reason });
    }
    const index = thread ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= 256) return this.s.logger.warn(`a command for task manager ${index} of this instance was dropped: an instance runs at most 256`);
    const slot = this.slots[index] ?? this.boot(index);
    slot.epoch = Math.max(slot.epoch, epoch);
    if (command.type === 'taskManager.deploy') {
      this.local.attemptStarted(epoch, command.attempt);
      slot.attempt = command.attempt;
    }
    this.post(index, slot, { type: 'instance.command', epoch, command: this.paired(command) });
  }

  /** This instance's ownership changed: every thread hears it (its tasks of an older epoch stop). */
  ownershipChanged(ownership: Pick<Ownership, 'state' | 'epoch'>): void {
    this.ownership = { state: ownership.state, epoch: ownership.epoch };
    const told: InstanceThreadCommand = { type: 'instance.ownership', ...this.ownership };
    this.slots.forEach((slot, i) => slot !== undefined && this.post(i, slot, told));
  }

  /** Stops every thread, for good. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.local.close();
    for (const slot of this.slots) {
      if (slot === undefined) continue;
      slot.closing = true;
      slot.held = [];
      const worker = slot.worker;
      if (worker === undefined) continue;
      worker.postMessage({ type: 'instance.close' } satisfies InstanceThreadCommand);
      setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS).unref();
    }
  }

  /** The command with each local bridge replaced by its port (deploy, restartTask and rebridge carry bridges). */
  private paired(command: TaskManagerCommand): TaskManagerCommand {
    if (!carriesBridges(command)) return command;
    const { outlets, inlets } = this.local.pair(command.outlets, command.inlets);
    return { ...command, outlets, inlets };
  }

  private post(index: number, slot: Slot, command: InstanceThreadCommand): void {
    if (slot.closing) return;
    if (slot.worker !== undefined) return this.send(index, slot, slot.worker, command);
    if (slot.held.length >= MAX_HELD_COMMANDS) return this.exited(index, slot, `task manager ${index} of this instance did not come up before ${MAX_HELD_COMMANDS} commands were waiting for it`);
    slot.held.push(command);
  }

  private boot(index: number): Slot {
    const slot: Slot = { worker: undefined, held: [], epoch: this.slots[index]?.epoch ?? 0, attempt: undefined, closing: false };
    this.slots[index] = slot;
    const { s } = this;
    void bootTaskManager(s.job, s.params, { ...s.boot, instance: true }, index).then((booted) => {
      if (slot.closing || this.ended) {
        if (!isLeft(booted)) void booted.right.worker.terminate();
        return;
      }
      if (isLeft(booted)) return this.exited(index, slot, booted.left);
      const differences = planDifferences(this.expected, booted.right.shape);
      if (differences.length > 0) {
        void booted.right.worker.terminate();
        return this.exited(index, slot, differences.map((d) => `task manager ${index} of this instance built another graph: ${d}`).join('; '));
      }
      const { worker } = booted.right;
      worker.on('message', (m: unknown) => {
        const said = InstanceThreadMsgCodec.decode(m);
        if (isLeft(said)) return s.logger.error(`task manager ${index} of this instance said what is not a message: ${PathReporter.report(said).join('; ')}`);
        void s.say(said.right.msg, said.right.epoch, index).catch((e: unknown) => s.logger.warn({ epoch: said.right.epoch, msg: said.right.msg.type }, `could not tell the job master '${said.right.msg.type}' of task manager ${index}: ${e instanceof Error ? e.message : String(e)}`));
      });
      void booted.right.ended.then((why) => {
        if (!slot.closing && this.slots[index] === slot) this.exited(index, slot, why);
      });
      slot.worker = worker;
      if (this.ownership !== undefined) worker.postMessage({ type: 'instance.ownership', ...this.ownership } satisfies InstanceThreadCommand);
      const held = slot.held;
      slot.held = [];
      for (const command of held) this.send(index, slot, worker, command);
    });
    return slot;
  }

  /** Posts a command to a thread; one that cannot be posted (a port it carries was detached) fails the thread's attempt rather than the instance. */
  private send(index: number, slot: Slot, worker: Worker, command: InstanceThreadCommand): void {
    if (slot.closing) {
      for (const port of transfersOf(command)) port.close();
      return;
    }
    try {
      worker.postMessage(command, transfersOf(command));
    } catch (e) {
      this.exited(index, slot, `a command could not be posted to it: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Thread `index` ended, or never came up: the master of the newest epoch it heard learns it
   * (its attempt fails, the restart strategy decides). One that ran is booted again at once,
   * for the next deploy; one that never came up (its module fails to load, it built another
   * graph) only when a command comes for it, so a failing boot is not retried in a loop. What
   * was held for it is dropped: commands of the attempt that failed.
   */
  private exited(index: number, slot: Slot, why: string): void {
    if (this.slots[index] !== slot || this.ended) return;
    slot.closing = true;
    const ran = slot.worker !== undefined;
    void slot.worker?.terminate();
    for (const command of slot.held) for (const port of transfersOf(command)) port.close();
    this.s.logger.error(`task manager ${index} of this instance ended: ${why}`);
    const exited: TaskManagerMsg = { type: 'taskManager.exited', reason: why, ...(slot.attempt === undefined ? {} : { attempt: slot.attempt }) };
    if (slot.epoch > 0) void this.s.say(exited, slot.epoch, index).catch(() => undefined);
    if (ran) this.boot(index).epoch = slot.epoch;
    else this.slots[index] = undefined;
  }
}

/** The MessagePorts a command for a thread carries (local channels' ends). */
function transfersOf(command: InstanceThreadCommand): MessagePort[] {
  if (command.type !== 'instance.command') return [];
  const c = command.command;
  if (!carriesBridges(c)) return [];
  return [...c.outlets, ...c.inlets].flatMap((b) => ('port' in b ? [b.port] : []));
}
