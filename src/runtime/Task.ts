/**
 * One parallel instance of an operator chain: the logic a task actor runs. It takes input
 * batches while its outputs have room, grants its producers credit for what it consumed,
 * reads its source while consumers have credit, aligns checkpoint barriers, snapshots and
 * acknowledges, and finishes once every input has ended and (with checkpointing) the final
 * checkpoint is complete. All its state is reachable only from the task's message handler.
 */
import { Logger } from '../logging/logger';
import { Ref, dispatch } from 'nact';
import { isLeft } from 'fp-ts/Either';
import { ChainedNode, ExecutionPlan, TaskPlan, outputChannelCount } from '../graph/ExecutionPlan';
import { TaskCounters } from '../metrics/TaskCounters';
import { HotKeys, KeySample, TaskMetricsReport, TaskTimeAccount, ThreadLedger, Wait } from '../metrics/TaskMetrics';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { KeyGroupRange, keyGroupRangeForOperator } from '../state/keyGroups';
import { FormerOperatorState } from '../state/OperatorStateStore';
import { SourceReader } from '../connectors/Source';
import { ChannelRecords, ChannelState, CheckpointId, CheckpointingMode, NodeSnapshot, TaskRestore, TaskSnapshot } from '../checkpoint/CheckpointTypes';
import { AlignmentEffect, AlignmentEvent, AlignmentState, alignmentTransition, initialAlignment } from '../checkpoint/barrierAlignment';
import { UnalignedEffect, UnalignedEvent, UnalignedState, initialUnaligned, isRecording, unalignedTransition } from '../checkpoint/unalignedBarriers';
import { CoordinatorRef } from '../checkpoint/coordinatorProtocol';
import { OperatorChain } from './OperatorChain';
import { Buffered, OutputGate, RecordTime } from './OutputGate';
import { TaskTimers } from './ProcessingTimeService';
import { FINAL_CHECKPOINT, OperatorContext } from './StreamOperator';
import { userFunctionFailed } from './UserFunctionFailed';
import { ValveEvent, ValveState, initialValve, valveTransition } from './watermarkValve';
import { MasterRef, TaskMsg, TaskRef } from './protocol';

/** Channel records as a checkpoint stores them: JSON has no NaN, so a missing timestamp is null. */
function toChannelRecords(b: Buffered): ChannelRecords {
  return { records: b.records, timestamps: b.timestamps.map((t) => (Number.isNaN(t) ? null : t)) };
}

function fromChannelRecords(c: ChannelRecords): Buffered {
  return { records: [...c.records], timestamps: c.timestamps.map((t) => t ?? NaN) };
}

/** Which operator a keyed backend is for: a remote backend names its key space after it. */
export interface KeyedStateOwner {
  readonly operatorUid: string;
  /** The task's logger: a remote backend logs its connection's trouble there. */
  readonly logger?: Logger;
}

export type KeyedStateBackendFactory = (range: KeyGroupRange, maxParallelism: number, owner: KeyedStateOwner) => KeyedStateBackend;

export interface TaskDeps {
  readonly plan: ExecutionPlan;
  readonly task: TaskPlan;
  /** Which deployment of the job this task belongs to; messages of older attempts are ignored. */
  readonly attempt: number;
  /** How many times this task was restarted alone within the attempt (restartTask); 0 at first. */
  readonly incarnation?: number;
  readonly master: MasterRef;
  readonly coordinator: CoordinatorRef | undefined;
  readonly checkpointing: CheckpointingMode | undefined;
  /** Exactly-once by unaligned checkpoints: barriers overtake buffered records. */
  readonly unaligned: boolean;
  readonly restore: TaskRestore | undefined;
  readonly createKeyedStateBackend: KeyedStateBackendFactory;
  /** The task's logger: the job's, with the task's id, name and index on every line. */
  readonly logger: Logger;
  /** At-most-once: saves how far this source task will have read, before it emits; durable like the checkpoints. */
  readonly saveSourceProgress: ((position: unknown) => Promise<void>) | undefined;
  /** Metrics on: the task accounts its time (busy, back-pressured, idle) per message, against the job's ledger of its thread. */
  readonly metrics?: ThreadLedger;
}

