/**
 * An instance's exchange channels to other instances through Kafka (docs/internals.md, "The
 * Kafka channel"): one idempotent producer for every channel end here, sending one request at a
 * time, so each partition gets its frames in the order posted; and one fetch loop without a
 * consumer group (kafkajsInternals.ts `fetchPartitions`, as the Kafka source reads) over every
 * open end's receive partition, handing each record of the end's attempt and epoch to its port.
 *
 * Bounded: what waits to be produced is, per port, its frame window plus a demand and the close
 * marker (KafkaFramePort); what is fetched is one response (at most `maxBytesPerPartition` a
 * partition), handed on before the next fetch, to channel ends whose credit and window refuse
 * anything beyond their bound (BatchReceiver); a producer's frames in a partition are within
 * that bound by the credit protocol itself. Every wait on Kafka is bounded by
 * `operationTimeoutMs`: a produce or fetch that fails, or gets no answer within it, fails the
 * ports it was for (their channel ends report TransportFailed: the task fails, the master restarts).
 */
import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../logging/logger';
import { FramePort } from './FramePort';
import { EXCHANGE_WINDOW } from './ExchangeOutlet';
import { connectWithin, createKafkaClient, messageOf, withinKafkaBound } from '../connectors/kafka/kafkaClient';
import { KafkaCluster, PartitionFetch, STALE_METADATA_ERRORS, createClusterOf, fetchPartitions, protocolError, refreshMetadata } from '../connectors/kafka/kafkajsInternals';
import { FrameOutbox, KafkaFramePort, OutgoingFrame } from './KafkaFramePort';
import { KafkaChannelAddress } from '../instances/kafkaChannelAddress';
import { exchangeHeaders, readExchangeHeaders } from './exchangeHeaders';

export interface KafkaExchangeOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The bound on every wait on Kafka: connecting, each produce, each fetch (with its retries). */
  readonly operationTimeoutMs: number;
  readonly logger?: Logger;
  /** How long a fetch waits on the broker when no partition has a record (default 100 ms). */
  readonly fetchMaxWaitMs?: number;
  /** The most a fetch brings of one partition (default 1 MiB). */
  readonly maxBytesPerPartition?: number;
}

const DEFAULT_FETCH_MAX_WAIT_MS = 100;
const DEFAULT_MAX_BYTES_PER_PARTITION = 1 << 20;
/** Bytes of frames in one Produce request (at least one frame): a partition's batch must stay under the broker's 1 MB default message size. */
const MAX_SEND_BYTES = 768 * 1024;
/** Records a port may have waiting to be produced: its frame window, one demand, the close marker. */
const MAX_QUEUED_PER_PORT = EXCHANGE_WINDOW + 2;

export class KafkaExchange implements FrameOutbox {
  private readonly ports = new Set<KafkaFramePort>();
  private readonly outgoing: OutgoingFrame[] = [];
  private sending = false;
  private closed = false;
  private readonly fetching: Promise<void>;
  /** Wakes the fetch loop waiting for a port to read. */
  private wakeFetch: (() => void) | undefined;

  private constructor(
    private readonly producer: Producer,
    private readonly cluster: KafkaCluster,
    private readonly options: KafkaExchangeOptions,
  ) {
    this.fetching = this.fetchLoop();
  }

  /** Connects the producer and the fetching cluster connection, each within `operationTimeoutMs`. */
  static async open(options: KafkaExchangeOptions): Promise<KafkaExchange> {
    const { brokers, clientId, operationTimeoutMs, logger } = options;
    const kafka = createKafkaClient({ brokers, clientId, operationTimeoutMs, logger });
    // Idempotent, one request in flight: a retried send is neither doubled nor reordered; retries end within the bound.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 5 } });
    const cluster = createClusterOf(kafka);
    try {
      await connectWithin(() => producer.connect(), `exchange ${clientId}: producer`, brokers, operationTimeoutMs, logger);
      await connectWithin(() => cluster.connect(), `exchange ${clientId}: fetching`, brokers, operationTimeoutMs, logger);
    } catch (e) {
      await producer.disconnect().catch(() => undefined);
      await cluster.disconnect().catch(() => undefined);
      throw e;
    }
    return new KafkaExchange(producer, cluster, options);
  }

