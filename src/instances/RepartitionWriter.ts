/**
 * The producing side of a repartition topic (docs/cluster.md, "Checkpoints across instances"):
 * one per producing subtask. It writes each record into the partition of its key group, with
 * its epoch and subtask in the headers, and at a checkpoint's barrier a control record into
 * every partition. Order per partition is kept (an idempotent producer, one request in flight),
 * so in each partition a producer's records before its barrier n come before it and the rest
 * after. `barrier` resolves once Kafka has the barrier in every partition: only then may the
 * subtask acknowledge its snapshot, which is what lets a reader restored from a completed
 * checkpoint find every kept channel's end (repartitionCut.ts). Nothing is buffered here: each
 * call is one request, awaited by the caller.
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { repartitionHeaders } from './repartitionTopic';

export interface RepartitionWriterOptions {
  readonly topic: string;
  /** The topic's partitions: the key groups (maxParallelism). */
  readonly keyGroups: number;
  /** The epoch the subtask runs under. */
  readonly epoch: number;
  /** The producing subtask's index. */
  readonly producer: number;
}

/** A record for the exchange: its key group and its value (encoded by the caller). */
export interface KeyGroupRecord {
  readonly keyGroup: number;
  readonly value: Buffer | string;
}

export class RepartitionWriter {
  private closed = false;

  private constructor(private readonly producer: Producer, private readonly options: RepartitionWriterOptions) {}

  /** Connects an idempotent producer of `kafka` (acks from all in-sync replicas, one request in flight). */
  static async open(kafka: Kafka, options: RepartitionWriterOptions): Promise<RepartitionWriter> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return new RepartitionWriter(producer, options);
  }

  /** Writes the records, each into its key group's partition, in order; resolves once Kafka has them all. */
  async write(records: readonly KeyGroupRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { topic, keyGroups, epoch, producer } = this.options;
    const headers = repartitionHeaders({ epoch, producer });
    const messages: Message[] = records.map(({ keyGroup, value }) => {
      if (!Number.isInteger(keyGroup) || keyGroup < 0 || keyGroup >= keyGroups) throw new Error(`key group ${keyGroup} is not one of the ${keyGroups} partitions of ${topic}`);
      return { partition: keyGroup, value, headers };
    });
    await this.send(messages);
  }

  /** Writes barrier `checkpointId` into every partition, after every record written before; resolves once Kafka has it in all. */
  async barrier(checkpointId: number): Promise<void> {
    const { keyGroups, epoch, producer } = this.options;
    const headers = repartitionHeaders({ epoch, producer, barrier: checkpointId });
    await this.send([...Array(keyGroups).keys()].map((partition) => ({ partition, value: null, headers })));
  }

  private async send(messages: Message[]): Promise<void> {
    if (this.closed) throw new Error(`the repartition writer of ${this.options.topic} (producer ${this.options.producer}, epoch ${this.options.epoch}) was closed`);
    await this.producer.send({ topic: this.options.topic, messages, acks: -1 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.producer.disconnect();
  }
}
