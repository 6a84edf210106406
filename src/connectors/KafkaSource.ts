/**
 * A parallel Kafka source (kafkajs). The partitions of the topics are split over the source
 * instances (partition i of the sorted list goes to instance i mod parallelism); each
 * instance reads its split from the offsets its checkpointed position names, so a restore
 * rewinds exactly there whatever the consumer group holds. Records are decoded at this edge
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
import { Consumer, Kafka, KafkaMessage, PartitionAssigner, AssignerProtocol, logLevel } from 'kafkajs';
import { SingleOutputStream } from '../api/DataStream';
import { OutputTag } from '../api/OutputTag';
import { ProcessContext, ProcessFunction } from '../api/ProcessFunction';
import { Collector } from '../api/functions';
import type { StreamEnvironment } from '../api/StreamEnvironment';
import { PollResult, Source, SourceReader, SplitContext } from './Source';

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
  readonly headers: KafkaMessage['headers'];
}

/**
 * How values become records: `{ codec }` parses the value as JSON and checks it with the
 * io-ts codec; `{ deserialize }` returns Left(reason) for a record it refuses.
 */
export type KafkaFormat<T> =
  | { readonly codec: t.Type<T, unknown, unknown> }
  | { readonly deserialize: (record: KafkaInputRecord) => Either<string, T> };

/** Where a split starts when the checkpoint does not name an offset for a partition. */
export type KafkaStartOffset = 'earliest' | 'latest' | { readonly timestamp: number };

export interface KafkaSourceOptions<T> {
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly format: KafkaFormat<T>;
  readonly startFrom?: KafkaStartOffset;
  /**
   * 'unbounded' (default) reads forever; 'bounded' stops at the end offsets seen when the
   * reader opens (for tests and batch back-fills).
   */
  readonly boundedness?: 'bounded' | 'unbounded';
  /** Records buffered per instance before the consumer pauses (default 5000). */
  readonly bufferSize?: number;
  /** Prefix of the consumer group ids (default 'sluice'); see docs/kafka.md on groups. */
  readonly groupIdPrefix?: string;
  readonly clientId?: string;
}

// --- the checkpointed position ---------------------------------------------------------------

const PartitionOffsetCodec = t.type({ topic: t.string, partition: t.number, offset: t.number });
/** A split's position: for each partition of the split, the next offset to emit. */
export const KafkaSourcePositionCodec = t.array(PartitionOffsetCodec, 'KafkaSourcePosition');
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
  readonly message: KafkaMessage | null;
}

/** Poll waits at most this long for records, so checkpoint triggers are never held up longer. */
const POLL_WAIT_MS = 50;
let readerCounter = 0;

export class KafkaSource<T> implements Source<Either<KafkaDeadLetter, T>> {
  readonly name: string;
  readonly parallel = true;

  constructor(readonly options: KafkaSourceOptions<T>) {
    if (options.topics.length === 0) throw new Error('KafkaSource: name at least one topic');
    if (options.brokers.length === 0) throw new Error('KafkaSource: name at least one broker');
    this.name = `Kafka Source (${options.topics.join(', ')})`;
  }

  createReader(split: SplitContext): SourceReader<Either<KafkaDeadLetter, T>> {
    return new KafkaSplitReader(this.name, this.options, split);
  }
}

/** One instance's reader: a kafkajs consumer in its own group, assigned exactly its split. */
class KafkaSplitReader<T> implements SourceReader<Either<KafkaDeadLetter, T>> {
  private readonly kafka: Kafka;
  private readonly bounded: boolean;
  private readonly capacity: number;
  private splits: PartitionSplit[] = [];
  private readonly byKey = new Map<string, PartitionSplit>();
  private buffer: Entry[] = [];
  private head = 0;
  private consumer: Consumer | undefined;
  private paused = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly decode: (message: KafkaMessage, split: PartitionSplit, offset: number) => Either<string, T>;

  constructor(private readonly name: string, private readonly options: KafkaSourceOptions<T>, private readonly context: SplitContext) {
    this.kafka = new Kafka({ brokers: [...options.brokers], clientId: options.clientId ?? 'sluice-source', logLevel: logLevel.NOTHING });
    this.bounded = options.boundedness === 'bounded';
    this.capacity = options.bufferSize ?? 5000;
    this.decode = decoderFor(options.format);
  }

