/**
 * A parallel Kafka source (kafkajs). The partitions of the topics are split over the source
 * instances (partition i of the sorted list goes to instance i mod parallelism); each
 * instance reads its split from the offsets the checkpointed positions name (of every former
 * instance, so a restore may change the parallelism), so a restore rewinds exactly there
 * whatever the consumer group holds. With a `groupId`, a completed checkpoint's offsets are
 * committed to the group, for lag tools and `startFrom: 'committed'`. Records are decoded at this edge
 * into `Either<KafkaDeadLetter, T>`; `fromKafka` splits them into the stream of T and the
 * dead-letter side output `kafkaDeadLetters`, so a bad record is data, not a crash.
 *
 * @example
 * const source = new KafkaSource({ brokers: ['127.0.0.1:9092'], topics: ['events'], format: { codec: EventCodec } });
 * const events = fromKafka(env, source);
 * events.getSideOutput(kafkaDeadLetters).print();
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type { Admin, Kafka } from 'kafkajs';
import { FetchedPartition, KafkaCluster, RawKafkaMessage, STALE_METADATA_ERRORS, commitGroupOffsets, createClusterOf, fetchPartitions, refreshMetadata } from './KafkaInternals';
import type { CheckpointId } from '../checkpoint/CheckpointTypes';
import { SingleOutputStream } from '../api/DataStream';
import { OutputTag } from '../api/OutputTag';
import { ProcessContext, ProcessFunction } from '../api/ProcessFunction';
import { Collector } from '../api/functions';
import type { StreamEnvironment } from '../api/StreamEnvironment';
import { PollResult, Source, SourceReader, SplitContext } from './Source';
import { checkTopicsExist, connectWithin, createKafkaClient, DEFAULT_KAFKA_OPERATION_TIMEOUT_MS, messageOf, withinKafkaBound } from './kafkaClient';
import { operationTimeoutProblem } from '../services/withinDeadline';
import { ServiceError } from '../services/ServiceError';

/** A record that could not be decoded, with where it came from and why. */
export interface KafkaDeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Key and value as UTF-8 text (null when absent). */
  readonly key: string | null;
  readonly value: string | null;
  readonly reason: string;
}

/** The side output of `fromKafka` that receives records that failed to decode. */
export const kafkaDeadLetters = new OutputTag<KafkaDeadLetter>('kafka-dead-letters');

/** A record as read from Kafka, for a custom deserializer. */
export interface KafkaInputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RawKafkaMessage['headers'];
}

/**
 * How values become records: `{ codec }` parses the value as JSON and checks it with the
 * io-ts codec; `{ deserialize }` returns Left(reason) for a record it refuses.
 */
export type KafkaFormat<T> =
  | {
      /** Parses the value as JSON and checks it: a record that fails is a dead letter. */
      readonly codec: t.Type<T, unknown, unknown>;
    }
  | {
      /** Decodes a record; Left(reason) makes it a dead letter. */
      readonly deserialize: (record: KafkaInputRecord) => Either<string, T>;
    };

/**
 * Where a split starts when the checkpoint does not name an offset for a partition:
 * 'earliest', 'latest', the first record at or after a timestamp (ms; the end when there is
 * none), or the offsets committed to `groupId` ('committed' refuses to start when a
 * partition has none; `{ committedOrElse }` starts such partitions there instead).
 */
export type KafkaStartOffset =
  | 'earliest'
  | 'latest'
  | 'committed'
  | { readonly committedOrElse: 'earliest' | 'latest' }
  | { readonly timestamp: number };

/** Named topics, or a pattern: every topic whose name it matches (Kafka's internal `__` topics never). */
export type KafkaTopics = readonly string[] | RegExp;

