/**
 * A job run by this process as one instance of many (docs/cluster.md): it opens its end of the
 * link to the job master (its inbox in Redis) and its Kafka exchange, joins the job's
 * membership with the job's slots as the units of work, and runs what the master deploys here
 * (InstanceTaskManager). While it leads, it also runs the job master and the checkpoint
 * coordinator, unchanged, on the instances (InstanceDeployment): the first deploy restores
 * the latest completed checkpoint of the job's Redis store; a new assignment restarts the job
 * on the new owners; leadership lost, its master stops without a word to the instances (its
 * commands are refused by epoch anyway), and the new leader's master takes over.
 *
 * The instance's handle settles when the leader says the job ended (its stop command), when
 * this instance is cancelled (it leaves; cancelled on the leader, the whole job is), or when
 * it cannot join or keep its link.
 */
import { Ref } from 'nact';
import { ExecutionPlan } from '../graph/ExecutionPlan';
import type { TaskManagerConfig } from './TaskManagerRuntime';
import { Logger, LoggingOption } from '../logging/logger';
import { JobRun } from '../runtime/runJob';
import { JobOutcome } from '../runtime/jobMasterDeps';
import { JobStatus } from '../metrics/JobStatus';
import { NO_CHECKPOINTS } from '../checkpoint/coordinatorProtocol';
import { JobFailure } from '../runtime/jobFailures';
import { KeyedStateSetting } from './taskManagerProtocol';
import { Ownership } from '../instances/Assignment';
import { ResolvedClusterOptions } from '../instances/ClusterOptions';
import { InstanceDeployment } from './InstanceDeployment';
import { KafkaChannelWiring } from './KafkaChannelWiring';
import { InstanceTaskManager, JobEnd } from './InstanceTaskManager';
import { JobInstance, joinInstances } from '../instances/joinInstances';
import { jobSlots, sourceTopicsOf } from '../instances/jobSlots';
import { KafkaExchange } from './KafkaExchange';
import { bridgeOpener } from './bridgeOpener';
import { membershipKeys } from '../instances/membershipScripts';
import { RedisTaskManagerInbox, TaskManagerInbox } from './RedisTaskManagerInbox';
import { RedisTaskManagerLinks } from './RedisTaskManagerLinks';
import { InstanceThreads } from './InstanceThreads';
import type { JobModule, TaskManagersOptions } from './bootTaskManager';

export interface InstanceJobSettings {
  readonly plan: ExecutionPlan;
  /** Of the environment's options (EnvironmentConfig): the task managers' and the hang bound. */
  readonly config: TaskManagerConfig & { readonly taskManagerHangTimeoutMs: number };
  readonly cluster: ResolvedClusterOptions;
  /** Where the tasks keep keyed state (the cluster's Redis); each deploy adds its epoch's fencing. */
  readonly keyedState: KeyedStateSetting;
  readonly logger: Logger;
  readonly logging: LoggingOption | undefined;
  /** Starts the job master in this process, on the instances (while this instance leads). */
  readonly runMaster: (deployment: InstanceDeployment) => JobRun;
  /**
   * With `taskManagers` above 1: the job's module (defineJob) and how to boot its task managers
   * on worker threads, `boot.count` per instance (InstanceThreads); else the tasks run in this thread.
   */
  readonly threads?: { readonly job: JobModule; readonly params: unknown; readonly boot: TaskManagersOptions };
  /**
   * Whether the job finished under an earlier leader (RedisCheckpointStore.finished): a bounded
   * job's master marks it before it discards its checkpoints, so a leader taking office after
   * that ends the job everywhere instead of running it again from its beginning.
   */
  readonly finishedBefore?: () => Promise<{ readonly epoch: number; readonly at: number } | undefined>;
}

/** What runs the tasks the leader places on this instance: one task manager in this thread, or several on worker threads. */
type InstanceTasks = Pick<InstanceThreads, 'handle' | 'ownershipChanged' | 'close'>;

/** A job's run as one instance sees it: the job's questions go to the master while this instance leads. */
export interface InstanceJobRun extends JobRun {
  /** What this instance owns now: its slots, and the splits and key groups they mean. */
  ownership(): Ownership;
}