  /**
   * A channel end at `address`; `name` names the channel in errors. An end of this exchange
   * already reading the same partition is closed: its channel was wired again (a new attempt,
   * or a task restarted alone), and a partition has one reader here.
   */
  port(address: KafkaChannelAddress, name = `${address.topic}/${address.sendPartition}<->${address.receivePartition}`): FramePort {
    if (this.closed) throw new Error(`the Kafka exchange ${this.options.clientId} is closed: no channel ${name} can be opened on it`);
    for (const other of this.ports) if (other.address.topic === address.topic && other.address.receivePartition === address.receivePartition) other.close();
    const port = new KafkaFramePort(address, name, this, MAX_QUEUED_PER_PORT);
    this.ports.add(port);
    return port;
  }

  /** @internal FrameOutbox: queued in order; one send at a time. */
  send(frame: OutgoingFrame): void {
    if (this.closed) return frame.port.fail(new Error(`the Kafka exchange ${this.options.clientId} is closed: nothing more is produced to ${frame.port.where('send')}`));
    this.outgoing.push(frame);
    if (!this.sending) void this.sendLoop();
  }

  /** @internal FrameOutbox: a port listens or closed. */
  changed(): void {
    for (const port of this.ports) if (!port.isOpen) this.ports.delete(port);
    const wake = this.wakeFetch;
    this.wakeFetch = undefined;
    wake?.();
  }