/** Options of a Kafka source. */
export interface KafkaSourceOptions<T> {
  readonly brokers: readonly string[];
  readonly topics: KafkaTopics;
  readonly format: KafkaFormat<T>;
  readonly startFrom?: KafkaStartOffset;
  /**
   * A consumer group: where `startFrom: 'committed'` reads its offsets, and where the source
   * commits its position each time a checkpoint completes (never before: the group's offsets
   * never run ahead of a completed checkpoint). The source does not join the group.
   */
  readonly groupId?: string;
  /** With a `groupId`: commit the position on checkpoint completion (default true). */
  readonly commitOffsetsOnCheckpoint?: boolean;
  /**
   * 'unbounded' (default) reads forever; 'bounded' stops at the end offsets seen when the
   * reader opens (for tests and batch back-fills).
   */
  readonly boundedness?: 'bounded' | 'unbounded';
  /** Records buffered per instance before fetching stops (default 5000). */
  readonly bufferSize?: number;
  /** Bytes one fetch may return per partition (default 256 KiB): with bufferSize, the memory bound. */
  readonly fetchMaxBytesPerPartition?: number;
  readonly clientId?: string;
  /**
   * The longest the source waits on Kafka for one operation, kafkajs's retries included
   * (default 30 000 ms): connecting, the topics' metadata and offsets, an offset commit. A
   * cluster out of reach for that long when the source opens, or a named topic that does not
   * exist, fails the job without restarts, naming the brokers or the topic.
   */
  readonly operationTimeoutMs?: number;
}

// --- the checkpointed position ---------------------------------------------------------------

const PartitionOffsetCodec = t.type({ topic: t.string, partition: t.number, offset: t.number });
/** A split's position: for each partition of the split, the next offset to emit. */
export const KafkaSourcePositionCodec = t.array(PartitionOffsetCodec, 'KafkaSourcePosition');
/** A Kafka source's position, as checkpoints keep it: the next offset of each partition it reads. */
export type KafkaSourcePosition = t.TypeOf<typeof KafkaSourcePositionCodec>;

function decodePosition(name: string, position: unknown): Map<string, number> {
  const offsets = new Map<string, number>();
  if (position === undefined) return offsets;
  const decoded = KafkaSourcePositionCodec.decode(position);
  if (isLeft(decoded)) {
    throw new Error(`${name}: cannot resume from position ${JSON.stringify(position)}: ${PathReporter.report(decoded).slice(0, 3).join('; ')}`);
  }
  for (const { topic, partition, offset } of decoded.right) {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`${name}: cannot resume ${topic}/${partition} from offset ${offset}`);
    offsets.set(partitionKey(topic, partition), offset);
  }
  return offsets;
}

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

// --- the reader ------------------------------------------------------------------------------

interface PartitionSplit {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to emit: the checkpointed position. */
  next: number;
  /** Next offset to buffer; a fetch below it (after a seek or rebalance) is a duplicate. */
  buffered: number;
  /** Bounded mode: the offset the split stops at. */
  readonly end: number;
}

/** A buffered message, or (message null) a marker that moves `next` past control records. */
interface Entry {
  readonly split: PartitionSplit;
  readonly offset: number;
  readonly message: RawKafkaMessage | null;
}

/** Poll waits at most this long for records, so checkpoint triggers are never held up longer. */
const POLL_WAIT_MS = 50;

/**
 * Reads Kafka topics, with offsets in checkpoints (see the module comment and docs/kafka.md); use it with
 * `env.fromKafka(source)`.
 */
export class KafkaSource<T> implements Source<Either<KafkaDeadLetter, T>> {
  readonly name: string;
  readonly parallel = true;
  /** Partitions are dealt anew from the positions of all former instances: restorable at any parallelism. */
  readonly rescalable = true;

  constructor(readonly options: KafkaSourceOptions<T>) {
    const problems = optionProblems(options);
    if (problems.length > 0) throw new Error(`KafkaSource: ${problems.join('; ')}`);
    this.name = `Kafka Source (${options.topics instanceof RegExp ? String(options.topics) : options.topics.join(', ')})`;
  }

  /** Called by the runtime: one reader per parallel instance, created in its task. */
  createReader(split: SplitContext): SourceReader<Either<KafkaDeadLetter, T>> {
    return new KafkaSplitReader(this.name, this.options, split);
  }
}

