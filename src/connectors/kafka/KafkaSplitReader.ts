/**
 * One Kafka source instance's reader: it fetches its split itself (read_committed, no consumer
 * group), into a bounded buffer that `poll` drains and decodes. The fetch loop stops while the
 * buffer is full: that is the source's backpressure, and nothing is read that the task has no
 * room for. Bound: `bufferSize` records, plus one fetch (`fetchMaxBytesPerPartition` per
 * partition of the split). The buffer holds each fetched partition's records as fetchResponse.ts
 * decoded them (columns over the response's bytes), not an object per record. With a
 * `watermarkStrategy`, records carry their event time and each partition has its own watermark
 * generator (SplitWatermarks.ts); the task asks `currentWatermark` after each poll.
 */
import { Either, isLeft, left } from 'fp-ts/Either';
import type { Kafka } from 'kafkajs';
import type { CheckpointId } from '../../checkpoint/CheckpointTypes';
import type { PollResult, SourceReader, SplitContext } from '../../graph/Source';
import { connectWithin, createKafkaClient, DEFAULT_KAFKA_OPERATION_TIMEOUT_MS, messageOf } from './kafkaClient';
import { deadLetter, decoderFor, KafkaDeadLetter, KafkaDecoder } from './kafkaFormat';
import type { FetchedRecords } from './fetchResponse';
import { KafkaCluster, PartitionFetch, STALE_METADATA_ERRORS, commitGroupOffsets, createClusterOf, fetchPartitions, refreshMetadata } from './kafkajsInternals';
import type { PartitionLag } from '../../metrics/TaskMetrics';
import { SplitsWatermark, SplitWatermarks } from '../../time/SplitWatermarks';
import type { TimestampAssigner } from '../../time/WatermarkStrategy';
import { KafkaOffsetCommitter } from './KafkaOffsetCommitter';
import type { KafkaSourceOptions } from './KafkaSourceOptions';
import type { KafkaSourcePosition } from './KafkaSourcePosition';
import { findSplits, PartitionSplit } from './kafkaSplits';

/**
 * One partition's records of one fetch, emitted from `from` up to `to`; then `next` moves to
 * `moveTo` (past control records and aborted transactions the fetch held after the last kept record).
 */
interface Chunk {
  readonly split: PartitionSplit;
  /** The split's index in `splits`: its watermark generator. */
  readonly index: number;
  readonly records: FetchedRecords;
  from: number;
  readonly to: number;
  readonly moveTo: number;
}

/** Poll waits at most this long for records, so checkpoint triggers are never held up longer. */
const POLL_WAIT_MS = 50;
/** The longest a fetch waits on the broker for records. */
const FETCH_MAX_WAIT_MS = 100;
const DEFAULT_BUFFER_SIZE = 5000;
const DEFAULT_FETCH_MAX_BYTES_PER_PARTITION = 256 * 1024;
/** Retries of a fetch that failed with a retriable error, each after fresh metadata. */
const FETCH_RETRIES = 20;

export class KafkaSplitReader<T> implements SourceReader<Either<KafkaDeadLetter, T>> {
  private readonly kafka: Kafka;
  private readonly bounded: boolean;
  private readonly capacity: number;
  private readonly decode: KafkaDecoder<T>;
  private readonly timeoutMs: number;
  /** With a groupId (and commits not switched off): commits completed checkpoints' positions. */
  private readonly committer: KafkaOffsetCommitter | undefined;
  private splits: PartitionSplit[] = [];
  private chunks: Chunk[] = [];
  private head = 0;
  /** Records in `chunks` not emitted yet. */
  private bufferedRecords = 0;
  /** Set by open: the connection fetches and commits go through. */
  private cluster: KafkaCluster | undefined;
  private fetching: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Wakes a poll waiting for records. */
  private wake: (() => void) | undefined;
  /** Wakes the fetch loop waiting for room. */
  private room: (() => void) | undefined;
  private closed = false;
  /** With a watermark strategy: one generator per partition of the split, made at open. */
  private watermarks: SplitWatermarks | undefined;
  /** With a watermark strategy: the source's watermark, the minimum over its active partitions. */
  readonly currentWatermark?: () => SplitsWatermark;

