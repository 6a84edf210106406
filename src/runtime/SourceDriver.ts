/**
 * Drives the source of a source task: reads a batch whenever the output gate has room, one
 * batch per 'source.poll' message the task sends itself (so other messages get in between),
 * and stops reading while the gate is full, until credit comes. At-most-once, the records read
 * are held until the position after them is saved, and only then emitted. An operator chained to
 * the source may pause its reading (SourcePause: watermark alignment).
 */
import type { PartitionLag, TaskTimeAccount } from '../metrics/TaskMetrics';
import { dispatch } from 'nact';
import { SourceReader } from '../graph/Source';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { OperatorChain } from './OperatorChain';
import { Buffered, OutputGate } from './OutputGate';
import { RecordTime } from '../graph/StreamOperator';
import { userFunctionFailed } from './UserFunctionFailed';
import { TaskRef } from './protocol';
import { SourcePause } from './SourcePause';

export interface SourceDriverParts {
  readonly reader: SourceReader<unknown>;
  /** The source's operator name and the task's index, for failures. */
  readonly name: string;
  readonly index: number;
  readonly batchSize: number;
  readonly chain: OperatorChain;
  readonly gate: OutputGate;
  readonly time: RecordTime;
  readonly self: TaskRef;
  /** At-most-once: saves how far the source will have read, before it emits; durable like the checkpoints. */
  readonly saveProgress: ((position: unknown) => Promise<void>) | undefined;
  /** With metrics on: the task's time account, told when a read waits for its records. */
  readonly timeAccount: TaskTimeAccount | undefined;
  /** Pauses asked for by operators chained to the source (watermark alignment). */
  readonly pause?: SourcePause;
}

export class SourceDriver {
  private pollScheduled = false;
  /** The barrier of the savepoint its job stops at went out: read nothing more unless that savepoint is aborted. */
  private suspendedAt: CheckpointId | undefined;
  /** Records the source emitted. */
  recordsOut = 0;
  /** Of a reader that makes its watermarks (`currentWatermark`): the last one emitted, and whether it declared itself idle since. */
  private watermark = -Infinity;
  private idle = false;
  private readonly emit = (record: unknown, timestamp?: number): void => {
    this.recordsOut++;
    this.parts.time.timestamp = timestamp ?? NaN;
    this.parts.chain.head.collect(record);
  };

  constructor(private readonly parts: SourceDriverParts) {
    parts.pause?.whenReleased(() => this.resume());
  }

  /**
   * A read that returned a promise waits for records (a broker's answer, a paced source's
   * timer): the task is idle meanwhile, as Flink counts a source with no data available, not busy.
   */
  private async waitForRecords<T>(pending: Promise<T>): Promise<T> {
    const account = this.parts.timeAccount;
    if (account === undefined) return pending;
    account.endWork(performance.now(), 'forInput');
    try {
      return await pending;
    } finally {
      account.startWork(performance.now());
    }
  }

  /** A read is scheduled: the task waits for the thread, not for input. */
  get scheduled(): boolean {
    return this.pollScheduled;
  }

  schedule(): void {
    if (this.pollScheduled) return;
    this.pollScheduled = true;
    dispatch(this.parts.self, { type: 'source.poll' });
  }

  /** Credit came: read again if the gate has room now. */
  resume(): void {
    if (this.parts.gate.hasRoom() && this.parts.pause?.paused !== true) this.schedule();
  }

  /** The task's 'source.poll' arrived: reads a batch while `running`; 'end' once the source has no more. */
  async poll(running: boolean): Promise<'end' | 'more'> {
    this.pollScheduled = false;
    const { reader, chain, gate, saveProgress } = this.parts;
    if (!running || this.suspendedAt !== undefined || !gate.hasRoom() || this.parts.pause?.paused === true) return 'more';
    // At-most-once: read into a buffer, save the position after it, only then emit.
    const held: Buffered | undefined = saveProgress === undefined ? undefined : { records: [], timestamps: [] };
    let result;
    try {
      const emit =
        held === undefined
          ? this.emit
          : (r: unknown, timestamp?: number) => {
              held.records.push(r);
              held.timestamps.push(timestamp ?? NaN);
            };
      result = reader.poll(this.parts.batchSize, emit);
      if (typeof result !== 'string') result = await this.waitForRecords(result);
    } catch (e) {
      throw userFunctionFailed(this.parts.name, this.parts.index, undefined, e, 'reading');
    }
    if (held !== undefined && saveProgress !== undefined) {
      await saveProgress(reader.position());
      for (let i = 0; i < held.records.length; i++) this.emit(held.records[i], held.timestamps[i]);
    }
    this.forwardWatermark();
    const written = chain.endOfBatch();
    if (written !== undefined) await written;
    gate.flushAll();
    if (result === 'end') return 'end';
    this.resume();
    return 'more';
  }

  /** A reader's own watermark after its records: emitted when it advances or ends idleness; then idleness, once until the next watermark. */
  private forwardWatermark(): void {
    const current = this.parts.reader.currentWatermark?.();
    if (current === undefined) return;
    const head = this.parts.chain.head;
    if (current.watermark > this.watermark || (this.idle && !current.idle)) {
      this.idle = false;
      this.watermark = Math.max(this.watermark, current.watermark);
      head.emitWatermark(this.watermark);
    }
    if (current.idle && !this.idle) {
      this.idle = true;
      head.emitIdle();
    }
  }

  /** The barrier of `id`, the savepoint the job stops at, went out: read nothing after it. */
  suspend(id: CheckpointId): void {
    this.suspendedAt = id;
  }

  /** Checkpoint `id` was aborted: a source suspended at it reads again. */
  aborted(id: CheckpointId): void {
    if (this.suspendedAt !== id) return;
    this.suspendedAt = undefined;
    this.schedule();
  }

  /** Where the source stands; `id`: the checkpoint the position goes into. */
  position(id: CheckpointId): unknown {
    return this.parts.reader.position(id);
  }

  notifyCheckpointComplete(id: CheckpointId): void {
    this.parts.reader.notifyCheckpointComplete?.(id);
  }

  /** A reader of a partitioned log: how far it trails each partition (metrics). */
  partitionLag(): readonly PartitionLag[] | undefined {
    return this.parts.reader.partitionLag?.();
  }
}
