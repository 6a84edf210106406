/**
 * A task before its peers are known: the state its actor starts in. 'task.wire' brings the refs
 * of its producers and consumers; the task then restores its state, opens its operators and
 * its source, and becomes a Task, whole from its construction. The job master sends
 * 'task.wire' before anything else reaches the task, so any input, credit or checkpoint
 * message before it is a broken invariant and refused.
 */
import { dispatch } from 'nact';
import { absurd } from 'fp-ts/function';
import { isLeft } from 'fp-ts/Either';
import { ChainedNode } from '../graph/ExecutionPlan';
import { KeySelector } from '../graph/Partitioning';
import { TaskTimeAccount, Wait } from '../metrics/TaskMetrics';
import { keyGroupRangeForOperator } from '../state/keyGroups';
import { FormerOperatorState } from '../state/OperatorStateStore';
import { InputGate } from './InputGate';
import { KeyPrefetcher } from './KeyPrefetcher';
import { OperatorChain } from './OperatorChain';
import { OutputGate } from './OutputGate';
import { RecordTime } from '../graph/StreamOperator';
import { TaskTimers } from '../time/ProcessingTimeService';
import { SourceDriver } from './SourceDriver';
import { SourcePause } from './SourcePause';
import { OperatorContext } from '../graph/StreamOperator';
import { Task } from './Task';
import { KeyedPart } from './TaskCheckpointer';
import { TaskDeps } from './TaskDeps';
import { TaskReading, TaskReporter } from './TaskReporter';
import { TaskResources } from './TaskResources';
import { userFunctionFailed } from './UserFunctionFailed';
import { replayChannelState } from './channelState';
import { taskCheckpoints } from './taskCheckpoints';
import { TaskMsg, TaskRef } from './protocol';

type Wire = Extract<TaskMsg, { type: 'task.wire' }>;

export class UnwiredTask {
  /** Where the task's time goes; undefined without metrics (the task actor reads the clock only with it). */
  readonly timeAccount: TaskTimeAccount | undefined;
  private readonly reporter: TaskReporter;
  /** What wiring opened so far: released by close() when wiring fails half-way. */
  private readonly resources: TaskResources;
  /** The timestamp of the record moving through the chain now (NaN: none); read by the gate. */
  private readonly time: RecordTime = { timestamp: NaN };
  /** Pauses of the source that operators chained to it ask for (watermark alignment). */
  private readonly sourcePause = new SourcePause();

  constructor(
    private readonly deps: TaskDeps,
    private readonly self: TaskRef,
  ) {
    this.resources = new TaskResources(new TaskTimers(() => dispatch(self, { type: 'timers.fire' })));
    this.timeAccount = deps.metrics !== undefined ? new TaskTimeAccount(performance.now(), deps.metrics) : undefined;
    this.reporter = new TaskReporter(deps.plan, deps.task, this.timeAccount);
  }

  /** Nothing is wired: the task waits for input. */
  waitingFor(): Wait {
    return 'forInput';
  }

  receive(msg: TaskMsg): UnwiredTask | Promise<Task> {
    switch (msg.type) {
      case 'task.wire':
        return this.wire(msg);
      case 'task.report':
        dispatch(msg.replyTo, this.reporter.counters(this.reading()));
        return this;
      case 'task.metrics':
        this.reporter.reportMetrics(this.reading(), msg.replyTo);
        return this;
      case 'task.hotKeys':
        this.reporter.startKeySample(msg.limit, msg.replyTo);
        return this;
      case 'task.crash':
        throw new Error(`injected fault: ${msg.reason}`);
      case 'records':
      case 'watermark':
      case 'idle':
      case 'endOfInput':
      case 'barrier':
      case 'barrier.cancel':
      case 'demand':
      case 'task.peerReplaced':
      case 'source.poll':
      case 'source.end':
      case 'checkpoint.trigger':
      case 'checkpoint.completed':
      case 'checkpoint.aborted':
      case 'timers.fire':
        throw new Error(`task '${this.deps.task.id}' got '${msg.type}' before 'task.wire': the job master must wire a task before anything else reaches it`);
      default:
        return absurd(msg);
    }
  }

  private reading(): TaskReading {
    return { chain: undefined, gate: undefined, keyedState: undefined, sourceRecordsOut: undefined, recordsIn: 0, inputQueued: 0, inputWatermark: -Infinity, partitionLag: undefined };
  }

