/**
 * The operators of one task, linked so that each operator's output is the next one's input
 * and the last one's output is the task's OutputGate. Each link counts what enters its
 * operator, owns the operator's state store, and turns a throw into a UserFunctionFailed
 * naming operator, instance and record.
 */
import { ChainedNode } from '../graph/ExecutionPlan';
import { OperatorCounters } from '../metrics/TaskCounters';
import { MetricGroup } from '../metrics/MetricGroup';
import { OperatorMetrics, OperatorReport } from '../metrics/TaskMetrics';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { FormerOperatorState, OperatorStateSnapshot, OperatorStateStore } from '../state/OperatorStateStore';
import { OperatorContext, Output, StreamOperator } from '../graph/StreamOperator';
import { UserFunctionFailed, userFunctionFailed } from './UserFunctionFailed';
import { DeadLetter, supervisionDeadLetters, withinLimit } from '../graph/SupervisionStrategy';
import { Logger, loggedError, summarizeRecord } from '../logging/logger';

class Link implements Output<unknown> {
  recordsIn = 0;
  /** Records skipped under the resume directive, each sent to the dead-letter output. */
  deadLetters = 0;
  /** When this operator's recent resumes happened, for its supervision limit. */
  private readonly resumes: number[] = [];
  readonly state = new OperatorStateStore();
  /** The user metrics of this operator instance (RuntimeContext.getMetricGroup()). */
  readonly metricGroup = new MetricGroup();
  readonly metrics: OperatorMetrics = { lateRecordsDropped: 0 };
  /** Where this operator's output goes: the next link, or the gate. */
  downstream!: Output<unknown>;
  constructor(readonly node: ChainedNode, readonly operator: StreamOperator<unknown, unknown>, private readonly instance: number, private readonly logger: Logger) {}
  collect(record: unknown): void {
    this.recordsIn++;
    try {
      this.operator.processElement(record);
    } catch (e) {
      this.supervise(userFunctionFailed(this.node.name, this.instance, record, e));
    }
  }

  /** OperatorContext.failRecord of this operator. */
  readonly failRecord = (record: unknown, cause: unknown): void => this.supervise(userFunctionFailed(this.node.name, this.instance, record, cause));

  private supervise(failure: UserFunctionFailed): void {
    // A failure of an operator further down the chain passes through: it is that operator's to supervise.
    failure.operatorUid ??= this.node.uid;
    if (failure.operatorUid === this.node.uid && this.resumed(failure)) return;
    throw failure;
  }

  /** Under `resume`, within its limit: the record goes to the dead-letter output and the operator goes on. */
  private resumed(failure: UserFunctionFailed): boolean {
    const strategy = this.node.supervision;
    if (strategy?.directive !== 'resume' || !withinLimit(strategy.limit, this.resumes, Date.now())) return false;
    this.deadLetters++;
    const cause = failure.cause;
    const letter: DeadLetter = { operator: this.node.name, instance: this.instance, record: failure.record, reason: cause instanceof Error ? cause.message : String(cause) };
    this.downstream.collectSide(supervisionDeadLetters.id, letter);
    this.logger.warn(
      { failedOperator: this.node.name, record: summarizeRecord(failure.record), deadLetters: this.deadLetters, error: loggedError(failure, { stack: false }) },
      `record sent to the dead letters of '${this.node.name}' (supervision resume): ${letter.reason}`,
    );
    return true;
  }
  /** Side outputs of an operator inside a chain have no consumer: the planner ends a chain at any consumed side output. */
  collectSide(): void {}
  /** A watermark reaches this operator: it handles (and forwards) it, or it passes through. */
  emitWatermark(watermark: number): void {
    if (this.operator.processWatermark === undefined) return this.downstream.emitWatermark(watermark);
    try {
      this.operator.processWatermark(watermark);
    } catch (e) {
      throw userFunctionFailed(this.node.name, this.instance, undefined, e, `at watermark ${watermark}`);
    }
  }
  emitIdle(): void {
    this.downstream.emitIdle();
  }
}

export class OperatorChain {
  private readonly links: Link[];
  /** Where records enter the chain: its first operator, or the gate when the chain is empty. */
  readonly head: Output<unknown>;

  constructor(nodes: readonly ChainedNode[], private readonly instance: number, private readonly tail: Output<unknown> & { recordsOut: number }, logger: Logger) {
    this.links = nodes.map((n) => new Link(n, n.factory!(), instance, logger));
    this.links.forEach((link, i) => (link.downstream = i + 1 < this.links.length ? this.links[i + 1] : tail));
    this.head = this.links.length > 0 ? this.links[0] : tail;
  }

