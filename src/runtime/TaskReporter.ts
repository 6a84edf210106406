/**
 * What a task tells about itself when asked: its counters, its cumulative metrics report
 * (about once a second) and, for the stall diagnosis, the keys it processes most. The same
 * before and after the task is wired: what it has not opened yet counts as empty.
 */
import { Ref, dispatch } from 'nact';
import { ExecutionPlan, TaskPlan, outputChannelCount } from '../graph/ExecutionPlan';
import { TaskCounters } from '../metrics/TaskCounters';
import { HotKeys, KeySample, PartitionLag, TaskMetricsReport, TaskTimeAccount } from '../metrics/TaskMetrics';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { OperatorChain } from './OperatorChain';
import { OutputGate } from './OutputGate';

/** The task as it stands, for a report. */
export interface TaskReading {
  readonly chain: OperatorChain | undefined;
  readonly gate: OutputGate | undefined;
  readonly keyedState: KeyedStateBackend | undefined;
  /** Records the source emitted; undefined for a task that is not a source or not wired yet. */
  readonly sourceRecordsOut: number | undefined;
  /** Records taken from the input channels. */
  readonly recordsIn: number;
  readonly inputQueued: number;
  readonly inputWatermark: number;
  /** A source reading a partitioned log: its lag per partition. */
  readonly partitionLag: readonly PartitionLag[] | undefined;
}

export class TaskReporter {
  /** An open hot-keys request: the keys of records processed are counted until it is answered. */
  private keySample: { readonly sample: KeySample; readonly replyTo: Ref<HotKeys> } | undefined;

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly task: TaskPlan,
    private readonly timeAccount: TaskTimeAccount | undefined,
  ) {}

  counters(reading: TaskReading): TaskCounters {
    const operators = { ...(reading.chain?.counters() ?? {}) };
    const source = this.task.source;
    if (source !== undefined) operators[source.node.name] = { recordsIn: 0, recordsOut: reading.sourceRecordsOut ?? 0 };
    return { task: this.task.id, operators };
  }

  /** Cumulative figures for the job's metrics; built only when asked (about once a second). */
  metrics(reading: TaskReading): TaskMetricsReport {
    const { plan, task } = this;
    const account = this.timeAccount;
    const counts = reading.keyedState?.keyCounts();
    const cache = reading.keyedState?.cacheStatistics?.();
    return {
      task: task.id,
      at: performance.now(),
      recordsIn: reading.sourceRecordsOut ?? reading.recordsIn,
      recordsOut: reading.gate?.recordsOut ?? 0,
      time: account === undefined ? undefined : { busyMs: account.busyMs, backPressuredMs: account.backPressuredMs, idleMs: account.idleMs },
      inputQueued: reading.inputQueued,
      inputCapacity: task.inputs.length * plan.channelCapacity,
      outputBuffered: reading.gate?.bufferedRecords() ?? 0,
      outputCapacity: outputChannelCount(task) * plan.batchSize,
      inputWatermark: task.inputs.length === 0 ? -Infinity : reading.inputWatermark,
      outputWatermark: reading.gate?.lastWatermark ?? -Infinity,
      stateKeys: counts === undefined ? undefined : Object.values(counts).reduce((a, b) => a + b, 0),
      stateBytes: reading.keyedState?.stateSizeBytes?.(),
      partitionLag: reading.partitionLag,
      cache,
      operators: reading.chain?.reports() ?? [],
    };
  }

  /** Answers a metrics request; a key sample of a task that gets no more input ends with its time. */
  reportMetrics(reading: TaskReading, replyTo: Ref<TaskMetricsReport>): void {
    dispatch(replyTo, this.metrics(reading));
    if (this.keySample !== undefined) this.sampleKeys([]);
  }

  /**
   * Starts counting the keys of the records this task processes next (the stall diagnosis:
   * the bottleneck's hottest keys); the answer goes once the sample is complete. A task without
   * a keyed operator at the head of its chain (its input is not partitioned by key) answers
   * at once with none.
   */
  startKeySample(limit: number, replyTo: Ref<HotKeys>): void {
    if (this.task.chain[0]?.keySelector === undefined) {
      dispatch(replyTo, { task: this.task.id, sampled: 0, keys: [] });
      return;
    }
    this.keySample = { sample: new KeySample(performance.now(), limit), replyTo };
  }

  get sampling(): boolean {
    return this.keySample !== undefined;
  }

  sampleKeys(records: readonly unknown[]): void {
    const selector = this.task.chain[0]?.keySelector;
    if (this.keySample === undefined || selector === undefined) return;
    const { sample, replyTo } = this.keySample;
    if (!sample.add(records, selector, performance.now())) return;
    this.keySample = undefined;
    dispatch(replyTo, sample.result(this.task.id));
  }
}