type InputItem = Extract<TaskMsg, { type: 'records' | 'endOfInput' | 'barrier' | 'barrier.cancel' | 'watermark' | 'idle' }>;

interface InputChannel {
  ref: TaskRef | undefined;
  /** The channel's index at the producer. */
  readonly remote: number;
  ended: boolean;
  /** Held by barrier alignment: its items wait until the checkpoint is aligned. */
  blocked: boolean;
  /** Records taken since credit was last granted back. */
  consumed: number;
  /** Arrived, not processed yet; bounded by the credit granted on the channel. */
  readonly queue: InputItem[];
}

export class Task {
  private phase: 'created' | 'running' | 'drained' | 'finished' = 'created';
  /** A source that emitted the barrier of the savepoint its job stops at: it reads nothing more unless that savepoint is aborted. */
  private suspendedAt: CheckpointId | undefined;
  private readonly inputs: InputChannel[];
  /** Where the round-robin over input channels continues. */
  private nextInput = 0;
  private readonly ended = new Set<number>();
  private alignment: AlignmentState = initialAlignment;
  private alignmentStartedAt = 0;
  private unaligned: UnalignedState = initialUnaligned;
  /** The unaligned checkpoint this task snapshotted, with the in-flight records recorded for it so far. */
  private channelState: { readonly id: CheckpointId; readonly snapshot: TaskSnapshot; readonly inputs: Buffered[]; readonly outputs: Buffered[] } | undefined;
  /** Input channels whose end of input has arrived (it may still wait in the queue). */
  private readonly endArrived = new Set<number>();
  /** Latest cancellation marker forwarded, so each is forwarded once. */
  private lastCancelForwarded = 0;
  private gate: OutputGate | undefined;
  private chain: OperatorChain | undefined;
  private reader: SourceReader<unknown> | undefined;
  private keyedState: KeyedStateBackend | undefined;
  /** Prefetches asked of the keyed backend so far (each is one of its batch generations). */
  private prefetches = 0;
  /** The next queued batch, whose keys are loading while the current batch is processed. */
  private ahead: { readonly item: InputItem; readonly at: number; readonly loading: Promise<void> | undefined } | undefined;
  private readonly keyedNode: ChainedNode | undefined;
  private pollScheduled = false;
  private sourceRecordsOut = 0;
  /** Records taken from the input channels, counted per batch. */
  private recordsIn = 0;
  /** Where the task's time goes; undefined without metrics (the task actor reads the clock only with it). */
  readonly timeAccount: TaskTimeAccount | undefined;
  /** An open hot-keys request: the keys of records processed are counted until it is answered. */
  private keySample: { readonly sample: KeySample; readonly replyTo: Ref<HotKeys> } | undefined;
  /** The timestamp of the record moving through the chain now (NaN: none); read by the gate. */
  private readonly time: RecordTime = { timestamp: NaN };
  private readonly timers: TaskTimers;
  /** The task's event time: the minimum over its active inputs' watermarks; never goes back. */
  private valve: ValveState;
  private readonly emit = (record: unknown, timestamp?: number): void => {
    this.sourceRecordsOut++;
    this.time.timestamp = timestamp ?? NaN;
    this.chain!.head.collect(record);
  };

  constructor(private readonly deps: TaskDeps, private readonly self: TaskRef) {
    this.inputs = deps.task.inputs.map((end) => ({
      ref: undefined,
      remote: end.channel,
      ended: false,
      blocked: false,
      consumed: 0,
      queue: [],
    }));
    this.valve = initialValve(deps.task.inputs.length);
    this.keyedNode = deps.task.chain.find((n) => n.keySelector !== undefined);
    this.timers = new TaskTimers(() => dispatch(this.self, { type: 'timers.fire' }));
    this.timeAccount = deps.metrics !== undefined ? new TaskTimeAccount(performance.now(), deps.metrics) : undefined;
  }

  /** What the task waits for after a message (see TaskTimeAccount): credit when its output gate is full, the thread when its next read is scheduled, else input. */
  waitingFor(): Wait {
    if (this.gate !== undefined && !this.gate.hasRoom()) return 'forCredit';
    return this.pollScheduled ? 'forThread' : 'forInput';
  }

