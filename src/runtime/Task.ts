/**
 * One parallel instance of an operator chain: the logic a task actor runs. It takes input
 * batches while its outputs have room, grants its producers credit for what it consumed,
 * reads its source while consumers have credit, and finishes once every input has ended.
 * All its state is reachable only from the task's message handler.
 */
import { dispatch } from 'nact';
import { ChainedNode, ExecutionPlan, TaskPlan } from '../graph/ExecutionPlan';
import { TaskCounters } from '../metrics/TaskCounters';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { KeyGroupRange, keyGroupRangeForOperator } from '../state/keyGroups';
import { OperatorStateStore } from '../state/OperatorStateStore';
import { SourceReader } from '../connectors/Source';
import { OperatorChain } from './OperatorChain';
import { OutputGate } from './OutputGate';
import { OperatorContext } from './StreamOperator';
import { userFunctionFailed } from './UserFunctionFailed';
import { MasterRef, TaskMsg, TaskRef } from './protocol';

export type KeyedStateBackendFactory = (range: KeyGroupRange, maxParallelism: number) => KeyedStateBackend;

export interface TaskDeps {
  readonly plan: ExecutionPlan;
  readonly task: TaskPlan;
  readonly master: MasterRef;
  readonly createKeyedStateBackend: KeyedStateBackendFactory;
}

type InputItem = Extract<TaskMsg, { type: 'records' } | { type: 'endOfInput' }>;

interface InputChannel {
  ref: TaskRef | undefined;
  /** The channel's index at the producer. */
  readonly remote: number;
  ended: boolean;
  /** Records taken since credit was last granted back. */
  consumed: number;
}

export class Task {
  private phase: 'created' | 'running' | 'finishing' | 'finished' = 'created';
  private readonly inputs: InputChannel[];
  /** Arrived input not processed yet; bounded by the credit granted on each channel. */
  private readonly queue: InputItem[] = [];
  private gate: OutputGate | undefined;
  private chain: OperatorChain | undefined;
  private reader: SourceReader<unknown> | undefined;
  private keyedState: KeyedStateBackend | undefined;
  private readonly operatorState = new OperatorStateStore();
  private pollScheduled = false;
  private sourceRecordsOut = 0;
  private readonly emit = (record: unknown): void => {
    this.sourceRecordsOut++;
    this.chain!.head.collect(record);
  };

  constructor(private readonly deps: TaskDeps, private readonly self: TaskRef) {
    this.inputs = deps.task.inputs.map((end) => ({ ref: undefined, remote: end.channel, ended: false, consumed: 0 }));
  }

  handle(msg: TaskMsg): void | Promise<void> {
    switch (msg.type) {
      case 'task.wire':
        return this.wire(msg.inputs, msg.outputs);
      case 'records':
      case 'endOfInput':
        this.queue.push(msg);
        return this.drain();
      case 'demand':
        this.gate!.grant(msg.channel, msg.credits);
        return this.resume();
      case 'source.poll':
        this.pollScheduled = false;
        return this.poll();
      case 'task.report':
        dispatch(msg.replyTo, this.counters());
        return;
    }
  }

  private async wire(inputRefs: readonly TaskRef[], outputRefs: readonly TaskRef[]): Promise<void> {
    const { plan, task } = this.deps;
    inputRefs.forEach((ref, i) => (this.inputs[i].ref = ref));
    this.gate = new OutputGate(task.outputs, outputRefs, plan.batchSize, plan.maxParallelism, task.index);
    this.chain = new OperatorChain(task.chain, task.index, this.gate);
    if (task.chain.some((n) => n.keySelector !== undefined)) {
      this.keyedState = this.deps.createKeyedStateBackend(
        keyGroupRangeForOperator(task.index, task.parallelism, plan.maxParallelism),
        plan.maxParallelism,
      );
    }
    await this.chain.open((node) => this.contextFor(node));
    if (task.source !== undefined) {
      const sourceName = task.source.node.name;
      try {
        this.reader = task.source.source.createReader({ index: task.index, parallelism: task.parallelism });
        await this.reader.open?.();
      } catch (e) {
        throw userFunctionFailed(sourceName, task.index, undefined, e, 'opening');
      }
    }
    this.phase = 'running';
    for (const input of this.inputs) dispatch(input.ref!, { type: 'demand', channel: input.remote, credits: plan.channelCapacity });
    if (this.reader !== undefined) this.schedulePoll();
  }