  async open(): Promise<void> {
    const { topics, startFrom = 'earliest' } = this.options;
    const { index, parallelism } = this.context;
    const restored = decodePosition(this.name, this.context.restoredPosition);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const all = metadata.topics
        .flatMap((tm) => tm.partitions.map((p) => ({ topic: tm.name, partition: p.partitionId })))
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
      const mine = all.filter((_, i) => i % parallelism === index);
      for (const topic of new Set(mine.map((m) => m.topic))) {
        const offsets = await admin.fetchTopicOffsets(topic);
        const byTimestamp = typeof startFrom === 'object' ? await admin.fetchTopicOffsetsByTimestamp(topic, startFrom.timestamp) : undefined;
        for (const { partition } of mine.filter((m) => m.topic === topic)) {
          const o = offsets.find((x) => x.partition === partition)!;
          const start =
            restored.get(partitionKey(topic, partition)) ??
            (startFrom === 'earliest' ? Number(o.low) : startFrom === 'latest' ? Number(o.high) : Number(byTimestamp!.find((x) => x.partition === partition)!.offset));
          const split: PartitionSplit = { topic, partition, next: start, buffered: start, end: this.bounded ? Number(o.high) : Infinity };
          this.splits.push(split);
          this.byKey.set(partitionKey(topic, partition), split);
        }
      }
    } finally {
      await admin.disconnect();
    }
    const toRead = this.splits.filter((s) => s.next < s.end);
    if (toRead.length === 0) return;
    // A group of its own per reader run: offsets live in checkpoints, and a fresh group never
    // waits for a crashed predecessor's session to expire.
    const groupId = `${this.options.groupIdPrefix ?? 'sluice'}-${topics.join('+')}-${index}-${process.pid}-${Date.now().toString(36)}-${++readerCounter}`;
    const consumer = this.kafka.consumer({
      groupId,
      partitionAssigners: [fixedAssigner(toRead)],
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 256 * 1024,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.failure = e.payload.error;
      this.notify();
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this.seekAll());
    // Batches holding only control records or aborted records never reach eachBatch.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.batchSize === 0) this.advance(e.payload.topic, e.payload.partition, Number(e.payload.lastOffset) + 1);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(toRead.map((s) => s.topic))] });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        const split = this.byKey.get(partitionKey(batch.topic, batch.partition));
        if (split === undefined) return;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset < split.buffered || offset >= split.end) continue;
          this.buffer.push({ split, offset, message });
          split.buffered = offset + 1;
        }
        // kafkajs's Batch has this method; its typings omit it.
        if (!(batch as unknown as { isEmptyIncludingFiltered(): boolean }).isEmptyIncludingFiltered()) this.advance(batch.topic, batch.partition, Number(batch.lastOffset()) + 1);
        if (split.buffered >= split.end) consumer.pause([{ topic: split.topic, partitions: [split.partition] }]);
        if (this.buffer.length - this.head >= this.capacity && !this.paused) {
          this.paused = true;
          consumer.pause(this.topicPartitions());
        }
        this.notify();
      },
    });
    this.seekAll();
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
    if (this.paused && this.buffer.length - this.head <= this.capacity / 2) {
      this.paused = false;
      this.consumer?.resume(this.topicPartitions());
    }
    return this.bounded && this.head === this.buffer.length && this.done() ? 'end' : 'more';
  }

  position(): KafkaSourcePosition {
    return this.splits.map(({ topic, partition, next }) => ({ topic, partition, offset: next }));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }

  private done(): boolean {
    return this.splits.every((s) => s.next >= s.end);
  }

  /** Moves a split past offsets that carry no record (control records, aborted transactions). */
  private advance(topic: string, partition: number, offset: number): void {
    const split = this.byKey.get(partitionKey(topic, partition));
    if (split === undefined) return;
    const to = Math.min(offset, split.end);
    if (to <= split.buffered) return;
    this.buffer.push({ split, offset: to, message: null });
    split.buffered = to;
    this.notify();
  }

  private seekAll(): void {
    if (this.consumer === undefined || this.closed) return;
    for (const s of this.splits) if (s.buffered < s.end) this.consumer.seek({ topic: s.topic, partition: s.partition, offset: String(s.buffered) });
  }

  private topicPartitions(): { topic: string; partitions: number[] }[] {
    const byTopic = new Map<string, number[]>();
    for (const s of this.splits) {
      if (s.buffered >= s.end) continue;
      const list = byTopic.get(s.topic) ?? [];
      list.push(s.partition);
      byTopic.set(s.topic, list);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Assigns the reader's split to the group's only member. */
function fixedAssigner(splits: readonly PartitionSplit[]): PartitionAssigner {
  return () => ({
    name: 'SluiceSplitAssigner',
    version: 0,
    async assign({ members }) {
      const assignment: Record<string, number[]> = {};
      for (const s of splits) (assignment[s.topic] ??= []).push(s.partition);
      return members.map(({ memberId }, i) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: i === 0 ? assignment : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: 'SluiceSplitAssigner', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

function decoderFor<T>(format: KafkaFormat<T>): (message: KafkaMessage, split: PartitionSplit, offset: number) => Either<string, T> {
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

function deadLetter(split: PartitionSplit, offset: number, message: KafkaMessage, reason: string): KafkaDeadLetter {
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
