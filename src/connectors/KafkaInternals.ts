/**
 * The parts of kafkajs 2.2.4 that its public API does not offer and exactly-once needs: a
 * transactional producer whose producer id and epoch can be read (to store them in a
 * checkpoint), and EndTxn for a transaction begun by an earlier producer (to commit it after
 * a restore). Both use kafkajs's own modules (eosManager, messageProducer, the cluster), so
 * the wire protocol stays kafkajs's. Pinned to kafkajs 2.2.x: `assertSupported` refuses
 * another version with a message, rather than misbehaving.
 *
 * Exit condition: when kafkajs exposes producer id/epoch and resuming a transaction, use that.
 */
import type { Kafka, TopicMessages } from 'kafkajs';
import type { Logger } from '../logging/logger';
import { kafkaLogCreator, kafkaLogLevel } from './kafkaClient';

/* eslint-disable @typescript-eslint/no-var-requires */
interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
  getProducerId(): number | string;
  getProducerEpoch(): number;
}
interface Broker {
  endTxn(request: { producerId: string | number; producerEpoch: number; transactionalId: string; transactionResult: boolean }): Promise<unknown>;
}
/** kafkajs's Cluster, as far as used here. */
export interface KafkaCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<Broker>;
  retry: object;
}

function assertSupported(): void {
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (!version.startsWith('2.2.')) {
    throw new Error(`Sluice's exactly-once Kafka sink uses kafkajs 2.2.x internals; found kafkajs ${version}. Pin kafkajs to ^2.2.4 or use KafkaSink.atLeastOnce.`);
  }
}

/** kafkajs's internal logger, writing to the task's logger (nothing without one). */
const kafkajsLogger = (logger: Logger | undefined) => {
  const { createLogger } = require('kafkajs/src/loggers');
  return createLogger({ level: kafkaLogLevel(logger), logCreator: kafkaLogCreator(logger) });
};

/**
 * A cluster connection of the client's settings (kafkajs's private factory). Its Metadata
 * requests ask the broker to create a missing topic only with `allowAutoTopicCreation`.
 */
export function createClusterOf(kafka: Kafka, { allowAutoTopicCreation = false }: { readonly allowAutoTopicCreation?: boolean } = {}): KafkaCluster {
  assertSupported();
  const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (factory === undefined) throw new Error('kafkajs internals changed: no createCluster factory. Use KafkaSink.atLeastOnce.');
  return (kafka as unknown as Record<symbol, (o: object) => KafkaCluster>)[factory]({ allowAutoTopicCreation, maxInFlightRequests: 1 });
}

