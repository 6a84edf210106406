/**
 * The operator contract inside a task. An operator is created per task by its factory (the
 * graph holds only factories), receives records one by one from the operator before it in
 * the chain, and emits through its Output. Per record: no promise, no allocation by the
 * runtime; only `endOfBatch` may be asynchronous (a sink writing a batch).
 */
import { MetricGroup } from '../metrics/MetricGroup';
import { OperatorMetrics } from '../metrics/TaskMetrics';
import type { Ref } from 'nact';
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { OperatorStateStore } from '../state/OperatorStateStore';
import { CheckpointId, CheckpointingMode } from '../checkpoint/CheckpointTypes';
import type { ProcessingTimeService } from '../time/ProcessingTimeService';
import type { Logger } from '../logging/logger';

/** The timestamp of the record being emitted: set by whoever emits, read when it is buffered. */
export interface RecordTime {
  timestamp: number;
}

export interface Output<T> {
  /** Emits a record; it carries the timestamp in the task's RecordTime (see OperatorContext.time). */
  collect(record: T): void;
  /** Emits to the side output `tag`; records reach whoever consumes `getSideOutput(tag)`. */
  collectSide(tag: string, record: unknown): void;
  /** Event time downstream of this operator has reached `watermark`. */
  emitWatermark(watermark: number): void;
  /** This operator's output is idle: consumers should not wait for its watermarks. */
  emitIdle(): void;
}

/** The source of a source task, as the operators chained to it see it (watermark alignment). */
export interface ChainedSource {
  /** This run of the job (its name and attempt), the same in all of its tasks. */
  readonly run: string;
  /** The source reads no more until `until` settles; the task goes on taking other messages meanwhile. */
  pauseUntil(until: Promise<void>): void;
}

export interface OperatorContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly index: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** The task's keyed state; present only for operators on a keyed stream. */
  readonly keyedState: KeyedStateBackend | undefined;
  /** This operator's own (non-keyed) state. */
  readonly operatorState: OperatorStateStore;
  /**
   * The timestamp of the current record (NaN: none). Records an operator emits keep it; an
   * operator that gives its output another timestamp (an assigner, a window) sets it first.
   */
  readonly time: RecordTime;
  /** Processing-time timers; callbacks run in the task, between records. */
  readonly processingTime: ProcessingTimeService;
  /** True when the state stores were restored from a checkpoint. */
  readonly isRestored: boolean;
  /** The checkpoint the state was restored from; undefined on a fresh start. */
  readonly restoredCheckpointId?: CheckpointId;
  /** A job over instances: the job's epoch the task runs under; undefined in one process. */
  readonly epoch?: number;
  /** The guarantee checkpoints give; undefined when checkpointing is off. */
  readonly checkpointing: CheckpointingMode | undefined;
  /** The task actor running the operator: a parent for actors the operator needs. */
  readonly actor: Ref<unknown>;
  /** The task's logger (job, task, operator and index on every line). */
  readonly logger: Logger;
  /**
   * Fails `record` under the operator's supervision, for a failure found outside
   * processElement (an asynchronous call that completed with an error): under `resume` within
   * its limit the record goes to the dead letters and this returns; otherwise it throws the
   * UserFunctionFailed that fails the task. Call it only where the operator may emit.
   */
  readonly failRecord: (record: unknown, cause: unknown) => void;
  /** This operator instance's user metrics; absent where an operator runs outside a task (a spec's harness). */
  readonly metricGroup?: MetricGroup;
  /** What the runtime counts for this operator beyond records (late records dropped). */
  readonly metrics?: OperatorMetrics;
  /** Present in the chain of a source task: the source the operator is chained to. */
  readonly chainedSource?: ChainedSource;
  /** In a task manager's thread: sends `message` to this operator's sink object in the application's thread (Sink.fromTaskManager). */
  readonly toApplication?: (message: unknown) => void;
  /** With `toApplication`: registers the handler of what the sink object replies. */
  readonly fromApplication?: (handler: (message: unknown) => void) => void;
}

/** The id a task's final snapshot uses (one constant for the runtime and the state layer). */
export { FINAL_CHECKPOINT } from '../checkpoint/CheckpointTypes';

export interface StreamOperator<I, O> {
  open(context: OperatorContext, output: Output<O>): void | Promise<void>;
  processElement(record: I): void;
  /**
   * Event time reached `watermark`. An operator that defines this forwards the watermark
   * itself (`output.emitWatermark`); without it, watermarks pass through unchanged.
   */
  processWatermark?(watermark: number): void;
  /** Called after each input batch; a promise makes the task wait before taking more input. */
  endOfBatch?(): void | Promise<void>;
  /** End of all input: emit what is still held, before end-of-input goes downstream. */
  finish?(): void | Promise<void>;
  /**
   * A checkpoint barrier passed: move what the operator holds outside its state stores into
   * them (a transactional sink pre-commits here). The stores are snapshotted right after.
   */
  snapshotState?(checkpointId: CheckpointId): void | Promise<void>;
  /** Checkpoint `checkpointId` (and every earlier one) is complete: a transactional sink commits. */
  notifyCheckpointComplete?(checkpointId: CheckpointId): void | Promise<void>;
  /** Releases what the operator holds; called exactly once, also after failure or cancel. */
  close?(): void | Promise<void>;
}

export type OperatorFactory = () => StreamOperator<any, any>;