export function runInstanceJob(settings: InstanceJobSettings): InstanceJobRun {
  return new InstanceJob(settings);
}

const NOT_JOINED: Ownership = { instanceId: '', epoch: 0, leader: '', state: 'joining', splits: [], keyGroups: [], slots: [] };

class InstanceJob implements InstanceJobRun {
  readonly outcome: Promise<JobOutcome>;
  readonly actor: Ref<never> | undefined = undefined;
  private settle!: (outcome: JobOutcome) => void;
  private ended: JobOutcome | undefined;
  private joined: JobInstance | undefined;
  private inbox: TaskManagerInbox | undefined;
  private exchange: KafkaExchange | undefined;
  private taskManager: InstanceTasks | undefined;
  /** Leadership came and whether the job finished before is being read. */
  private checkingFinished = false;
  /** The job master, while this instance leads. */
  private leading: { readonly deployment: InstanceDeployment; readonly run: JobRun } | undefined;
  private readonly failureList: JobFailure[] = [];
  private readonly logger: Logger;

  constructor(private readonly s: InstanceJobSettings) {
    this.logger = s.logger.child({ instance: s.cluster.instanceId });
    this.outcome = new Promise((resolve) => (this.settle = resolve));
    this.start().catch((e: unknown) => this.end('failed', e instanceof Error ? e : new Error(String(e))));
  }

  private async start(): Promise<void> {
    const { cluster, plan } = this.s;
    const brokers = cluster.brokers ?? [];
    const { applicationId, instanceId, operationTimeoutMs, redis } = cluster;
    const threads = this.s.threads;
    // The inbox before joining: the first deploy may come as soon as the leader sees this instance.
    // Task managers on worker threads open an exchange each; one in this thread uses the process's.
    if (threads === undefined) this.exchange = await KafkaExchange.open({ brokers, clientId: `sluice-${applicationId}-${instanceId}`, operationTimeoutMs, logger: this.logger });
    this.inbox = await RedisTaskManagerInbox.open({ redis, applicationId, instanceId, operationTimeoutMs, logging: this.s.logging });
    if (this.ended !== undefined) return this.release();
    const exchange = this.exchange;
    const inbox = this.inbox;
    const taskManager: InstanceTasks = (this.taskManager =
      threads === undefined
        ? new InstanceTaskManager({
            plan,
            config: this.s.config,
            say: (msg, epoch) => inbox.say(msg, epoch),
            openBridge: bridgeOpener(() => exchange, `instance ${instanceId}`),
            onJobEnd: (end) => this.jobEnded(end),
            logger: this.logger,
          })
        : new InstanceThreads({
            plan,
            job: threads.job,
            params: threads.params,
            boot: { ...threads.boot, exchange: { brokers: [...brokers], operationTimeoutMs } },
            say: (msg, epoch, thread) => inbox.say(msg, epoch, thread),
            onJobEnd: (end) => this.jobEnded(end),
            logger: this.logger,
          }));
    inbox.onFailure((failure) => {
      this.logger.warn(`the link from the job master failed: ${failure.message}`);
      if (failure.fatal) this.end('failed', failure);
    });
    const joined = await joinInstances(
      { applicationId, redis, kafka: { brokers }, instanceId, leaseMs: cluster.leaseMs, heartbeatMs: cluster.heartbeatMs, operationTimeoutMs },
      { sourceTopics: sourceTopicsOf(plan), maxParallelism: plan.maxParallelism, slots: jobSlots(plan) },
      this.s.logging,
    );
    this.joined = joined;
    if (this.ended !== undefined) return this.release();
    // Only once joined (commands sent since the inbox opened wait in Redis): a process refused for another's id never runs that one's commands.
    inbox.onCommand((command, epoch, thread) => taskManager.handle(command, epoch, thread));
    joined.onOwnership((o) => this.ownershipChanged(o));
    this.ownershipChanged(joined.ownership());
  }