  private contextFor(node: ChainedNode): OperatorContext {
    const { plan, task } = this.deps;
    return {
      jobName: plan.jobName,
      operatorName: node.name,
      index: task.index,
      parallelism: task.parallelism,
      maxParallelism: plan.maxParallelism,
      keyedState: node.keySelector !== undefined ? this.keyedState : undefined,
      operatorState: this.operatorState,
    };
  }

  private resume(): void | Promise<void> {
    if (this.phase === 'finishing') return this.completeFinishing();
    if (this.phase !== 'running') return;
    if (this.reader !== undefined) {
      if (this.gate!.hasRoom()) this.schedulePoll();
      return;
    }
    return this.drain();
  }

  private schedulePoll(): void {
    if (this.pollScheduled) return;
    this.pollScheduled = true;
    dispatch(this.self, { type: 'source.poll' });
  }

  private async poll(): Promise<void> {
    if (this.phase !== 'running' || !this.gate!.hasRoom()) return;
    const { task, plan } = this.deps;
    let result;
    try {
      result = this.reader!.poll(plan.batchSize, this.emit);
      if (typeof result !== 'string') result = await result;
    } catch (e) {
      throw userFunctionFailed(task.source!.node.name, task.index, undefined, e, 'reading');
    }
    const written = this.chain!.endOfBatch();
    if (written !== undefined) await written;
    this.gate!.flushAll();
    if (result === 'end') return this.finish();
    if (this.gate!.hasRoom()) this.schedulePoll();
  }

  private async drain(): Promise<void> {
    if (this.phase !== 'running') return;
    const gate = this.gate!;
    const head = this.chain!.head;
    while (this.queue.length > 0 && gate.hasRoom()) {
      const item = this.queue.shift()!;
      const input = this.inputs[item.channel];
      if (item.type === 'endOfInput') {
        input.ended = true;
        if (this.inputs.every((i) => i.ended)) {
          this.grantCredits();
          return this.finish();
        }
        continue;
      }
      const records = item.records;
      for (let i = 0; i < records.length; i++) head.collect(records[i]);
      input.consumed += records.length;
      const written = this.chain!.endOfBatch();
      if (written !== undefined) await written;
    }
    this.grantCredits();
    gate.flushAll();
  }

  private grantCredits(): void {
    for (const input of this.inputs) {
      if (input.consumed === 0 || input.ended) continue;
      dispatch(input.ref!, { type: 'demand', channel: input.remote, credits: input.consumed });
      input.consumed = 0;
    }
  }

  private async finish(): Promise<void> {
    this.phase = 'finishing';
    await this.chain!.finish();
    this.gate!.flushAll();
    this.completeFinishing();
  }

  /** Ends the task once everything it produced has been sent: end-of-input must not overtake records. */
  private completeFinishing(): void {
    if (this.phase !== 'finishing' || !this.gate!.isDrained()) return;
    this.gate!.endOfInput();
    this.phase = 'finished';
    dispatch(this.deps.master, {
      type: 'task.finished',
      report: { task: this.deps.task.id, counters: this.counters(), collected: this.chain!.results() },
    });
  }

  counters(): TaskCounters {
    const operators = { ...(this.chain?.counters() ?? {}) };
    const source = this.deps.task.source;
    if (source !== undefined) operators[source.node.name] = { recordsIn: 0, recordsOut: this.sourceRecordsOut };
    return { task: this.deps.task.id, operators };
  }

  /** Releases everything the task holds; the task actor's single teardown. */
  async close(): Promise<void> {
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
