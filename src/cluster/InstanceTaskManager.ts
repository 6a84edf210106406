/**
 * An instance's task manager (docs/cluster.md): what the leader's job master deploys here
 * arrives on the instance's inbox in Redis, and runs in a TaskManagerRuntime in this process,
 * as a worker thread runs its share of a job on task managers; what the tasks say goes back
 * over the link under the epoch they were deployed in. One runtime per deploy: a deploy, or a
 * command of a newer epoch (a new leader, a new assignment), stops what runs here first, and
 * so does this instance seeing a newer epoch or losing its lease: their state writes would be
 * refused anyway, and their place is taken by the restore under the new epoch.
 */
import { ExecutionPlan } from '../graph/ExecutionPlan';
import { Logger } from '../logging/logger';
import { TaskManagerConfig, TaskManagerRuntime } from './TaskManagerRuntime';
import { FramePort } from './FramePort';
import { Bridge, TaskManagerCommand, TaskManagerMsg } from './taskManagerProtocol';
import { Ownership } from '../instances/Assignment';

/** How the job ended, as the leader's stop command tells it. */
export interface JobEnd {
  readonly status: 'finished' | 'failed' | 'cancelled';
  readonly reason: string | undefined;
}

export interface InstanceTaskManagerDeps {
  readonly plan: ExecutionPlan;
  readonly config: TaskManagerConfig;
  /** Says `msg` to the master of `epoch` (RedisTaskManagerInbox.say). */
  readonly say: (msg: TaskManagerMsg, epoch: number) => Promise<void>;
  /** Opens a channel to a task on another instance (the instance's KafkaExchange). */
  readonly openBridge: (bridge: Bridge) => FramePort;
  /** The leader said the job ended. */
  readonly onJobEnd: (end: JobEnd) => void;
  readonly logger: Logger;
  /** Which of the instance's task managers this is (0: its only one, in its main thread). */
  readonly index?: number;
}

export class InstanceTaskManager {
  /** The newest epoch a command came under. */
  private epoch = 0;
  private runtime: { readonly epoch: number; readonly runtime: TaskManagerRuntime } | undefined;
  private ended = false;

  constructor(private readonly deps: InstanceTaskManagerDeps) {}

  /**
   * A command of the master of `epoch` (the inbox dropped those of older epochs already). One
   * for another task manager than this instance's only one (`thread` above 0: the leader runs
   * more per instance than this one does) is answered by `taskManager.exited`, failing its
   * attempt with the reason, rather than run over this one's tasks.
   */
  handle(command: TaskManagerCommand, epoch: number, thread?: number): void {
    if (this.ended || epoch < this.epoch) return;
    if (thread !== undefined && thread > 0) {
      if (command.type === 'taskManager.deploy') {
        const reason = `this instance runs one task manager (taskManagers 1) and the leader placed tasks on its task manager ${thread}: start every instance of a job with the same taskManagers`;
        this.deps.logger.error(reason);
        void this.deps.say({ type: 'taskManager.exited', reason }, epoch).catch(() => undefined);
      }
      return;
    }
    if (epoch > this.epoch) {
      this.drop(`a command of epoch ${epoch} arrived`);
      this.epoch = epoch;
    }
    if (command.type === 'taskManager.stop') {
      this.drop('the job ended');
      this.ended = true;
      return this.deps.onJobEnd({ status: command.outcome ?? 'cancelled', reason: command.reason });
    }
    // Every deploy gets a runtime of its own: a master's restart stopped the tasks of its last
    // attempt first, but a new master of the same epoch (a leader that lost and regained office
    // while nobody else took it) starts again from attempt 0, not knowing what its predecessor ran here.
    if (command.type === 'taskManager.deploy') this.drop(`attempt ${command.attempt} is deployed`);
    if (command.type === 'taskManager.deploy') {
      const say = (msg: TaskManagerMsg) =>
        void this.deps.say(msg, epoch).catch((e: unknown) => this.deps.logger.warn({ epoch, msg: msg.type }, `could not tell the job master '${msg.type}': ${e instanceof Error ? e.message : String(e)}`));
      this.runtime = { epoch, runtime: new TaskManagerRuntime(this.deps.plan, this.deps.config, this.deps.index ?? 0, say, this.deps.openBridge) };
    }
    if (this.runtime !== undefined) return this.runtime.runtime.handle(command);
    // Nothing deployed here under this epoch yet: the master's pings are answered all the same.
    if (command.type === 'taskManager.ping') void this.deps.say({ type: 'taskManager.pong' }, epoch).catch(() => undefined);
  }

  /** This instance's ownership changed: tasks of an older epoch, or of an instance that may have lost its lease, stop. */
  ownershipChanged(ownership: Pick<Ownership, 'state' | 'epoch'>): void {
    if (ownership.state !== 'owning') return this.drop(`this instance is ${ownership.state}`);
    // A late command of an older epoch must not start tasks again.
    this.epoch = Math.max(this.epoch, ownership.epoch);
    if (this.runtime !== undefined && ownership.epoch > this.runtime.epoch) this.drop(`this instance now runs under epoch ${ownership.epoch}`);
  }

  /** Stops the tasks here, for good. */
  close(): void {
    this.ended = true;
    this.drop('the instance stops');
  }

  private drop(why: string): void {
    const running = this.runtime;
    if (running === undefined) return;
    this.runtime = undefined;
    this.deps.logger.info({ epoch: running.epoch }, `the tasks of epoch ${running.epoch} stop here: ${why}`);
    running.runtime.handle({ type: 'taskManager.stop' });
  }
}