  handle(msg: TaskMsg): void | Promise<void> {
    switch (msg.type) {
      case 'task.wire':
        return this.wire(msg.inputs, msg.outputs);
      case 'records': {
        if (this.channelState !== undefined && isRecording(this.unaligned, msg.channel)) {
          const held = this.channelState.inputs[msg.channel];
          held.records.push(...msg.records);
          held.timestamps.push(...msg.timestamps);
        }
        this.inputs[msg.channel].queue.push(msg);
        return this.drain();
      }
      case 'watermark':
      case 'idle':
        this.inputs[msg.channel].queue.push(msg);
        return this.drain();
      case 'endOfInput':
        this.endArrived.add(msg.channel);
        this.inputs[msg.channel].queue.push(msg);
        if (this.deps.unaligned) return this.applyUnaligned({ type: 'channelEnded', channel: msg.channel }).then(() => this.drain());
        return this.drain();
      case 'barrier':
      case 'barrier.cancel':
        // Unaligned: barriers are handled on arrival, ahead of the input queued before them.
        if (this.deps.unaligned) {
          if (msg.type === 'barrier.cancel') return this.applyUnaligned({ type: 'cancel', id: msg.id });
          return this.applyUnaligned({ type: 'barrier', channel: msg.channel, id: msg.id }).then(() => this.drain());
        }
        this.inputs[msg.channel].queue.push(msg);
        return this.drain();
      case 'demand':
        this.gate!.grant(msg.channel, msg.credits);
        return this.resume();
      case 'task.peerReplaced':
        return this.peerReplaced(msg.side, msg.channel, msg.ref);
      case 'source.poll':
        this.pollScheduled = false;
        return this.poll();
      case 'task.report':
        dispatch(msg.replyTo, this.counters());
        return;
      case 'task.metrics':
        dispatch(msg.replyTo, this.metricsReport());
        // A sample of a task that gets no more input ends with its time.
        if (this.keySample !== undefined) this.sampleKeys([]);
        return;
      case 'task.hotKeys':
        this.startKeySample(msg.limit, msg.replyTo);
        return;
      case 'checkpoint.trigger':
        return this.triggerAtSource(msg.id, msg.suspend === true);
      case 'source.end':
        // Stop with drain: the source's input ends here, as a bounded source's would.
        if (this.phase !== 'running' || this.reader === undefined) return;
        return this.endInput();
      case 'checkpoint.completed':
        return this.checkpointCompleted(msg.id, msg.final);
      case 'checkpoint.aborted':
        this.keyedState?.notifyCheckpointAborted?.(msg.id);
        if (this.suspendedAt === msg.id) {
          this.suspendedAt = undefined;
          this.schedulePoll();
        }
        if (this.deps.unaligned) return this.applyUnaligned({ type: 'cancel', id: msg.id });
        return this.applyAlignment({ type: 'abort', id: msg.id }).then(() => this.drain());
      case 'timers.fire':
        return this.fireTimers();
      case 'task.crash':
        throw new Error(`injected fault: ${msg.reason}`);
    }
  }