/** One transaction at a time under one transactional id, with its id and epoch readable. */
export interface TransactionalProducer {
  /** InitProducerId: a new epoch; fences older producers of the id and aborts what they left open. */
  init(): Promise<void>;
  begin(): void;
  sendBatch(topicMessages: TopicMessages[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  producerId(): string;
  producerEpoch(): number;
}

export interface TransactionalProducerOptions {
  /** Where kafkajs's lines go (the task's logger). */
  readonly logger?: Logger;
  /**
   * True once the writer is closed: kafkajs's retries stop then, instead of running on (and
   * reconnecting a cluster already disconnected) after the caller gave up on a bounded wait.
   */
  readonly stopped?: () => boolean;
}

export function createTransactionalProducer(cluster: KafkaCluster, transactionalId: string, transactionTimeout: number, options: TransactionalProducerOptions = {}): TransactionalProducer {
  const createEosManager = require('kafkajs/src/producer/eosManager');
  const createMessageProducer = require('kafkajs/src/producer/messageProducer');
  const createRetry = require('kafkajs/src/retry');
  const { Partitioners } = require('kafkajs');
  const { CONNECTION_STATUS } = require('kafkajs/src/network/connectionStatus');
  const logger = kafkajsLogger(options.logger);
  const retry = createRetry({ ...cluster.retry, retries: 8 });
  const stopped = options.stopped ?? (() => false);
  type Attempt = (bail: (e: Error) => void, retryCount: number, retryTime: number) => Promise<unknown>;
  const retrier = (attempt: Attempt) =>
    retry((bail: (e: Error) => void, retryCount: number, retryTime: number) => {
      if (!stopped()) return attempt(bail, retryCount, retryTime);
      bail(new Error(`transactional producer ${transactionalId} is closed: send abandoned`));
      return Promise.resolve();
    });
  const eos: EosManager = createEosManager({ logger, cluster, transactionTimeout, transactional: true, transactionalId });
  const messages = createMessageProducer({
    logger,
    cluster,
    partitioner: Partitioners.DefaultPartitioner(),
    eosManager: eos,
    idempotent: true,
    retrier,
    getConnectionStatus: () => CONNECTION_STATUS.CONNECTED,
  });
  return {
    init: () => eos.initProducerId(),
    begin: () => eos.beginTransaction(),
    sendBatch: async (topicMessages) => {
      await messages.sendBatch({ acks: -1, topicMessages });
    },
    commit: () => eos.commit(),
    abort: () => eos.abort(),
    producerId: () => String(eos.getProducerId()),
    producerEpoch: () => eos.getProducerEpoch(),
  };
}

/** What EndTxn with a stored producer id and epoch found. */
export type EndTransactionOutcome = 'ended' | 'fenced' | 'invalidState';

const TRANSACTION_COORDINATOR = 1;

/** EndTxn for a transaction begun by an earlier producer, by its stored id and epoch. */
export async function endTransaction(
  cluster: KafkaCluster,
  txn: { readonly transactionalId: string; readonly producerId: string; readonly producerEpoch: number },
  commit: boolean,
): Promise<EndTransactionOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      await cluster.refreshMetadataIfNecessary();
      const broker = await cluster.findGroupCoordinator({ groupId: txn.transactionalId, coordinatorType: TRANSACTION_COORDINATOR });
      await broker.endTxn({ producerId: txn.producerId, producerEpoch: txn.producerEpoch, transactionalId: txn.transactionalId, transactionResult: commit });
      return 'ended';
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH') return 'fenced';
      if (type === 'INVALID_TXN_STATE') return 'invalidState';
      const retriable = (e as { retriable?: boolean }).retriable === true || type === 'CONCURRENT_TRANSACTIONS' || type === 'COORDINATOR_LOAD_IN_PROGRESS';
      if (!retriable || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
    }
  }
}

// --- fetching without a consumer group ---------------------------------------------------------

/** A record as kafkajs decodes it from a fetch response, control and aborted records included. */
export interface RawKafkaMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string | number; readonly inTransaction: boolean };
}

export interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  /** Records at or after `fetchOffset`, decided: aborted transactions and control records removed. */
  readonly records: readonly { readonly offset: number; readonly message: RawKafkaMessage }[];
  /** The offset after the last record the response covered (kept or not), or fetchOffset when none. */
  readonly nextOffset: number;
}

interface FetchBroker {
  fetch(request: object): Promise<{ responses: { topicName: string; partitions: { partition: number; abortedTransactions?: { producerId: string; firstOffset: string }[]; messages: RawKafkaMessage[] }[] }[] }>;
}
interface MetadataCluster {
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findBroker(request: { nodeId: number }): Promise<FetchBroker>;
}