/** Every problem of the options, so that all are reported at once. */
function optionProblems<T>(options: KafkaSourceOptions<T>): string[] {
  const problems: string[] = [];
  const { topics, startFrom, groupId } = options;
  if (!(topics instanceof RegExp) && topics.length === 0) problems.push('name at least one topic, or a pattern');
  if (options.brokers.length === 0) problems.push('name at least one broker');
  const committed = startFrom === 'committed' || (typeof startFrom === 'object' && 'committedOrElse' in startFrom);
  if (committed && (groupId === undefined || groupId.length === 0)) problems.push("startFrom 'committed' reads a consumer group's offsets: set groupId");
  if (typeof startFrom === 'object' && 'timestamp' in startFrom && !(Number.isFinite(startFrom.timestamp) && startFrom.timestamp >= 0)) {
    problems.push(`startFrom { timestamp } must be a time in ms since the epoch, got ${startFrom.timestamp}`);
  }
  if (groupId !== undefined && groupId.length === 0) problems.push('groupId must not be empty');
  const timeoutProblem = operationTimeoutProblem(options.operationTimeoutMs);
  if (timeoutProblem !== undefined) problems.push(timeoutProblem);
  return problems;
}

/** Topics to read, sorted: the named ones, or those the pattern matches now. */
async function resolveTopics(admin: Admin, topics: KafkaTopics): Promise<string[]> {
  if (!(topics instanceof RegExp)) return [...topics];
  const pattern = new RegExp(topics.source, topics.flags.replace(/[gy]/g, ''));
  return (await admin.listTopics()).filter((name) => !name.startsWith('__') && pattern.test(name)).sort();
}

/** Positions of checkpoints not yet complete, kept at most this many: a later completion subsumes older ones. */
const PENDING_COMMITS = 32;

/**
 * One instance's reader: it fetches its split itself (read_committed, no consumer group), into
 * a bounded buffer that `poll` drains. The fetch loop stops while the buffer is full: that is
 * the source's backpressure, and nothing is read that the task has no room for.
 */
class KafkaSplitReader<T> implements SourceReader<Either<KafkaDeadLetter, T>> {
  private readonly kafka: Kafka;
  private readonly bounded: boolean;
  private readonly capacity: number;
  private splits: PartitionSplit[] = [];
  private buffer: Entry[] = [];
  private head = 0;
  private cluster: KafkaCluster | undefined;
  private fetching: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Wakes a poll waiting for records. */
  private wake: (() => void) | undefined;
  /** Wakes the fetch loop waiting for room. */
  private room: (() => void) | undefined;
  private closed = false;
  private readonly commitsToGroup: boolean;
  /** Positions taken by checkpoints not yet complete, by checkpoint id (ascending). */
  private readonly pendingCommits = new Map<CheckpointId, KafkaSourcePosition>();
  private nextCommit: KafkaSourcePosition | undefined;
  private committing: Promise<void> | undefined;
  private failedCommits = 0;
  private readonly decode: (message: RawKafkaMessage, split: PartitionSplit, offset: number) => Either<string, T>;
  private readonly timeoutMs: number;