  private ownershipChanged(o: Ownership): void {
    if (this.ended !== undefined) return;
    this.taskManager?.ownershipChanged(o);
    const leads = o.state === 'owning' && o.leader === o.instanceId;
    if (leads && this.leading === undefined) return this.lead();
    if (!leads && this.leading !== undefined) {
      this.logger.warn({ epoch: o.epoch }, `instance ${o.instanceId} no longer leads (${o.state}, leader ${o.leader || 'none'}): its job master stops, the new leader's takes over`);
      const { deployment, run } = this.leading;
      this.leading = undefined;
      deployment.abandon();
      run.cancel();
      return;
    }
    this.leading?.deployment.assignmentChanged();
  }

  /** This instance took office: unless the job finished before, its job master runs here. */
  private lead(): void {
    if (this.checkingFinished) return;
    this.checkingFinished = true;
    const check = this.s.finishedBefore?.() ?? Promise.resolve(undefined);
    void check
      .then(
        (mark) => {
          const o = this.joined?.ownership();
          const leads = o !== undefined && o.state === 'owning' && o.leader === o.instanceId;
          if (this.ended !== undefined || !leads || this.leading !== undefined) return;
          if (mark === undefined) return this.startMaster();
          this.logger.info({ finishedUnder: mark.epoch }, `the job finished under epoch ${mark.epoch} (${new Date(mark.at).toISOString()}): instance ${o.instanceId} ends it on every instance instead of running it again (run it again under another applicationId)`);
          return this.endFinishedJob(o.epoch);
        },
        (e: unknown) => this.end('failed', new Error(`whether the job finished before could not be read: ${e instanceof Error ? e.message : String(e)}`)),
      )
      .finally(() => (this.checkingFinished = false));
  }

  /** The job finished under an earlier leader: every instance of the assignment is told so, and this one ends too. */
  private async endFinishedJob(epoch: number): Promise<void> {
    const { cluster } = this.s;
    const members = this.joined?.assignment()?.assignment.members ?? [];
    const links = await RedisTaskManagerLinks.open({ redis: cluster.redis, applicationId: cluster.applicationId, epoch, operationTimeoutMs: cluster.operationTimeoutMs, logging: this.s.logging }).catch(() => undefined);
    await Promise.all(members.map((m) => links?.send(m, { type: 'taskManager.stop', outcome: 'finished' }).catch(() => undefined)));
    await links?.close().catch(() => undefined);
    this.end('finished', undefined);
  }

  /** Runs the job master here: it restores from the job's latest completed checkpoint and deploys on the instances. */
  private startMaster(): void {
    const joined = this.joined;
    if (joined === undefined) return;
    const { cluster, plan } = this.s;
    const deployment = new InstanceDeployment({
      plan,
      assignment: () => joined.assignment(),
      openLinks: (epoch) => RedisTaskManagerLinks.open({ redis: cluster.redis, applicationId: cluster.applicationId, epoch, operationTimeoutMs: cluster.operationTimeoutMs, logging: this.s.logging }),
      openWiring: (epoch) => KafkaChannelWiring.open(plan, { brokers: cluster.brokers ?? [], applicationId: cluster.applicationId, operationTimeoutMs: cluster.operationTimeoutMs, epoch, logger: this.logger }),
      keyedState: this.s.keyedState,
      threadsPerInstance: this.s.threads?.boot.count ?? 1,
      epochKey: membershipKeys(cluster.applicationId).epoch,
      hangTimeoutMs: this.s.config.taskManagerHangTimeoutMs,
      logger: this.logger,
    });
    this.logger.info({ epoch: joined.ownership().epoch }, `instance ${cluster.instanceId} leads: it runs the job master and the checkpoint coordinator`);
    const run = this.s.runMaster(deployment);
    this.leading = { deployment, run };
    void run.outcome.then((o) => {
      // Not abandoned (a leader that lost office cleared `leading` first): the job ended here.
      const ended = this.leading?.run === run;
      if (ended) this.leading = undefined;
      this.failureList.push(...run.failures());
      this.logger.info({ status: o.status }, `the job master of this instance settled: ${o.status}`);
      // This instance ends with it, whether or not the stop command the master sends every
      // instance reached its own inbox: a change of instances while the job stopped (another
      // instance leaving at the same time) ends the placement the command would go through.
      if (ended) this.end(o.status, o.status === 'failed' ? o.error : undefined);
    });
  }