  private async wire(inputRefs: readonly TaskRef[], outputRefs: readonly TaskRef[]): Promise<void> {
    const { plan, task, restore } = this.deps;
    inputRefs.forEach((ref, i) => (this.inputs[i].ref = ref));
    this.gate = new OutputGate(task.outputs, outputRefs, plan.batchSize, plan.maxParallelism, task.index, this.time);
    this.chain = new OperatorChain(task.chain, task.index, this.gate, this.deps.logger);
    const formerOf = (uid: string) => restore?.nodes[uid] ?? [];
    if (this.keyedNode !== undefined) {
      this.keyedState = this.deps.createKeyedStateBackend(keyGroupRangeForOperator(task.index, task.parallelism, plan.maxParallelism), plan.maxParallelism, {
        operatorUid: this.keyedNode.uid,
        logger: this.deps.logger,
      });
      const restored = await this.keyedState.restore(
        formerOf(this.keyedNode.uid).flatMap((f) => (f.snapshot.keyed ? [f.snapshot.keyed] : [])),
        restore?.checkpointId,
      );
      if (isLeft(restored)) throw new Error(`cannot restore keyed state of '${this.keyedNode.name}': ${restored.left}`);
    }
    this.chain.restoreOperatorState(
      (uid) => formerOf(uid).flatMap(({ index, parallelism, snapshot }): FormerOperatorState[] => (snapshot.operator ? [{ index, parallelism, snapshot: snapshot.operator }] : [])),
      task.parallelism,
    );
    await this.chain.open((node, state) => this.contextFor(node, state));
    // Once per operator and run: from its first instance, as the job first deploys.
    if (this.deps.checkpointing !== undefined && this.deps.attempt === 0 && this.deps.incarnation === 0 && task.index === 0) this.warnOfDerivedUids(this.chain);
    if (restore?.channels !== undefined) await this.replayChannelState(restore.channels);
    if (task.source !== undefined) {
      const sourceName = task.source.node.name;
      const former = formerOf(task.source.node.uid);
      const restoredPosition = former.find((f) => f.index === task.index)?.snapshot.source;
      const restoredPositions = former.flatMap((f) => (f.snapshot.source === undefined ? [] : [f.snapshot.source]));
      try {
        this.reader = task.source.source.createReader({
          index: task.index,
          parallelism: task.parallelism,
          restoredPosition,
          restoredPositions,
          actor: this.self,
          checkpointing: this.deps.checkpointing,
          logger: this.deps.logger,
        });
        await this.reader.open?.();
      } catch (e) {
        throw userFunctionFailed(sourceName, task.index, undefined, e, 'opening');
      }
    }
    this.phase = 'running';
    for (const input of this.inputs) dispatch(input.ref!, { type: 'demand', channel: input.remote, credits: plan.channelCapacity });
    if (this.reader !== undefined) this.schedulePoll();
  }