  constructor(private readonly name: string, private readonly options: KafkaSourceOptions<T>, private readonly context: SplitContext) {
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_KAFKA_OPERATION_TIMEOUT_MS;
    this.kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId ?? 'sluice-source', operationTimeoutMs: this.timeoutMs, logger: context.logger });
    this.bounded = options.boundedness === 'bounded';
    this.capacity = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    this.decode = decoderFor(options.format);
    if (options.watermarkStrategy !== undefined) {
      this.currentWatermark = () => {
        if (this.watermarks === undefined) throw new Error(`${this.name}: the reader is not open; open() makes its partitions' watermarks`);
        return this.watermarks.current();
      };
    }
    const { groupId } = options;
    this.committer =
      groupId !== undefined && options.commitOffsetsOnCheckpoint !== false
        ? new KafkaOffsetCommitter({
            name,
            groupId,
            brokers: options.brokers,
            timeoutMs: this.timeoutMs,
            logger: context.logger,
            commit: (position) => commitGroupOffsets(this.connected(), groupId, position),
          })
        : undefined;
  }

  async open(): Promise<void> {
    this.splits = await findSplits(this.kafka, this.name, this.options, this.context, this.timeoutMs);
    const strategy = this.options.watermarkStrategy;
    if (strategy !== undefined) {
      const watermarks = new SplitWatermarks(strategy, this.splits.length, Date.now);
      this.splits.forEach((s, i) => s.next >= s.end && watermarks.finish(i));
      this.watermarks = watermarks;
    }
    const cluster = createClusterOf(this.kafka);
    this.cluster = cluster;
    await connectWithin(() => cluster.connect(), `${this.name} (instance ${this.context.index})`, this.options.brokers, this.timeoutMs, this.context.logger);
    this.fetching = this.fetchLoop(cluster);
  }

  poll(max: number, emit: (record: Either<KafkaDeadLetter, T>) => void): PollResult | Promise<PollResult> {
    if (this.failure !== undefined) throw this.failure;
    if (this.head === this.chunks.length) {
      if (this.bounded && this.done()) return 'end';
      return new Promise<PollResult>((resolve) => {
        const timer = setTimeout(() => this.notify(), POLL_WAIT_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve('more');
        };
      });
    }
    const chunks = this.chunks;
    const decode = this.decode;
    const watermarks = this.watermarks;
    const assign = this.options.watermarkStrategy?.timestampAssigner;
    const now = watermarks === undefined ? 0 : Date.now();
    let n = 0;
    while (n < max && this.head < chunks.length) {
      const chunk = chunks[this.head];
      const { split, records, to } = chunk;
      let i = chunk.from;
      const until = Math.min(to, i + (max - n));
      if (watermarks === undefined) {
        for (; i < until; i++) {
          const decoded = decode(records, i, split);
          emit(isLeft(decoded) ? left(deadLetter(split, records, i, decoded.left)) : decoded);
          split.next = records.offset(i) + 1;
        }
      } else {
        for (; i < until; i++) this.emitTimed(records, i, chunk, assign, watermarks, now, emit);
      }
      n += i - chunk.from;
      this.bufferedRecords -= i - chunk.from;
      chunk.from = i;
      if (i < to) break;
      if (chunk.moveTo > split.next) split.next = chunk.moveTo;
      if (split.next >= split.end) watermarks?.finish(chunk.index);
      this.head++;
    }
    if (this.head === chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.chunks = chunks.slice(this.head);
      this.head = 0;
    }
    if (this.bufferedRecords <= this.capacity / 2) this.signalRoom();
    return this.bounded && this.head === this.chunks.length && this.done() ? 'end' : 'more';
  }

  /** Emits record i with its event time (the assigner's, else the Kafka timestamp), which its partition's generator sees. */
  private emitTimed(records: FetchedRecords, i: number, chunk: Chunk, assign: TimestampAssigner<T> | undefined, watermarks: SplitWatermarks, now: number, emit: (record: Either<KafkaDeadLetter, T>, timestamp?: number) => void): void {
    const { split } = chunk;
    const kafkaTimestamp = records.timestamp(i);
    const decoded = this.decode(records, i, split);
    if (isLeft(decoded)) {
      // A dead letter keeps its Kafka time and moves no watermark.
      emit(left(deadLetter(split, records, i, decoded.left)), kafkaTimestamp);
    } else {
      const timestamp = assign === undefined ? kafkaTimestamp : assign(decoded.right, kafkaTimestamp);
      emit(decoded, timestamp);
      watermarks.onRecord(chunk.index, timestamp, now);
    }
    split.next = records.offset(i) + 1;
  }

  /**
   * Records of each partition not emitted yet: its last stable offset as of the last fetch
   * minus the next offset to emit. While the buffer is full no fetch runs, so the end is as
   * old as the fetch before: the buffer drains to half before the next.
   */
  partitionLag(): PartitionLag[] {
    return this.splits.map(({ topic, partition, next, endOffset }) => ({ topic, partition, lag: Math.max(0, endOffset - next) }));
  }

  /** @internal Records fetched and not yet polled, for specs of the memory bound. */
  buffered(): number {
    return this.bufferedRecords;
  }

  position(checkpointId?: CheckpointId): KafkaSourcePosition {
    const position = this.splits.map(({ topic, partition, next }) => ({ topic, partition, offset: next }));
    if (checkpointId !== undefined) this.committer?.checkpointTaken(checkpointId, position);
    return position;
  }

  /** Commits the position of the completed checkpoint to the group, in the background, latest first. */
  notifyCheckpointComplete(checkpointId: CheckpointId): void {
    this.committer?.checkpointCompleted(checkpointId);
  }

  /** @internal Offset commits that failed (each reported as a process warning), for specs. */
  commitFailures(): number {
    return this.committer?.failures() ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    this.signalRoom();
    await this.fetching?.catch(() => undefined);
    // The last completed checkpoint's commit (a bounded job's final one) is still sent.
    await this.committer?.flush();
    await this.cluster?.disconnect().catch(() => undefined);
  }

  /** The cluster connection; commits come only after a checkpoint, so after open. */
  private connected(): KafkaCluster {
    if (this.cluster === undefined) throw new Error(`${this.name}: the reader is not open; open() connects it`);
    return this.cluster;
  }

  private done(): boolean {
    return this.splits.every((s) => s.next >= s.end);
  }

  /** Fetches while there is room and something to read; stops on close or a non-retriable error. */
  private async fetchLoop(cluster: KafkaCluster): Promise<void> {
    let retries = 0;
    const maxBytesPerPartition = this.options.fetchMaxBytesPerPartition ?? DEFAULT_FETCH_MAX_BYTES_PER_PARTITION;
    while (!this.closed) {
      if (this.bufferedRecords >= this.capacity) {
        await new Promise<void>((resolve) => (this.room = resolve));
        continue;
      }
      const wanted = this.splits.filter((s) => s.buffered < s.end).map((s) => ({ topic: s.topic, partition: s.partition, offset: s.buffered }));
      if (wanted.length === 0) return;
      try {
        const fetched = await fetchPartitions(cluster, wanted, { maxWaitMs: FETCH_MAX_WAIT_MS, maxBytesPerPartition });
        retries = 0;
        if (this.closed) return;
        for (const f of fetched) this.accept(f);
        this.notify();
      } catch (e) {
        const type = (e as { type?: string }).type ?? '';
        const retriable = STALE_METADATA_ERRORS.includes(type) || (e as { retriable?: boolean }).retriable === true;
        if (!retriable || ++retries > FETCH_RETRIES || this.closed) {
          this.failure = e instanceof Error ? e : new Error(String(e));
          this.notify();
          return;
        }
        const delayMs = Math.min(50 * 2 ** retries, 1000);
        this.context.logger?.warn({ attempt: retries, delayMs, cause: messageOf(e) }, `${this.name}: fetching failed (${messageOf(e)}); retrying in ${delayMs} ms with fresh metadata`);
        await refreshMetadata(cluster);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  private accept(fetched: PartitionFetch): void {
    const index = this.splits.findIndex((s) => s.topic === fetched.topic && s.partition === fetched.partition);
    const split = index < 0 ? undefined : this.splits[index];
    if (split !== undefined) split.endOffset = fetched.lastStableOffset;
    // One fetch is in flight at a time, so a response always continues where the split stands.
    if (split === undefined || fetched.fetchOffset !== split.buffered) return;
    const { records } = fetched;
    let to = records.length;
    // Bounded: records at or after the end are not emitted (offsets ascend).
    while (to > 0 && records.offset(to - 1) >= split.end) to--;
    if (to > 0) split.buffered = records.offset(to - 1) + 1;
    // Offsets without a record for us (control records, aborted transactions) still move the split on.
    const moveTo = Math.max(split.buffered, Math.min(fetched.nextOffset, split.end));
    if (to === 0 && moveTo === split.buffered) return;
    this.chunks.push({ split, index, records, from: 0, to, moveTo });
    this.bufferedRecords += to;
    split.buffered = moveTo;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private signalRoom(): void {
    const room = this.room;
    this.room = undefined;
    room?.();
  }
}