const READ_COMMITTED = 1;
/** Errors after which fresh metadata (a new leader) lets the fetch succeed. */
export const STALE_METADATA_ERRORS: readonly string[] = ['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'UNKNOWN_TOPIC_OR_PARTITION'];

/**
 * One read_committed fetch of the given partitions from their leaders. Aborted records are
 * removed as the Java consumer does (aborted transactions in order of first offset; a
 * producer's records are skipped from that offset until its ABORT marker): kafkajs 2.2.4's
 * own filter takes the broker's list in the order given, which is not sorted, and lets
 * records of aborted transactions through when transactions of several producers
 * interleave (seen in specs/scenarios/kafkaToKafkaUnderTaskCrashes.spec.ts).
 */
export async function fetchPartitions(
  kafkaCluster: KafkaCluster,
  wanted: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[],
  options: { readonly maxWaitMs: number; readonly maxBytesPerPartition: number },
): Promise<FetchedPartition[]> {
  const cluster = kafkaCluster as unknown as MetadataCluster;
  await cluster.addMultipleTargetTopics([...new Set(wanted.map((w) => w.topic))]);
  const byLeader = new Map<number, typeof wanted[number][]>();
  for (const w of wanted) {
    const leader = cluster.findTopicPartitionMetadata(w.topic).find((p) => p.partitionId === w.partition)?.leader;
    if (leader === undefined || leader < 0) throw Object.assign(new Error(`no leader for ${w.topic}/${w.partition}`), { type: 'LEADER_NOT_AVAILABLE' });
    const list = byLeader.get(leader) ?? [];
    list.push(w);
    byLeader.set(leader, list);
  }
  const results = await Promise.all(
    [...byLeader].map(async ([nodeId, list]) => {
      const broker = await cluster.findBroker({ nodeId });
      const topics = [...new Set(list.map((w) => w.topic))].map((topic) => ({
        topic,
        partitions: list.filter((w) => w.topic === topic).map((w) => ({ partition: w.partition, fetchOffset: String(w.offset), maxBytes: options.maxBytesPerPartition })),
      }));
      const { responses } = await broker.fetch({ isolationLevel: READ_COMMITTED, maxWaitTime: options.maxWaitMs, minBytes: 1, maxBytes: options.maxBytesPerPartition * list.length, topics });
      return responses.flatMap(({ topicName, partitions }) =>
        partitions.map((p) => {
          const fetchOffset = list.find((w) => w.topic === topicName && w.partition === p.partition)!.offset;
          return decide(topicName, p.partition, fetchOffset, p.messages, p.abortedTransactions ?? []);
        }),
      );
    }),
  );
  return results.flat();
}

const CONTROL_ABORT = 0;

function decide(topic: string, partition: number, fetchOffset: number, messages: readonly RawKafkaMessage[], aborted: readonly { producerId: string; firstOffset: string }[]): FetchedPartition {
  const pendingAborts = [...aborted].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset));
  const abortedProducers = new Set<string>();
  const records: { offset: number; message: RawKafkaMessage }[] = [];
  let nextOffset = fetchOffset;
  for (const message of messages) {
    const offset = Number(message.offset);
    if (offset < fetchOffset) continue;
    nextOffset = offset + 1;
    while (pendingAborts.length > 0 && Number(pendingAborts[0].firstOffset) <= offset) abortedProducers.add(String(pendingAborts.shift()!.producerId));
    const producer = String(message.batchContext.producerId);
    if (message.isControlRecord) {
      // Control record key: int16 version, int16 type (0 abort, 1 commit).
      if (message.key !== null && message.key.length >= 4 && message.key.readInt16BE(2) === CONTROL_ABORT) abortedProducers.delete(producer);
      continue;
    }
    if (message.batchContext.inTransaction && abortedProducers.has(producer)) continue;
    records.push({ offset, message });
  }
  return { topic, partition, fetchOffset, records, nextOffset };
}

/** Fresh metadata, after an error that says it is stale. */
export async function refreshMetadata(cluster: KafkaCluster): Promise<void> {
  await (cluster as unknown as MetadataCluster).refreshMetadata().catch(() => undefined);
}

// --- committing a consumer group's offsets without joining the group ----------------------------

interface OffsetCommitBroker {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

const GROUP_COORDINATOR = 0;
/** Errors after which asking for the coordinator again lets the commit succeed. */
const COORDINATOR_ERRORS: readonly string[] = ['COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'REQUEST_TIMED_OUT'];

/**
 * OffsetCommit of `offsets` (the next offset to read, per partition) for `groupId`, as a
 * client outside the group (generation -1, no member id): what Kafka's Java consumer does for
 * manually assigned partitions, and what lag tools read. The group must have no active
 * members using those partitions (the source never joins it).
 */
export async function commitGroupOffsets(cluster: KafkaCluster, groupId: string, offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[]): Promise<void> {
  const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
    topic,
    partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, offset: String(o.offset) })),
  }));
  for (let attempt = 0; ; attempt++) {
    try {
      await cluster.refreshMetadataIfNecessary();
      const coordinator = (await cluster.findGroupCoordinator({ groupId, coordinatorType: GROUP_COORDINATOR })) as unknown as OffsetCommitBroker;
      await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', retentionTime: -1, topics });
      return;
    } catch (e) {
      const type = (e as { type?: string }).type ?? '';
      const retriable = COORDINATOR_ERRORS.includes(type) || (e as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1000)));
    }
  }
}