  /**
   * A peer was restarted alone. A consumer's successor grants its own credit. A producer's
   * successor gets credit for what this task's queue on that channel does not hold already,
   * so records in flight stay under the channel's capacity.
   */
  private peerReplaced(side: 'input' | 'output', channel: number, ref: TaskRef): void | Promise<void> {
    if (side === 'output') {
      this.gate?.replaceConsumer(channel, ref);
      return;
    }
    const input = this.inputs[channel];
    input.ref = ref;
    input.consumed = 0;
    if (this.phase !== 'running' || input.ended) return;
    let queued = 0;
    for (const item of input.queue) if (item.type === 'records') queued += item.records.length;
    const credits = this.deps.plan.channelCapacity - queued;
    if (credits > 0) dispatch(ref, { type: 'demand', channel: input.remote, credits });
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
      keyedState: node.keySelector !== undefined ? this.keyedState : undefined,
      operatorState,
      time: this.time,
      processingTime: this.timers,
      isRestored: this.deps.restore !== undefined,
      restoredCheckpointId: this.deps.restore?.checkpointId,
      checkpointing: this.deps.checkpointing,
      actor: this.self,
      logger: this.deps.logger,
    };
  }

  private resume(): void | Promise<void> {
    if (this.phase !== 'running') return;
    if (this.reader !== undefined) {
      if (this.gate!.hasRoom()) this.schedulePoll();
      return;
    }
    return this.drain();
  }

  // --- sources -------------------------------------------------------------------------------

  private schedulePoll(): void {
    if (this.pollScheduled) return;
    this.pollScheduled = true;
    dispatch(this.self, { type: 'source.poll' });
  }

  private async poll(): Promise<void> {
    if (this.phase !== 'running' || this.suspendedAt !== undefined || !this.gate!.hasRoom()) return;
    const { task, plan } = this.deps;
    // At-most-once: read into a buffer, save the position after it, only then emit.
    const held: Buffered | undefined = this.deps.saveSourceProgress === undefined ? undefined : { records: [], timestamps: [] };
    let result;
    try {
      const hold = (r: unknown, timestamp?: number) => {
        held!.records.push(r);
        held!.timestamps.push(timestamp ?? NaN);
      };
      result = this.reader!.poll(plan.batchSize, held === undefined ? this.emit : hold);
      if (typeof result !== 'string') result = await result;
    } catch (e) {
      throw userFunctionFailed(task.source!.node.name, task.index, undefined, e, 'reading');
    }
    if (held !== undefined) {
      await this.deps.saveSourceProgress!(this.reader!.position());
      for (let i = 0; i < held.records.length; i++) this.emit(held.records[i], held.timestamps[i]);
    }
    const written = this.chain!.endOfBatch();
    if (written !== undefined) await written;
    this.gate!.flushAll();
    if (result === 'end') return this.endInput();
    if (this.gate!.hasRoom()) this.schedulePoll();
  }

  /** The coordinator's trigger reaches a source between two polls: the position is exact. */
  private async triggerAtSource(id: CheckpointId, suspend: boolean): Promise<void> {
    if (this.phase !== 'running' || this.reader === undefined) return;
    if (suspend) this.suspendedAt = id;
    if (!this.deps.unaligned) return this.checkpoint(id, 0);
    const snapshot = await this.snapshot(id);
    const outputs = this.gate!.emitPriorityEvent({ type: 'barrier', id });
    this.acknowledge(id, { ...snapshot, channels: { inputs: [], outputs: outputs.map(toChannelRecords) } }, 0);
  }

  // --- unaligned checkpoints -----------------------------------------------------------------

  private async applyUnaligned(event: UnalignedEvent): Promise<void> {
    const { state, effects } = unalignedTransition(this.unaligned, event, { channels: this.inputs.length, endArrived: this.endArrived, running: this.phase === 'running' });
    this.unaligned = state;
    for (const effect of effects) await this.applyUnalignedEffect(effect);
  }

  private async applyUnalignedEffect(effect: UnalignedEffect): Promise<void> {
    switch (effect.type) {
      case 'subsumed':
        this.channelState = undefined;
        this.decline(effect.id, 'subsumed by a newer checkpoint before all its barriers arrived');
        this.forwardCancel(effect.id);
        return;
      case 'snapshot': {
        // Snapshot at once and send the barrier ahead of the buffered output; the input queued
        // before the barrier is the first of the channel state.
        const snapshot = await this.snapshot(effect.id);
        const outputs = this.gate!.emitPriorityEvent({ type: 'barrier', id: effect.id });
        const inputs = this.inputs.map((input) => {
          const queued: Buffered = { records: [], timestamps: [] };
          for (const item of input.queue) {
            if (item.type !== 'records') continue;
            queued.records.push(...item.records);
            queued.timestamps.push(...item.timestamps);
          }
          return queued;
        });
        this.channelState = { id: effect.id, snapshot, inputs, outputs };
        return;
      }
      case 'acknowledge': {
        const recorded = this.channelState;
        if (recorded?.id !== effect.id) throw new Error(`unaligned checkpoint ${effect.id} is acknowledged without its snapshot`);
        this.channelState = undefined;
        this.acknowledge(effect.id, { ...recorded.snapshot, channels: { inputs: recorded.inputs.map(toChannelRecords), outputs: recorded.outputs.map(toChannelRecords) } }, 0);
        return;
      }
      case 'discard':
        this.channelState = undefined;
        return;
      case 'forwardCancel':
        this.forwardCancel(effect.id);
        return;
    }
  }

  /** Restored in-flight records: output first back in front of the gate, input through the chain. */
  private async replayChannelState(channels: ChannelState): Promise<void> {
    this.gate!.restoreBuffered(channels.outputs.map(fromChannelRecords));
    const head = this.chain!.head;
    for (const { records, timestamps } of channels.inputs.map(fromChannelRecords)) {
      const loading = this.prefetch(records);
      if (loading !== undefined) await loading;
      for (let i = 0; i < records.length; i++) {
        this.time.timestamp = timestamps[i];
        head.collect(records[i]);
      }
    }
    const written = this.chain!.endOfBatch();
    if (written !== undefined) await written;
  }

  // --- input ---------------------------------------------------------------------------------

  /** The next input channel with something to process, round-robin; -1 when none. */
  private nextReadyInput(): number {
    const n = this.inputs.length;
    for (let k = 0; k < n; k++) {
      const c = (this.nextInput + k) % n;
      const input = this.inputs[c];
      if (!input.blocked && input.queue.length > 0) {
        this.nextInput = (c + 1) % n;
        return c;
      }
    }
    return -1;
  }

  private async drain(): Promise<void> {
    if (this.phase !== 'running') return;
    const gate = this.gate!;
    const head = this.chain!.head;
    while (gate.hasRoom()) {
      const c = this.nextReadyInput();
      if (c < 0) break;
      const input = this.inputs[c];
      const item = input.queue.shift()!;
      switch (item.type) {
        case 'records': {
          const records = item.records;
          const timestamps = item.timestamps;
          const loading = this.loadBatch(item);
          this.loadAhead(input.queue[0]);
          if (loading !== undefined) await loading;
          const time = this.time;
          for (let i = 0; i < records.length; i++) {
            time.timestamp = timestamps[i];
            head.collect(records[i]);
          }
          input.consumed += records.length;
          this.recordsIn += records.length;
          if (this.keySample !== undefined) this.sampleKeys(records);
          const written = this.chain!.endOfBatch();
          if (written !== undefined) await written;
          break;
        }
        case 'barrier':
          await this.applyAlignment({ type: 'barrier', channel: c, id: item.id });
          break;
        case 'watermark': {
          this.applyValve({ type: 'watermark', channel: c, watermark: item.watermark });
          // What the watermark fired (window results, timers) is written like a batch's output.
          const written = this.chain!.endOfBatch();
          if (written !== undefined) await written;
          break;
        }
        case 'idle': {
          this.applyValve({ type: 'idle', channel: c });
          const written = this.chain!.endOfBatch();
          if (written !== undefined) await written;
          break;
        }
        case 'barrier.cancel':
          await this.applyAlignment({ type: 'abort', id: item.id });
          this.forwardCancel(item.id);
          break;
        case 'endOfInput':
          input.ended = true;
          this.ended.add(c);
          this.applyValve({ type: 'channelEnded', channel: c });
          {
            const written = this.chain!.endOfBatch();
            if (written !== undefined) await written;
          }
          await this.applyAlignment({ type: 'channelEnded', channel: c });
          if (this.ended.size === this.inputs.length) {
            this.grantCredits();
            return this.endInput();
          }
          break;
      }
    }
    this.grantCredits();
    gate.flushAll();
  }

  /** Lets a remote keyed backend load the batch's keys first; undefined when nothing to wait for. */
  private prefetch(records: readonly unknown[]): Promise<void> | undefined {
    const backend = this.keyedState;
    if (backend?.prefetch === undefined || this.keyedNode === undefined) return undefined;
    const selector = this.keyedNode.keySelector!;
    this.prefetches++;
    return backend.prefetch(records.map((r) => selector(r)));
  }

  /**
   * The load of a batch about to be processed: the one started ahead for it when no other
   * prefetch came since (then the one started next, for the batch after, is the only newer
   * one, and a backend keeps the entries of its last two batches), a new prefetch otherwise.
   */
  private loadBatch(item: Extract<InputItem, { type: 'records' }>): Promise<void> | undefined {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead !== undefined && ahead.item === item && ahead.at === this.prefetches) return ahead.loading;
    return this.prefetch(item.records);
  }

  /**
   * Starts loading the keys of the next queued batch while this one is processed, so that a
   * remote backend's round trip overlaps the work instead of stalling the task.
   */
  private loadAhead(next: InputItem | undefined): void {
    if (next?.type !== 'records' || this.keyedState?.prefetch === undefined || this.keyedNode === undefined) return;
    const loading = this.prefetch(next.records);
    // Awaited when the batch is processed; a failure left unawaited (the batch never processed here) is not unhandled.
    loading?.catch(() => undefined);
    this.ahead = { item: next, at: this.prefetches, loading };
  }

  /** Event time through the valve (watermarkValve.ts); what it lets through goes down the chain. */
  private applyValve(event: ValveEvent): void {
    const { state, output } = valveTransition(this.valve, event);
    this.valve = state;
    if (output === undefined) return;
    if (output.type === 'idle') this.chain!.head.emitIdle();
    else this.chain!.head.emitWatermark(output.watermark);
  }

  private grantCredits(): void {
    for (const input of this.inputs) {
      if (input.consumed === 0 || input.ended) continue;
      dispatch(input.ref!, { type: 'demand', channel: input.remote, credits: input.consumed });
      input.consumed = 0;
    }
  }

  // --- checkpoints ---------------------------------------------------------------------------

  private async applyAlignment(event: AlignmentEvent): Promise<void> {
    if (this.deps.checkpointing === undefined || this.deps.unaligned || this.reader !== undefined) return;
    const before = this.alignment;
    const { state, effects } = alignmentTransition(before, event, {
      channels: this.inputs.length,
      ended: this.ended,
      aligned: this.deps.checkpointing === 'exactly-once',
    });
    this.alignment = state;
    if (before.kind === 'waitingForFirstBarrier' && state.kind === 'collectingBarriers') this.alignmentStartedAt = Date.now();
    for (const effect of effects) await this.applyEffect(effect);
  }

  private async applyEffect(effect: AlignmentEffect): Promise<void> {
    switch (effect.type) {
      case 'block':
        this.inputs[effect.channel].blocked = true;
        return;
      case 'unblockAll':
        // Held input is taken by the drain loop that runs after every event.
        for (const input of this.inputs) input.blocked = false;
        return;
      case 'snapshot':
        return this.checkpoint(effect.id, this.inputs.length > 1 ? Date.now() - this.alignmentStartedAt : 0);
      case 'subsumed':
        this.decline(effect.id, 'subsumed by a newer checkpoint before it was aligned');
        this.forwardCancel(effect.id);
        return;
    }
  }

  private forwardCancel(id: CheckpointId): void {
    if (id <= this.lastCancelForwarded) return;
    this.lastCancelForwarded = id;
    this.gate!.emitEvent({ type: 'barrier.cancel', id });
  }

  private decline(id: CheckpointId, reason: string): void {
    if (this.deps.coordinator === undefined) return;
    dispatch(this.deps.coordinator, { type: 'checkpoint.decline', id, attempt: this.deps.attempt, task: this.deps.task.id, reason: { _tag: 'subsumed', detail: reason } });
  }

  /** Snapshots, acknowledges, then sends the barrier on: everything emitted before belongs to `id`. */
  private async checkpoint(id: CheckpointId, alignmentMs: number): Promise<void> {
    const snapshot = await this.snapshot(id);
    this.acknowledge(id, snapshot, alignmentMs);
    this.gate!.emitEvent({ type: 'barrier', id });
  }

  private acknowledge(id: CheckpointId, snapshot: TaskSnapshot, alignmentMs: number): void {
    dispatch(this.deps.coordinator!, { type: 'checkpoint.ack', id, attempt: this.deps.attempt, task: this.deps.task.id, snapshot, alignmentMs });
  }

  private async snapshot(id: CheckpointId): Promise<TaskSnapshot> {
    const { task } = this.deps;
    const operators = await this.chain!.snapshotState(id);
    const nodes: Record<string, NodeSnapshot> = {};
    for (const [uid, operator] of Object.entries(operators)) nodes[uid] = { operator };
    if (this.keyedNode !== undefined) nodes[this.keyedNode.uid] = { ...nodes[this.keyedNode.uid], keyed: await this.keyedState!.snapshot(id) };
    if (task.source !== undefined) nodes[task.source.node.uid] = { source: this.reader!.position(id) };
    return { task: task.id, index: task.index, parallelism: task.parallelism, nodes };
  }

  private async checkpointCompleted(id: CheckpointId, final: boolean): Promise<void> {
    if (final && this.phase === 'running') {
      // The savepoint the job stops at, without drain: commit what it holds, finish where it stands.
      this.reader?.notifyCheckpointComplete?.(id);
      await this.chain!.notifyCheckpointComplete(id);
      await this.keyedState?.notifyCheckpointComplete?.(id);
      return this.finishTask();
    }
    if (final) {
      if (this.phase !== 'drained') return;
      this.reader?.notifyCheckpointComplete?.(FINAL_CHECKPOINT);
      await this.chain!.notifyCheckpointComplete(FINAL_CHECKPOINT);
      // The backend hears the real id: retention matches it against the store's.
      await this.keyedState?.notifyCheckpointComplete?.(id);
      return this.finishTask();
    }
    this.reader?.notifyCheckpointComplete?.(id);
    await this.chain!.notifyCheckpointComplete(id);
    await this.keyedState?.notifyCheckpointComplete?.(id);
  }

  // --- end of input --------------------------------------------------------------------------

  /**
   * Every input ended: operators emit what they hold, end-of-input follows the records
   * downstream. With checkpointing, the task then reports its final snapshot and waits for the
   * final checkpoint before it commits and finishes; without, it finishes now.
   */
  private async endInput(): Promise<void> {
    // No more input: event time is over, every event-time window and timer fires.
    this.applyValve({ type: 'inputEnded' });
    await this.chain!.finish();
    this.gate!.emitEvent({ type: 'endOfInput' });
    if (this.deps.checkpointing === undefined) return this.finishTask();
    const snapshot = await this.snapshot(FINAL_CHECKPOINT);
    this.phase = 'drained';
    dispatch(this.deps.master, { type: 'task.drained', report: { task: this.deps.task.id, attempt: this.deps.attempt, snapshot } });
  }

  private finishTask(): void {
    this.phase = 'finished';
    dispatch(this.deps.master, {
      type: 'task.finished',
      attempt: this.deps.attempt,
      report: { task: this.deps.task.id, counters: this.counters(), metrics: this.metricsReport() },
    });
  }

  counters(): TaskCounters {
    const operators = { ...(this.chain?.counters() ?? {}) };
    const source = this.deps.task.source;
    if (source !== undefined) operators[source.node.name] = { recordsIn: 0, recordsOut: this.sourceRecordsOut };
    return { task: this.deps.task.id, operators };
  }

  /** Cumulative figures for the job's metrics; built only when asked (about once a second). */
  private metricsReport(): TaskMetricsReport {
    const { plan, task } = this.deps;
    let inputQueued = 0;
    for (const input of this.inputs) for (const item of input.queue) if (item.type === 'records') inputQueued += item.records.length;
    const account = this.timeAccount;
    const counts = this.keyedState?.keyCounts();
    const cache = this.keyedState?.cacheStatistics?.();
    return {
      task: task.id,
      at: performance.now(),
      recordsIn: this.reader !== undefined ? this.sourceRecordsOut : this.recordsIn,
      recordsOut: this.gate?.recordsOut ?? 0,
      time: account === undefined ? undefined : { busyMs: account.busyMs, backPressuredMs: account.backPressuredMs, idleMs: account.idleMs },
      inputQueued,
      inputCapacity: this.inputs.length * plan.channelCapacity,
      outputBuffered: this.gate?.bufferedRecords() ?? 0,
      outputCapacity: outputChannelCount(task) * plan.batchSize,
      inputWatermark: this.inputs.length === 0 ? -Infinity : this.valve.watermark,
      outputWatermark: this.gate?.lastWatermark ?? -Infinity,
      stateKeys: counts === undefined ? undefined : Object.values(counts).reduce((a, b) => a + b, 0),
      cache,
      operators: this.chain?.reports() ?? [],
    };
  }

  /**
   * Starts counting the keys of the records this task processes next (the stall diagnosis:
   * the bottleneck's hottest keys); the answer goes once the sample is complete. A task without
   * a keyed operator at the head of its chain (its input is not partitioned by key) answers
   * at once with none.
   */
  private startKeySample(limit: number, replyTo: Ref<HotKeys>): void {
    if (this.deps.task.chain[0]?.keySelector === undefined) {
      dispatch(replyTo, { task: this.deps.task.id, sampled: 0, keys: [] });
      return;
    }
    this.keySample = { sample: new KeySample(performance.now(), limit), replyTo };
  }

  private sampleKeys(records: readonly unknown[]): void {
    const { sample, replyTo } = this.keySample!;
    if (!sample.add(records, this.deps.task.chain[0].keySelector!, performance.now())) return;
    this.keySample = undefined;
    dispatch(replyTo, sample.result(this.deps.task.id));
  }

  /** Runs due processing-time callbacks; what they emit goes out like the output of a batch. */
  private async fireTimers(): Promise<void> {
    // After end of input nothing may follow the end-of-input marker: processing-time timers
    // still pending then are dropped, as in Flink (documented with processing-time windows).
    if (this.phase !== 'running') return;
    this.time.timestamp = NaN;
    this.timers.fireDue();
    const written = this.chain!.endOfBatch();
    if (written !== undefined) await written;
    this.gate!.flushAll();
  }

  /** Releases everything the task holds; the task actor's single teardown. */
  async close(): Promise<void> {
    this.timers.close();
    let first: unknown;
    const attempt = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        first ??= e;
      }
    };
    await attempt(() => this.chain?.close());
    await attempt(() => this.reader?.close?.());
    await attempt(() => this.keyedState?.dispose());
    if (first !== undefined) throw first;
  }
}
