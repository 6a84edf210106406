/**
 * One parallel instance of an operator chain, wired and open: the logic a task actor runs once
 * UnwiredTask has built it. It takes input batches while its outputs have room and grants its
 * producers credit for what it took (InputGate), lets its source read while consumers have
 * credit (SourceDriver), moves event time through the watermark valve, hands barriers to its
 * barrier handler, and finishes once every input has ended and (with checkpointing) the final
 * checkpoint is complete. All its state is reachable only from the task's message handler.
 */
import { dispatch } from 'nact';
import { absurd } from 'fp-ts/function';
import { TaskCounters } from '../metrics/TaskCounters';
import { TaskTimeAccount, Wait } from '../metrics/TaskMetrics';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { AlignedBarrierHandler } from './AlignedBarrierHandler';
import { InputGate } from './InputGate';
import { InputProcessor } from './InputProcessor';
import { KeyPrefetcher } from './KeyPrefetcher';
import { OperatorChain } from './OperatorChain';
import { OutputGate } from './OutputGate';
import { RecordTime } from '../graph/StreamOperator';
import { SourceDriver } from './SourceDriver';
import { FINAL_CHECKPOINT } from '../graph/StreamOperator';
import { TaskCheckpointer } from './TaskCheckpointer';
import { TaskCheckpoints } from './taskCheckpoints';
import { TaskDeps } from './TaskDeps';
import { TaskReading, TaskReporter } from './TaskReporter';
import { TaskResources } from './TaskResources';
import { UnalignedBarrierHandler } from './UnalignedBarrierHandler';
import { TaskMsg } from './protocol';

export interface TaskParts extends TaskCheckpoints {
  readonly deps: TaskDeps;
  readonly inputs: InputGate;
  readonly gate: OutputGate;
  readonly chain: OperatorChain;
  /** The timestamp of the record moving through the chain now (NaN: none); read by the gate. */
  readonly time: RecordTime;
  readonly resources: TaskResources;
  readonly keyedState: KeyedStateBackend | undefined;
  readonly prefetcher: KeyPrefetcher | undefined;
  readonly source: SourceDriver | undefined;
  readonly reporter: TaskReporter;
  readonly timeAccount: TaskTimeAccount | undefined;
}

export class Task {
  private phase: 'running' | 'drained' | 'finished' = 'running';
  private readonly input: InputProcessor;
  private readonly inputs: InputGate;
  private readonly gate: OutputGate;
  private readonly chain: OperatorChain;
  private readonly checkpointer: TaskCheckpointer | undefined;
  private readonly aligned: AlignedBarrierHandler | undefined;
  private readonly unaligned: UnalignedBarrierHandler | undefined;
  /** Where the task's time goes; undefined without metrics (the task actor reads the clock only with it). */
  readonly timeAccount: TaskTimeAccount | undefined;

  constructor(private readonly parts: TaskParts) {
    ({ inputs: this.inputs, gate: this.gate, chain: this.chain, timeAccount: this.timeAccount } = parts);
    ({ checkpointer: this.checkpointer, aligned: this.aligned, unaligned: this.unaligned } = parts);
    this.input = new InputProcessor(parts, () => this.endInput());
  }

  /** What the task waits for after a message (see TaskTimeAccount): credit when its output gate is full, the thread when its next read is scheduled, else input. */
  waitingFor(): Wait {
    if (!this.gate.hasRoom()) return 'forCredit';
    return this.parts.source?.scheduled ? 'forThread' : 'forInput';
  }

  /** The task actor's handler: the task stays the actor's state. */
  receive(msg: TaskMsg): Task | Promise<Task> {
    const pending = this.handle(msg);
    return pending === undefined ? this : pending.then(() => this);
  }

  private get running(): boolean {
    return this.phase === 'running';
  }

  private handle(msg: TaskMsg): void | Promise<void> {
    switch (msg.type) {
      case 'records':
        this.unaligned?.recordArrival(msg);
        this.inputs.receive(msg);
        return this.drain();
      case 'watermark':
      case 'idle':
        this.inputs.receive(msg);
        return this.drain();
      case 'endOfInput':
        this.inputs.receive(msg);
        if (this.unaligned !== undefined) return this.unaligned.handle({ type: 'channelEnded', channel: msg.channel }, this.running).then(() => this.drain());
        return this.drain();
      // Unaligned: barriers are handled on arrival, ahead of the input queued before them.
      case 'barrier':
        if (this.unaligned !== undefined) return this.unaligned.handle({ type: 'barrier', channel: msg.channel, id: msg.id }, this.running).then(() => this.drain());
        this.inputs.receive(msg);
        return this.drain();
      case 'barrier.cancel':
        if (this.unaligned !== undefined) return this.unaligned.handle({ type: 'cancel', id: msg.id }, this.running);
        this.inputs.receive(msg);
        return this.drain();
      case 'demand':
        this.gate.grant(msg.channel, msg.credits);
        return this.resume();
      case 'task.peerReplaced':
        // A consumer's successor grants its own credit; a producer's gets what the queue leaves room for.
        if (msg.side === 'output') this.gate.replaceConsumer(msg.channel, msg.ref);
        else this.inputs.replaceProducer(msg.channel, msg.ref, this.running);
        return;
      case 'source.poll':
        return this.pollSource();
      case 'source.end':
        // Stop with drain: the source's input ends here, as a bounded source's would.
        if (!this.running || this.parts.source === undefined) return;
        return this.endInput();
      case 'task.report':
        dispatch(msg.replyTo, this.counters());
        return;
      case 'task.metrics':
        this.parts.reporter.reportMetrics(this.reading(), msg.replyTo);
        return;
      case 'task.hotKeys':
        this.parts.reporter.startKeySample(msg.limit, msg.replyTo);
        return;
      case 'checkpoint.trigger':
        return this.triggerAtSource(msg.id, msg.suspend === true);
      case 'checkpoint.completed':
        return this.checkpointCompleted(msg.id, msg.final);
      case 'checkpoint.aborted':
        return this.checkpointAborted(msg.id);
      case 'timers.fire':
        return this.fireTimers();
      case 'task.crash':
        throw new Error(`injected fault: ${msg.reason}`);
      case 'task.wire':
        throw new Error(`task '${this.parts.deps.task.id}' is wired already`);
      default:
        return absurd(msg);
    }
  }

