/**
 * The reading side of a repartition topic: one per consuming subtask, reading the partitions
 * of the key groups it owns from the offsets its cut starts at, and passing each record on or
 * dropping it as the cut says (repartitionCut.ts); at the first barrier of a checkpoint it hands
 * the cut's snapshot on. Reading goes through a kafkajs consumer in a group of its own (one
 * member; an assigner that gives it exactly its partitions; nothing committed): the offsets
 * are the checkpoint's business, not the group's. The consumer starts at the earliest offset
 * and seeks to the cut's; anything below the cut's next offset (delivered before the seek took
 * effect, or again after it) is skipped, so each offset is judged once, in order. A record is
 * handed to `onRecord` and awaited before the next: the reader holds nothing itself.
 */
import { randomBytes } from 'crypto';
import type { Consumer, Kafka, KafkaMessage, PartitionAssigner } from 'kafkajs';
import { RepartitionCut, RepartitionSnapshot } from './repartitionCut';
import { readRepartitionHeaders } from './repartitionTopic';

export interface RepartitionReaderOptions {
  readonly topic: string;
  /** Where it starts and what it takes: its partitions are the cut's. */
  readonly cut: RepartitionCut;
  /** A record passed on: its key group (partition), value, and producing subtask. */
  readonly onRecord: (keyGroup: number, value: Buffer | null, producer: number) => Promise<void> | void;
  /** The cut's snapshot at the first barrier of a checkpoint. */
  readonly onSnapshot: (snapshot: RepartitionSnapshot) => Promise<void> | void;
  /** A failure of reading (a foreign record, a callback that threw): the reader has stopped reading. */
  readonly onFailure: (error: Error) => void;
}

const ASSIGNER = 'SluiceRepartitionPartitions';

/** A kafkajs assigner that gives every partition in `partitions` to each member (a group of one). */
function ownPartitions(topic: string, partitions: readonly number[]): PartitionAssigner {
  const { AssignerProtocol } = require('kafkajs') as typeof import('kafkajs');
  return () => ({
    name: ASSIGNER,
    version: 1,
    async assign({ members }) {
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { [topic]: [...partitions] }, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

export class RepartitionReader {
  private readonly next = new Map<number, bigint>();
  private stopped = false;

  private constructor(private readonly consumer: Consumer, private readonly options: RepartitionReaderOptions) {
    for (const [partition, offset] of options.cut.offsets()) this.next.set(partition, BigInt(offset));
  }

  /** Joins a group of its own, starts reading from the cut's offsets, and resolves once reading runs. */
  static async start(kafka: Kafka, options: RepartitionReaderOptions): Promise<RepartitionReader> {
    const offsets = options.cut.offsets();
    const partitions = [...offsets.keys()];
    const groupId = `${options.topic}-reader-${options.cut.epoch}-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, partitionAssigners: [ownPartitions(options.topic, partitions)], allowAutoTopicCreation: false });
    const reader = new RepartitionReader(consumer, options);
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({ autoCommit: false, eachMessage: ({ partition, message }) => reader.take(partition, message) });
      for (const [partition, offset] of offsets) consumer.seek({ topic: options.topic, partition, offset });
      await joined;
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    return reader;
  }

  private async take(partition: number, message: KafkaMessage): Promise<void> {
    if (this.stopped) return;
    const expected = this.next.get(partition);
    const offset = BigInt(message.offset);
    if (expected === undefined || offset < expected) return;
    try {
      const headers = readRepartitionHeaders(message.headers, `offset ${message.offset} of ${this.options.topic}/${partition}`);
      const verdict = this.options.cut.next(partition, message.offset, headers);
      this.next.set(partition, offset + 1n);
      if (verdict.kind === 'record') await this.options.onRecord(partition, message.value, headers.producer);
      else if (verdict.kind === 'barrier' && verdict.snapshot !== undefined) await this.options.onSnapshot(verdict.snapshot);
    } catch (e) {
      this.stopped = true;
      this.options.onFailure(e instanceof Error ? e : new Error(String(e)));
      void this.consumer.stop().catch(() => undefined);
    }
  }

  /** Stops reading and leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
  }
}