  /** Fails every open port (their channel ends report TransportFailed), stops both loops, disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const port of this.ports) port.fail(new Error(`the Kafka exchange ${this.options.clientId} was closed`));
    for (const frame of this.outgoing.splice(0)) frame.port.taken();
    this.changed();
    const { brokers, clientId, operationTimeoutMs } = this.options;
    const bounded = (what: string, operation: Promise<unknown>) => withinKafkaBound(operation, `exchange ${clientId}: ${what}`, brokers, operationTimeoutMs).catch(() => undefined);
    await bounded('the fetch in flight', this.fetching);
    await bounded('disconnecting the producer', this.producer.disconnect());
    await bounded('disconnecting the fetching connection', this.cluster.disconnect());
  }

  /** Produces what is queued, a request at a time (so each partition's records stay in posting order). */
  private async sendLoop(): Promise<void> {
    this.sending = true;
    try {
      while (this.outgoing.length > 0 && !this.closed) {
        const batch = this.takeBatch();
        if (batch.length === 0) continue;
        const byTopic = new Map<string, Message[]>();
        for (const { frame, value } of batch) {
          const { topic, sendPartition, attempt, epoch } = frame.port.address;
          const messages = byTopic.get(topic) ?? [];
          messages.push({ partition: sendPartition, value, headers: exchangeHeaders({ attempt, epoch, seq: frame.port.nextSeq(), close: frame.close }) });
          byTopic.set(topic, messages);
        }
        try {
          const what = `exchange ${this.options.clientId}: producing ${batch.length} frames`;
          await withinKafkaBound(this.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 }), what, this.options.brokers, this.options.operationTimeoutMs);
        } catch (e) {
          for (const port of new Set(batch.map((b) => b.frame.port))) port.fail(new Error(`producing to ${port.where('send')} failed: ${messageOf(e)}`));
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** The next frames to produce, serialized (a demand as it stands now), at most MAX_SEND_BYTES but at least one. */
  private takeBatch(): { frame: OutgoingFrame; value: Buffer }[] {
    const batch: { frame: OutgoingFrame; value: Buffer }[] = [];
    let bytes = 0;
    while (this.outgoing.length > 0) {
      const next = this.outgoing[0];
      if (next.port.hasFailed) {
        this.outgoing.shift();
        next.port.taken();
        continue;
      }
      const value = typeof next.value === 'function' ? next.value() : next.value;
      if (batch.length > 0 && bytes + value.length > MAX_SEND_BYTES) {
        // Serialized already: kept so, in its place.
        this.outgoing[0] = { ...next, value };
        break;
      }
      this.outgoing.shift();
      next.port.taken();
      batch.push({ frame: next, value });
      bytes += value.length;
    }
    return batch;
  }

  /** The port each receive partition is read for (one a partition: see `port`). */
  private readers(): Map<string, KafkaFramePort> {
    const readers = new Map<string, KafkaFramePort>();
    for (const port of this.ports) if (port.isOpen && port.listening) readers.set(`${port.address.topic}/${port.address.receivePartition}`, port);
    return readers;
  }

  /** Fetches every read partition while the exchange is open; a failure beyond the bound fails the ports read. */
  private async fetchLoop(): Promise<void> {
    const { brokers, clientId, operationTimeoutMs, logger } = this.options;
    const maxWaitMs = this.options.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS;
    const maxBytesPerPartition = this.options.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION;
    let failingSince: number | undefined;
    while (!this.closed) {
      const readers = this.readers();
      if (readers.size === 0) {
        await new Promise<void>((resolve) => (this.wakeFetch = resolve));
        continue;
      }
      const wanted = [...readers.values()].map((p) => ({ topic: p.address.topic, partition: p.address.receivePartition, offset: p.nextOffset }));
      const startedAt = Date.now();
      try {
        const fetched = await withinKafkaBound(fetchPartitions(this.cluster, wanted, { maxWaitMs, maxBytesPerPartition }), `exchange ${clientId}: fetching ${wanted.length} partitions`, brokers, operationTimeoutMs);
        if (this.closed) return;
        let stale: Error | undefined;
        for (const f of fetched) {
          const port = readers.get(`${f.topic}/${f.partition}`);
          if (port === undefined || !port.isOpen || port.nextOffset !== f.fetchOffset) continue;
          if (f.errorCode === 0) this.deliver(port, f);
          else {
            const error = protocolError(f.errorCode);
            if (STALE_METADATA_ERRORS.includes(error.type ?? '')) stale = error;
            else port.fail(new Error(`fetching ${port.where('receive')} at offset ${f.fetchOffset} failed: ${error.message}`));
          }
        }
        if (stale !== undefined) throw stale;
        failingSince = undefined;
      } catch (e) {
        const type = (e as { type?: string }).type ?? '';
        const retriable = STALE_METADATA_ERRORS.includes(type) || (e as { retriable?: boolean }).retriable === true;
        failingSince ??= startedAt;
        if (this.closed) return;
        if (!retriable || Date.now() - failingSince >= operationTimeoutMs) {
          for (const port of readers.values()) port.fail(new Error(`fetching ${port.where('receive')} failed: ${messageOf(e)}`));
          failingSince = undefined;
          continue;
        }
        logger?.warn({ cause: messageOf(e) }, `exchange ${clientId}: fetching failed (${messageOf(e)}); retrying with fresh metadata`);
        await refreshMetadata(this.cluster);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Hands the port its records of its attempt and epoch, in offset order; a close marker closes it. */
  private deliver(port: KafkaFramePort, fetched: PartitionFetch): void {
    const { records } = fetched;
    const { attempt, epoch } = port.address;
    for (let i = 0; i < records.length && port.isOpen; i++) {
      port.nextOffset = records.offset(i) + 1;
      const headers = readExchangeHeaders(records.headers(i));
      if (headers === undefined) {
        port.fail(new Error(`the record at offset ${records.offset(i)} of ${port.where('receive')} is not an exchange frame of Sluice (no attempt and epoch headers)`));
        return;
      }
      if (headers.attempt !== attempt || headers.epoch !== epoch) continue;
      // Records and barriers travel in frames: one missing would lose records behind a barrier that still arrives.
      if (headers.seq !== port.expectedSeq) {
        port.fail(new Error(`record ${port.expectedSeq} of ${port.where('receive')} is missing: the next one read (offset ${records.offset(i)}) is record ${headers.seq} of its producer — lost between the instances, or a second producer of the same wiring`));
        return;
      }
      port.expectedSeq++;
      if (headers.close) port.peerClosed();
      else port.receive(records.value(i));
    }
    if (port.isOpen && fetched.nextOffset > port.nextOffset) port.nextOffset = fetched.nextOffset;
  }
}