  constructor(private readonly name: string, private readonly options: KafkaSourceOptions<T>, private readonly context: SplitContext) {
    this.timeoutMs = options.operationTimeoutMs ?? DEFAULT_KAFKA_OPERATION_TIMEOUT_MS;
    this.kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId ?? 'sluice-source', operationTimeoutMs: this.timeoutMs, logger: context.logger });
    this.bounded = options.boundedness === 'bounded';
    this.capacity = options.bufferSize ?? 5000;
    this.commitsToGroup = options.groupId !== undefined && options.commitOffsetsOnCheckpoint !== false;
    this.decode = decoderFor(options.format);
  }

  async open(): Promise<void> {
    const { startFrom = 'earliest' } = this.options;
    const { index, parallelism } = this.context;
    // Every partition was in exactly one former split: their positions together name each once.
    const { restoredPosition, restoredPositions = restoredPosition === undefined ? [] : [restoredPosition] } = this.context;
    const restored = new Map(restoredPositions.flatMap((p) => [...decodePosition(this.name, p)]));
    const { brokers } = this.options;
    const what = `${this.name} (instance ${index})`;
    const bounded = <R>(operation: Promise<R>, step: string) => withinKafkaBound(operation, `${what}: ${step}`, brokers, this.timeoutMs);
    const admin = this.kafka.admin();
    try {
      await connectWithin(() => admin.connect(), what, brokers, this.timeoutMs, this.context.logger);
      const topics = await bounded(resolveTopics(admin, this.options.topics), 'listing topics');
      // Named topics are checked first, so that a missing one is named (kafkajs's error does not).
      if (!(this.options.topics instanceof RegExp)) await checkTopicsExist(this.kafka, topics, what, brokers, this.timeoutMs, { autoCreation: 'none', logger: this.context.logger });
      const metadata = await bounded(admin.fetchTopicMetadata({ topics }), 'reading topic metadata');
      const all = metadata.topics
        .flatMap((tm) => tm.partitions.map((p) => ({ topic: tm.name, partition: p.partitionId })))
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
      const mine = all.filter((_, i) => i % parallelism === index);
      for (const topic of new Set(mine.map((m) => m.topic))) {
        // Offsets of a read_committed reader: `high` is the last stable offset.
        const offsets = await bounded(admin.fetchTopicOffsets(topic), `reading offsets of ${topic}`);
        const starts = await bounded(this.startOffsets(admin, topic, startFrom, offsets), `finding start offsets of ${topic}`);
        for (const { partition } of mine.filter((m) => m.topic === topic)) {
          const o = offsets.find((x) => x.partition === partition)!;
          const start = restored.get(partitionKey(topic, partition)) ?? starts(partition);
          this.splits.push({ topic, partition, next: start, buffered: start, end: this.bounded ? Number(o.high) : Infinity });
        }
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const cluster = createClusterOf(this.kafka);
    this.cluster = cluster;
    await connectWithin(() => cluster.connect(), what, brokers, this.timeoutMs, this.context.logger);
    this.fetching = this.fetchLoop();
  }

  /** Where each partition of `topic` starts on a fresh start, by `startFrom`. */
  private async startOffsets(admin: Admin, topic: string, startFrom: KafkaStartOffset, offsets: { partition: number; low: string; high: string }[]): Promise<(partition: number) => number> {
    const at = (partition: number, edge: 'earliest' | 'latest') => {
      const o = offsets.find((x) => x.partition === partition)!;
      return Number(edge === 'earliest' ? o.low : o.high);
    };
    if (startFrom === 'earliest' || startFrom === 'latest') return (p) => at(p, startFrom);
    if (typeof startFrom === 'object' && 'timestamp' in startFrom) {
      const byTimestamp = await admin.fetchTopicOffsetsByTimestamp(topic, startFrom.timestamp);
      return (p) => Number(byTimestamp.find((x) => x.partition === p)!.offset);
    }
    const groupId = this.options.groupId!;
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const orElse = startFrom === 'committed' ? undefined : startFrom.committedOrElse;
    return (p) => {
      const offset = Number(committed?.partitions.find((x) => x.partition === p)?.offset ?? -1);
      if (offset >= 0) return offset;
      // A restart would find no offset either: the job fails at once.
      if (orElse === undefined) throw new ServiceError('kafka', groupId, `${this.name}: consumer group '${groupId}' has no committed offset for ${topic}/${p}; start it with startFrom { committedOrElse: 'earliest' | 'latest' }`, false);
      return at(p, orElse);
    };
  }

  poll(max: number, emit: (record: Either<KafkaDeadLetter, T>) => void): PollResult | Promise<PollResult> {
    if (this.failure !== undefined) throw this.failure;
    if (this.head === this.buffer.length) {
      if (this.bounded && this.done()) return 'end';
      return new Promise<PollResult>((resolve) => {
        const timer = setTimeout(() => this.notify(), POLL_WAIT_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve('more');
        };
      });
    }
    const buffer = this.buffer;
    let n = 0;
    while (n < max && this.head < buffer.length) {
      const { split, offset, message } = buffer[this.head++];
      if (message === null) {
        if (offset > split.next) split.next = offset;
        continue;
      }
      const decoded = this.decode(message, split, offset);
      emit(isLeft(decoded) ? left(deadLetter(split, offset, message, decoded.left)) : decoded);
      split.next = offset + 1;
      n++;
    }
    if (this.head === buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head > 4096) {
      this.buffer = buffer.slice(this.head);
      this.head = 0;
    }
    if (this.buffer.length - this.head <= this.capacity / 2) this.signalRoom();
    return this.bounded && this.head === this.buffer.length && this.done() ? 'end' : 'more';
  }

  /** @internal Records fetched and not yet polled, for specs of the memory bound. */
  buffered(): number {
    return this.buffer.length - this.head;
  }

  position(checkpointId?: CheckpointId): KafkaSourcePosition {
    const position = this.splits.map(({ topic, partition, next }) => ({ topic, partition, offset: next }));
    if (checkpointId !== undefined && this.commitsToGroup) {
      this.pendingCommits.set(checkpointId, position);
      if (this.pendingCommits.size > PENDING_COMMITS) this.pendingCommits.delete(this.pendingCommits.keys().next().value!);
    }
    return position;
  }

  /** Commits the position of the completed checkpoint to the group, in the background, latest first. */
  notifyCheckpointComplete(checkpointId: CheckpointId): void {
    const position = this.pendingCommits.get(checkpointId);
    for (const id of this.pendingCommits.keys()) if (id <= checkpointId) this.pendingCommits.delete(id);
    if (position === undefined || position.length === 0) return;
    this.nextCommit = position;
    this.committing ??= this.commitLoop().finally(() => (this.committing = undefined));
  }

  /** @internal Offset commits that failed (each reported as a process warning), for specs. */
  commitFailures(): number {
    return this.failedCommits;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    this.signalRoom();
    await this.fetching?.catch(() => undefined);
    // The last completed checkpoint's commit (a bounded job's final one) is still sent.
    await this.committing;
    await this.cluster?.disconnect().catch(() => undefined);
  }

  /**
   * One commit in flight at a time; a completion that arrives meanwhile replaces the waiting
   * one, so at most one position waits. A failed commit is reported and not retried: the next
   * completed checkpoint commits a newer position, and the checkpoint, not the group, is what
   * a restore reads.
   */
  private async commitLoop(): Promise<void> {
    while (this.nextCommit !== undefined) {
      const offsets = this.nextCommit;
      this.nextCommit = undefined;
      try {
        const commit = commitGroupOffsets(this.cluster!, this.options.groupId!, offsets);
        await withinKafkaBound(commit, `${this.name}: committing offsets to consumer group '${this.options.groupId}'`, this.options.brokers, this.timeoutMs);
      } catch (e) {
        this.failedCommits++;
        const message = `${this.name}: committing offsets to consumer group '${this.options.groupId}' failed: ${(e as Error).message}`;
        this.context.logger?.warn({ groupId: this.options.groupId, cause: messageOf(e) }, message);
        process.emitWarning(message, 'SluiceKafkaCommitWarning');
      }
    }
  }

  private done(): boolean {
    return this.splits.every((s) => s.next >= s.end);
  }

  /** Fetches while there is room and something to read; stops on close or a non-retriable error. */
  private async fetchLoop(): Promise<void> {
    let retries = 0;
    while (!this.closed) {
      if (this.buffer.length - this.head >= this.capacity) {
        await new Promise<void>((resolve) => (this.room = resolve));
        continue;
      }
      const wanted = this.splits.filter((s) => s.buffered < s.end).map((s) => ({ topic: s.topic, partition: s.partition, offset: s.buffered }));
      if (wanted.length === 0) return;
      try {
        const fetched = await fetchPartitions(this.cluster!, wanted, { maxWaitMs: 100, maxBytesPerPartition: this.options.fetchMaxBytesPerPartition ?? 256 * 1024 });
        retries = 0;
        if (this.closed) return;
        for (const f of fetched) this.accept(f);
        this.notify();
      } catch (e) {
        const type = (e as { type?: string }).type ?? '';
        const retriable = STALE_METADATA_ERRORS.includes(type) || (e as { retriable?: boolean }).retriable === true;
        if (!retriable || ++retries > 20 || this.closed) {
          this.failure = e instanceof Error ? e : new Error(String(e));
          this.notify();
          return;
        }
        const delayMs = Math.min(50 * 2 ** retries, 1000);
        this.context.logger?.warn({ attempt: retries, delayMs, cause: messageOf(e) }, `${this.name}: fetching failed (${messageOf(e)}); retrying in ${delayMs} ms with fresh metadata`);
        await refreshMetadata(this.cluster!);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  private accept(fetched: FetchedPartition): void {
    const split = this.splits.find((s) => s.topic === fetched.topic && s.partition === fetched.partition);
    // One fetch is in flight at a time, so a response always continues where the split stands.
    if (split === undefined || fetched.fetchOffset !== split.buffered) return;
    for (const { offset, message } of fetched.records) {
      if (offset >= split.end) break;
      this.buffer.push({ split, offset, message });
      split.buffered = offset + 1;
    }
    // Offsets without a record for us (control records, aborted transactions) still move the split on.
    const to = Math.min(fetched.nextOffset, split.end);
    if (to > split.buffered) {
      this.buffer.push({ split, offset: to, message: null });
      split.buffered = to;
    }
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

function decoderFor<T>(format: KafkaFormat<T>): (message: RawKafkaMessage, split: PartitionSplit, offset: number) => Either<string, T> {
  if ('codec' in format) {
    const codec = format.codec;
    return (message) => {
      if (message.value === null) return left('no value (tombstone)');
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.value.toString('utf8'));
      } catch (e) {
        return left(`not JSON: ${(e as Error).message}`);
      }
      const decoded = codec.decode(parsed);
      return isLeft(decoded) ? left(PathReporter.report(decoded).join('; ')) : right(decoded.right);
    };
  }
  const deserialize = format.deserialize;
  return (message, split, offset) => {
    try {
      return deserialize({
        topic: split.topic,
        partition: split.partition,
        offset,
        timestamp: Number(message.timestamp),
        key: message.key ?? null,
        value: message.value ?? null,
        headers: message.headers,
      });
    } catch (e) {
      return left(`deserializer threw: ${(e as Error).message}`);
    }
  };
}

function deadLetter(split: PartitionSplit, offset: number, message: RawKafkaMessage, reason: string): KafkaDeadLetter {
  return {
    topic: split.topic,
    partition: split.partition,
    offset,
    key: message.key == null ? null : message.key.toString('utf8'),
    value: message.value == null ? null : message.value.toString('utf8'),
    reason,
  };
}

/** Sends decoded records on and dead letters to the `kafkaDeadLetters` side output. */
class SplitDeadLetters<T> extends ProcessFunction<Either<KafkaDeadLetter, T>, T> {
  override readonly sideOutputTags = [kafkaDeadLetters];
  processElement(value: Either<KafkaDeadLetter, T>, ctx: ProcessContext, out: Collector<T>): void {
    if (value._tag === 'Right') out.collect(value.right);
    else ctx.output(kafkaDeadLetters, value.left);
  }
}

/**
 * The stream of decoded records of a Kafka source; records that failed to decode are on its
 * side output `kafkaDeadLetters` (read it with `getSideOutput(kafkaDeadLetters)`).
 */
export function fromKafka<T>(env: StreamEnvironment, source: KafkaSource<T>, uid?: string): SingleOutputStream<T> {
  const raw = env.fromSource(source);
  if (uid !== undefined) raw.uid(uid);
  return raw.process(new SplitDeadLetters<T>()).name('Kafka Dead Letters');
}