  /** Loads each operator's restored state: the snapshots of every former instance of its node. */
  restoreOperatorState(formerOf: (uid: string) => readonly FormerOperatorState[], parallelism: number): void {
    for (const link of this.links) {
      const restored = link.state.restore(formerOf(link.node.uid), this.instance, parallelism);
      if (restored._tag === 'Left') throw new Error(`cannot restore operator '${link.node.name}': ${restored.left}`);
    }
  }

  async open(contextFor: (node: ChainedNode, state: OperatorStateStore) => Omit<OperatorContext, 'failRecord'>): Promise<void> {
    for (let i = 0; i < this.links.length; i++) {
      const link = this.links[i];
      const output = i + 1 < this.links.length ? this.links[i + 1] : this.tail;
      const context: OperatorContext = { ...contextFor(link.node, link.state), failRecord: link.failRecord, metricGroup: link.metricGroup, metrics: link.metrics };
      await this.run(link, 'opening', () => link.operator.open(context, output));
    }
  }

  /** Operators that keep state, once opened: keyed ones, and those that asked for operator state. */
  statefulNodes(): ChainedNode[] {
    return this.links.filter((l) => l.node.keySelector !== undefined || l.state.usesState).map((l) => l.node);
  }

  /**
   * After each input batch; resolves once asynchronous work (a sink's write) is done. Once an
   * operator's end of batch is asynchronous, the next ones run after it: what it emits on the
   * way reaches them within this batch.
   */
  endOfBatch(): void | Promise<void> {
    let pending: Promise<void> | undefined;
    for (const link of this.links) {
      const operator = link.operator;
      if (operator.endOfBatch === undefined) continue;
      if (pending !== undefined) {
        pending = pending.then(() => operator.endOfBatch!());
        continue;
      }
      const r = operator.endOfBatch();
      if (r !== undefined) pending = r;
    }
    return pending;
  }

  /** End of input: each operator in turn emits what it still holds, then the next one finishes. */
  async finish(): Promise<void> {
    for (const link of this.links) {
      const op = link.operator;
      if (op.finish !== undefined) await this.run(link, 'finishing', () => op.finish!());
    }
  }

  /** Lets every operator move its state into its stores, then snapshots the stores by node uid. */
  async snapshotState(id: CheckpointId): Promise<Record<string, OperatorStateSnapshot>> {
    const snapshots: Record<string, OperatorStateSnapshot> = {};
    for (const link of this.links) {
      const op = link.operator;
      if (op.snapshotState !== undefined) await this.run(link, `snapshotting checkpoint ${id}`, () => op.snapshotState!(id));
      snapshots[link.node.uid] = link.state.snapshot();
    }
    return snapshots;
  }

  async notifyCheckpointComplete(id: CheckpointId): Promise<void> {
    for (const link of this.links) {
      const op = link.operator;
      if (op.notifyCheckpointComplete !== undefined) await this.run(link, `committing checkpoint ${id}`, () => op.notifyCheckpointComplete!(id));
    }
  }

  /** Closes every operator, even when one fails to close; the first error is rethrown. */
  async close(): Promise<void> {
    let first: unknown;
    for (const link of this.links) {
      const op = link.operator;
      if (op.close === undefined) continue;
      try {
        await this.run(link, 'closing', () => op.close!());
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  counters(): Record<string, OperatorCounters> {
    const out: Record<string, OperatorCounters> = {};
    this.links.forEach((link, i) => {
      const recordsOut = i + 1 < this.links.length ? this.links[i + 1].recordsIn : link.node.isSink ? 0 : this.tail.recordsOut;
      out[link.node.name] = link.deadLetters > 0 ? { recordsIn: link.recordsIn, recordsOut, deadLetters: link.deadLetters } : { recordsIn: link.recordsIn, recordsOut };
    });
    return out;
  }

  /** Each operator's counts and user metrics, for the task's metrics report. */
  reports(): OperatorReport[] {
    const counters = this.counters();
    return this.links.map((link) => ({ ...counters[link.node.name], name: link.node.name, lateRecordsDropped: link.metrics.lateRecordsDropped, user: link.metricGroup.report() }));
  }

  private async run(link: Link, phase: string, f: () => void | Promise<void>): Promise<void> {
    try {
      await f();
    } catch (e) {
      const failure = userFunctionFailed(link.node.name, this.instance, undefined, e, phase);
      failure.operatorUid ??= link.node.uid;
      throw failure;
    }
  }
}