  private resume(): void | Promise<void> {
    if (!this.running) return;
    const source = this.parts.source;
    if (source === undefined) return this.drain();
    source.resume();
  }

  private async pollSource(): Promise<void> {
    const source = this.parts.source;
    if (source === undefined) throw new Error(`task '${this.parts.deps.task.id}' has no source to read`);
    if ((await source.poll(this.running)) === 'end') return this.endInput();
  }

  private drain(): void | Promise<void> {
    if (this.running) return this.input.drain();
  }

  // --- checkpoints ---------------------------------------------------------------------------

  private checkpointsOn(what: TaskMsg['type']): TaskCheckpointer {
    if (this.checkpointer === undefined) throw new Error(`task '${this.parts.deps.task.id}' got '${what}' with checkpointing off`);
    return this.checkpointer;
  }

  private async triggerAtSource(id: CheckpointId, suspend: boolean): Promise<void> {
    const source = this.parts.source;
    if (!this.running || source === undefined) return;
    return this.checkpointsOn('checkpoint.trigger').triggerAtSource(source, id, suspend, this.unaligned !== undefined);
  }

  private async checkpointCompleted(id: CheckpointId, final: boolean): Promise<void> {
    const checkpointer = this.checkpointsOn('checkpoint.completed');
    if (!final) return checkpointer.commit(id, id);
    if (this.running) {
      // The savepoint the job stops at, without drain: commit what it holds, finish where it stands.
      await checkpointer.commit(id, id);
      return this.finishTask();
    }
    if (this.phase !== 'drained') return;
    await checkpointer.commit(id, FINAL_CHECKPOINT);
    return this.finishTask();
  }

  private async checkpointAborted(id: CheckpointId): Promise<void> {
    this.checkpointer?.aborted(id);
    this.parts.source?.aborted(id);
    if (this.unaligned !== undefined) return this.unaligned.handle({ type: 'cancel', id }, this.running);
    await this.aligned?.handle({ type: 'abort', id });
    return this.drain();
  }

  // --- end of input --------------------------------------------------------------------------

  /**
   * Every input ended: operators emit what they hold, end-of-input follows the records
   * downstream. With checkpointing, the task then reports its final snapshot and waits for the
   * final checkpoint before it commits and finishes; without, it finishes now.
   */
  private async endInput(): Promise<void> {
    // No more input: event time is over, every event-time window and timer fires.
    this.input.advance({ type: 'inputEnded' });
    await this.chain.finish();
    this.gate.emitEvent({ type: 'endOfInput' });
    const { deps } = this.parts;
    if (this.checkpointer === undefined) return this.finishTask();
    const snapshot = await this.checkpointer.snapshot(FINAL_CHECKPOINT);
    this.phase = 'drained';
    dispatch(deps.master, { type: 'task.drained', report: { task: deps.task.id, attempt: deps.attempt, snapshot } });
  }

  private finishTask(): void {
    this.phase = 'finished';
    const { deps, reporter } = this.parts;
    dispatch(deps.master, {
      type: 'task.finished',
      attempt: deps.attempt,
      report: { task: deps.task.id, counters: this.counters(), metrics: reporter.metrics(this.reading()) },
    });
  }

  /** Runs due processing-time callbacks; what they emit goes out like the output of a batch. */
  private async fireTimers(): Promise<void> {
    // After end of input nothing may follow the end-of-input marker: processing-time timers
    // still pending then are dropped, as in Flink (documented with processing-time windows).
    if (!this.running) return;
    this.parts.time.timestamp = NaN;
    this.parts.resources.timers.fireDue();
    const written = this.chain.endOfBatch();
    if (written !== undefined) await written;
    this.gate.flushAll();
  }

  // --- reports -------------------------------------------------------------------------------

  private counters(): TaskCounters {
    return this.parts.reporter.counters(this.reading());
  }

  private reading(): TaskReading {
    const { chain, gate, keyedState, source, inputs } = this.parts;
    return { chain, gate, keyedState, sourceRecordsOut: source?.recordsOut, recordsIn: this.input.recordsIn, inputQueued: inputs.queuedRecords(), inputWatermark: this.input.watermark, partitionLag: source?.partitionLag() };
  }

  /** Releases everything the task holds; the task actor's single teardown. */
  close(): Promise<void> {
    return this.parts.resources.close();
  }
}