  private jobEnded(end: JobEnd): void {
    this.end(end.status, end.status === 'failed' ? new Error(`the job failed (as its leader reported): ${end.reason ?? 'no reason given'}`) : undefined);
  }

  private end(status: JobOutcome['status'], error: Error | undefined): void {
    if (this.ended !== undefined) return;
    if (error !== undefined) this.logger.error(`instance ${this.s.cluster.instanceId} ends: ${error.message}`);
    const outcome: JobOutcome = { status, error, counters: { operators: {} }, restarts: 0, taskRestarts: 0, checkpoints: undefined, metrics: this.emptyMetrics(status) };
    this.ended = outcome;
    void this.release().then(() => this.settle(outcome));
  }

  /** Stops the tasks here, leaves the membership, closes the link and the exchange. */
  private async release(): Promise<void> {
    this.taskManager?.close();
    const leading = this.leading;
    this.leading = undefined;
    if (leading !== undefined) {
      leading.run.cancel();
      await leading.run.outcome;
    }
    await this.joined?.leave().catch((e: unknown) => this.logger.warn(`leaving the job failed: ${e instanceof Error ? e.message : String(e)}`));
    await this.inbox?.close().catch(() => undefined);
    await this.exchange?.close().catch(() => undefined);
  }

  private emptyMetrics(status: JobStatus) {
    return { status, restarts: 0, taskRestarts: 0, checkpoints: undefined, checkpointHistory: [], tasks: [] };
  }

  private master(what: string): JobRun {
    const run = this.leading?.run;
    if (run !== undefined) return run;
    const leader = this.joined?.ownership().leader;
    throw new Error(`${what}: instance ${this.s.cluster.instanceId} does not run the job master; ask the leader${leader ? ` (${leader})` : ''}`);
  }

  ownership(): Ownership {
    return this.joined?.ownership() ?? { ...NOT_JOINED, instanceId: this.s.cluster.instanceId };
  }

  status(): JobStatus {
    if (this.ended !== undefined) return this.ended.status;
    if (this.leading !== undefined) return this.leading.run.status();
    return this.joined === undefined ? 'created' : 'running';
  }

  /** On the leader, cancels the job on every instance; elsewhere, this instance leaves it (the others take its share). */
  cancel(): void {
    if (this.ended !== undefined) return;
    if (this.leading !== undefined) return this.leading.run.cancel();
    this.end('cancelled', undefined);
  }

  counters() {
    return this.leading?.run.counters() ?? Promise.resolve({ operators: {} });
  }

  triggerCheckpoint() {
    return Promise.resolve().then(() => this.master('triggerCheckpoint').triggerCheckpoint());
  }

  checkpointStats() {
    return this.leading?.run.checkpointStats() ?? Promise.resolve(NO_CHECKPOINTS);
  }

  checkpointHistory() {
    return this.leading?.run.checkpointHistory() ?? Promise.resolve({ stats: NO_CHECKPOINTS, history: [] });
  }

  savepoint(dir: string) {
    return Promise.resolve().then(() => this.master('savepoint').savepoint(dir));
  }

  stopWithSavepoint(dir: string, drain: boolean) {
    return Promise.resolve().then(() => this.master('stopWithSavepoint').stopWithSavepoint(dir, drain));
  }

  metrics() {
    return this.leading?.run.metrics() ?? Promise.resolve(this.emptyMetrics(this.status()));
  }

  hotKeys(task: Parameters<JobRun['hotKeys']>[0], limit: number) {
    return this.leading?.run.hotKeys(task, limit) ?? Promise.resolve({ task, sampled: 0, keys: [] });
  }

  crashTask(vertexName: string, index: number, reason: string): void {
    this.master('crashTask').crashTask(vertexName, index, reason);
  }

  failures(): readonly JobFailure[] {
    return [...this.failureList, ...(this.leading?.run.failures() ?? [])];
  }
}