  /** Restores, opens and connects the task; resolves to the running Task. */
  private async wire(msg: Wire): Promise<Task> {
    const { deps, resources, time } = this;
    const { plan, task, restore, logger } = deps;
    const inputs = new InputGate(
      task.inputs.map((end) => end.channel),
      msg.inputs,
      plan.channelCapacity,
    );
    const gate = new OutputGate(task.outputs, msg.outputs, plan.batchSize, plan.maxParallelism, task.index, time);
    const chain = (resources.chain = new OperatorChain(task.chain, task.index, gate, logger));
    const formerOf = (uid: string) => restore?.nodes[uid] ?? [];
    const keyedNode = task.chain.find((n): n is ChainedNode & { readonly keySelector: KeySelector } => n.keySelector !== undefined);
    let keyed: KeyedPart | undefined;
    if (keyedNode !== undefined) {
      const range = keyGroupRangeForOperator(task.index, task.parallelism, plan.maxParallelism);
      const backend = (resources.keyedState = deps.createKeyedStateBackend(range, plan.maxParallelism, { operatorUid: keyedNode.uid, logger }));
      const restored = await backend.restore(
        formerOf(keyedNode.uid).flatMap((f) => (f.snapshot.keyed ? [f.snapshot.keyed] : [])),
        restore?.checkpointId,
      );
      if (isLeft(restored)) throw new Error(`cannot restore keyed state of '${keyedNode.name}': ${restored.left}`);
      keyed = { node: keyedNode, backend };
    }
    chain.restoreOperatorState(
      (uid) => formerOf(uid).flatMap(({ index, parallelism, snapshot }): FormerOperatorState[] => (snapshot.operator ? [{ index, parallelism, snapshot: snapshot.operator }] : [])),
      task.parallelism,
    );
    await chain.open((node, state) => this.contextFor(node, state));
    // Once per operator and run: from its first instance, as the job first deploys.
    if (deps.checkpointing !== undefined && deps.attempt === 0 && deps.incarnation === 0 && task.index === 0) this.warnOfDerivedUids(chain);
    const prefetcher = KeyPrefetcher.of(keyed?.backend, keyed?.node.keySelector);
    if (restore?.channels !== undefined) await replayChannelState(restore.channels, { gate, chain, time, prefetcher });
    let source: SourceDriver | undefined;
    if (task.source !== undefined) {
      const sourceName = task.source.node.name;
      const former = formerOf(task.source.node.uid);
      try {
        const reader = (resources.reader = task.source.source.createReader({
          index: task.index,
          parallelism: task.parallelism,
          restoredPosition: former.find((f) => f.index === task.index)?.snapshot.source,
          restoredPositions: former.flatMap((f) => (f.snapshot.source === undefined ? [] : [f.snapshot.source])),
          actor: this.self,
          checkpointing: deps.checkpointing,
          logger,
          ...applicationLink(deps, task.source.node.uid),
        }));
        await reader.open?.();
        source = new SourceDriver({ reader, name: sourceName, index: task.index, batchSize: plan.batchSize, chain, gate, time, self: this.self, saveProgress: deps.saveSourceProgress, timeAccount: this.timeAccount, pause: this.sourcePause });
      } catch (e) {
        throw userFunctionFailed(sourceName, task.index, undefined, e, 'opening');
      }
    }
    const running = new Task({
      deps,
      inputs,
      gate,
      chain,
      time,
      resources,
      keyedState: keyed?.backend,
      prefetcher,
      source,
      ...taskCheckpoints(deps, { inputs, gate, chain, keyed, source }),
      reporter: this.reporter,
      timeAccount: this.timeAccount,
    });
    inputs.grantInitial();
    source?.schedule();
    return running;
  }

  /** Stateful operators (and the source) without a uid of the user's: their state is found again only while the uid derived for them stays the same. */
  private warnOfDerivedUids(chain: OperatorChain): void {
    const source = this.deps.task.source;
    const stateful = [...(source !== undefined ? [source.node] : []), ...chain.statefulNodes()];
    for (const node of stateful.filter((n) => !n.explicitUid)) {
      this.deps.logger.warn(
        { uid: node.uid },
        `operator '${node.name}' keeps state but has no uid: a restore finds its state under the derived uid '${node.uid}', which changes when the operator is renamed ` +
          'or an operator of the same name is added or removed before it; give it one with .uid(...)',
      );
    }
  }

  private contextFor(node: ChainedNode, operatorState: OperatorContext['operatorState']): Omit<OperatorContext, 'failRecord'> {
    const { plan, task } = this.deps;
    return {
      jobName: plan.jobName,
      operatorName: node.name,
      index: task.index,
      parallelism: task.parallelism,
      maxParallelism: plan.maxParallelism,
      keyedState: node.keySelector !== undefined ? this.resources.keyedState : undefined,
      operatorState,
      time: this.time,
      processingTime: this.resources.timers,
      isRestored: this.deps.restore !== undefined,
      restoredCheckpointId: this.deps.restore?.checkpointId,
      ...(this.deps.epoch === undefined ? {} : { epoch: this.deps.epoch }),
      checkpointing: this.deps.checkpointing,
      actor: this.self,
      logger: this.deps.logger,
      chainedSource: task.source === undefined ? undefined : { run: `${plan.jobName}#${this.deps.attempt}`, pauseUntil: (until) => this.sourcePause.until(until) },
      ...applicationLink(this.deps, node.uid),
    };
  }

  /** Releases what wiring opened before it failed; the task actor's single teardown. */
  close(): Promise<void> {
    return this.resources.close();
  }
}

/** In a task manager's thread: node `uid`'s line to its object in the application's thread; none in that thread itself. */
function applicationLink(deps: TaskDeps, uid: string): Pick<OperatorContext, 'toApplication' | 'fromApplication'> {
  const { toApplication, fromApplication } = deps;
  return {
    toApplication: toApplication === undefined ? undefined : (message) => toApplication(uid, message),
    fromApplication: fromApplication === undefined ? undefined : (handler) => fromApplication(uid, handler),
  };
}
