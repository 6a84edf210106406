/**
 * The one module that reaches into kafkajs's private parts. Exactly-once needs what kafkajs
 * 2.2.4's public API does not offer:
 * - a transactional producer whose producer id and epoch can be read (a checkpoint stores
 *   them), and EndTxn for a transaction begun by an earlier producer (a restore commits it);
 * - read_committed fetches without a consumer group, with the aborted-transaction list, so
 *   the source reads exactly the split and offsets its checkpoint names and filters aborted
 *   records correctly (readCommitted.ts says what kafkajs's own filter gets wrong);
 * - OffsetCommit from outside a group (generation -1), as the Java consumer does for manually
 *   assigned partitions.
 * All of it uses kafkajs's own modules, so the wire protocol stays kafkajs's.
 *
 * What is relied on, all checked by `kafkajsInternalsProblems` before the first use (and by
 * specs/connectors/kafka/kafkajsInternals.spec.ts, which also checks the shape of fetched
 * records on a real broker): the version 2.2.x; the modules in `PRIVATE_MODULES`; the
 * `private:Kafka:createCluster` symbol on a client; the cluster members in `CLUSTER_MEMBERS`;
 * the broker members in `BROKER_MEMBERS`; the eosManager members in `EOS_MEMBERS`. An
 * update that breaks any of them fails the first Kafka source or exactly-once sink at open,
 * listing what is missing, instead of misbehaving.
 *
 * Above ~300 lines on purpose: every reach into kafkajs stays in this one file.
 *
 * Exit condition: when kafkajs (or the client that replaces it) exposes producer id/epoch,
 * resuming a transaction and group-less read_committed fetches, use those and delete this.
 */
import type { Kafka, TopicMessages } from 'kafkajs';
import type { Logger } from '../../logging/logger';
import { kafkaLogCreator, kafkaLogLevel } from './kafkaClient';
import { AbortedTransaction, FetchedPartition, readCommitted } from './readCommitted';

/** kafkajs's private modules this adapter loads. */
const PRIVATE_MODULES = ['kafkajs/src/producer/eosManager', 'kafkajs/src/producer/messageProducer', 'kafkajs/src/retry', 'kafkajs/src/loggers', 'kafkajs/src/network/connectionStatus', 'kafkajs/src/broker'] as const;
/** The description of the symbol under which a kafkajs client keeps its cluster factory. */
const CREATE_CLUSTER = 'private:Kafka:createCluster';
const CLUSTER_MEMBERS = ['connect', 'disconnect', 'refreshMetadata', 'refreshMetadataIfNecessary', 'addMultipleTargetTopics', 'findTopicPartitionMetadata', 'findBroker', 'findGroupCoordinator'] as const;
const BROKER_MEMBERS = ['fetch', 'endTxn', 'offsetCommit'] as const;
const EOS_MEMBERS = ['initProducerId', 'beginTransaction', 'commit', 'abort', 'getProducerId', 'getProducerEpoch'] as const;

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

interface FetchResponse {
  readonly responses: {
    readonly topicName: string;
    readonly partitions: { readonly partition: number; readonly highWatermark: string; readonly lastStableOffset?: string; readonly abortedTransactions?: AbortedTransaction[]; readonly messages: RawKafkaMessage[] }[];
  }[];
}
interface OffsetCommitRequest {
  groupId: string;
  groupGenerationId: number;
  memberId: string;
  retentionTime: number;
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
}
/** kafkajs's Broker (src/broker), as far as used here. */
interface Broker {
  fetch(request: object): Promise<FetchResponse>;
  endTxn(request: { producerId: string | number; producerEpoch: number; transactionalId: string; transactionResult: boolean }): Promise<unknown>;
  offsetCommit(request: OffsetCommitRequest): Promise<unknown>;
}
/** kafkajs's Cluster (src/cluster), as far as used here. */
export interface KafkaCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findBroker(request: { nodeId: number }): Promise<Broker>;
  findGroupCoordinator(request: { groupId: string; coordinatorType: number }): Promise<Broker>;
}
interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
  getProducerId(): number | string;
  getProducerEpoch(): number;
}

const missingMembers = (what: string, object: unknown, members: readonly string[]) =>
  members.filter((m) => typeof (object as Record<string, unknown> | undefined)?.[m] !== 'function').map((m) => `${what} has no ${m}()`);

/**
 * What this adapter relies on and the installed kafkajs lacks (empty when all is there). A
 * client, a cluster and an eosManager are made to look at them; nothing connects.
 */
export function kafkajsInternalsProblems(): string[] {
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (!version.startsWith('2.2.')) return [`kafkajs ${version} is installed; the adapter is written for kafkajs 2.2.x`];
  const problems: string[] = [];
  for (const name of PRIVATE_MODULES) {
    try {
      require(name);
    } catch (e) {
      problems.push(`module ${name} cannot be loaded (${(e as Error).message.split('\n')[0]})`);
    }
  }
  if (problems.length > 0) return problems;
  const { Kafka: Client } = require('kafkajs') as typeof import('kafkajs');
  const client = new Client({ brokers: ['127.0.0.1:9'], logLevel: 0 });
  let cluster: KafkaCluster;
  try {
    cluster = createCluster(client, false);
  } catch (e) {
    return [(e as Error).message];
  }
  problems.push(...missingMembers('the cluster', cluster, CLUSTER_MEMBERS));
  problems.push(...missingMembers('the broker', (require('kafkajs/src/broker') as { prototype: unknown }).prototype, BROKER_MEMBERS));
  const eos = require('kafkajs/src/producer/eosManager')({ logger: kafkajsLogger(undefined), cluster, transactionTimeout: 60_000, transactional: true, transactionalId: 'sluice-check' });
  problems.push(...missingMembers('the eosManager', eos, EOS_MEMBERS));
  if (typeof require('kafkajs/src/producer/messageProducer') !== 'function') problems.push('kafkajs/src/producer/messageProducer exports no factory');
  if (typeof require('kafkajs/src/retry') !== 'function') problems.push('kafkajs/src/retry exports no factory');
  if (require('kafkajs/src/network/connectionStatus').CONNECTION_STATUS?.CONNECTED === undefined) problems.push('kafkajs/src/network/connectionStatus has no CONNECTION_STATUS.CONNECTED');
  return problems;
}

let checked = false;
/** Throws, listing every problem, when the installed kafkajs lacks what the adapter relies on. Checks once. */
function assertKafkajsInternals(): void {
  if (checked) return;
  const problems = kafkajsInternalsProblems();
  if (problems.length > 0) {
    throw new Error(`Sluice's Kafka source and exactly-once sink use kafkajs 2.2.x internals, and the installed kafkajs breaks them: ${problems.join('; ')}. Pin kafkajs to ^2.2.4.`);
  }
  checked = true;
}

/** kafkajs's internal logger, writing to the task's logger (nothing without one). */
function kafkajsLogger(logger: Logger | undefined): unknown {
  const { createLogger } = require('kafkajs/src/loggers');
  return createLogger({ level: kafkaLogLevel(logger), logCreator: kafkaLogCreator(logger) });
}

/**
 * How long the cluster trusts its metadata: kafkajs's producers and consumers default to 5
 * minutes, and its private factory to 0, with which every send, EndTxn and offset commit first
 * asked the broker for metadata (one Metadata request per Produce request). Stale metadata is
 * refreshed at once anyway: kafkajs's sends and the source's fetches do on a leader error.
 */
const METADATA_MAX_AGE_MS = 300_000;

function createCluster(kafka: Kafka, allowAutoTopicCreation: boolean): KafkaCluster {
  const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  if (factory === undefined) throw new Error(`a kafkajs client has no ${CREATE_CLUSTER} factory`);
  return (kafka as unknown as Record<symbol, (o: object) => KafkaCluster>)[factory]({ allowAutoTopicCreation, maxInFlightRequests: 1, metadataMaxAge: METADATA_MAX_AGE_MS });
}

/**
 * A cluster connection of the client's settings (kafkajs's private factory). Its Metadata
 * requests ask the broker to create a missing topic only with `allowAutoTopicCreation`.
 */
export function createClusterOf(kafka: Kafka, { allowAutoTopicCreation = false }: { readonly allowAutoTopicCreation?: boolean } = {}): KafkaCluster {
  assertKafkajsInternals();
  return createCluster(kafka, allowAutoTopicCreation);
}

// --- transactions whose producer id and epoch are readable -------------------------------------

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

/** Retries of a transactional send; the delays are kafkajs's defaults (300 ms doubling, at most 30 s). */
const SEND_RETRIES = 8;

export function createTransactionalProducer(cluster: KafkaCluster, transactionalId: string, transactionTimeout: number, options: TransactionalProducerOptions = {}): TransactionalProducer {
  const createEosManager = require('kafkajs/src/producer/eosManager');
  const createMessageProducer = require('kafkajs/src/producer/messageProducer');
  const createRetry = require('kafkajs/src/retry');
  const { Partitioners } = require('kafkajs');
  const { CONNECTION_STATUS } = require('kafkajs/src/network/connectionStatus');
  const logger = kafkajsLogger(options.logger);
  const retry = createRetry({ retries: SEND_RETRIES });
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

/** One partition's fetch: what a read_committed reader keeps, and the partition's last stable offset when the broker answered. */
export interface PartitionFetch extends FetchedPartition {
  readonly lastStableOffset: number;
}

const READ_COMMITTED = 1;
/** Errors after which fresh metadata (a new leader) lets the fetch succeed. */
export const STALE_METADATA_ERRORS: readonly string[] = ['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'UNKNOWN_TOPIC_OR_PARTITION'];

/** One read_committed fetch of the given partitions from their leaders, aborted records removed (readCommitted.ts). */
export async function fetchPartitions(
  cluster: KafkaCluster,
  wanted: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[],
  options: { readonly maxWaitMs: number; readonly maxBytesPerPartition: number },
): Promise<PartitionFetch[]> {
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
          // Fetch versions before 4 have no last stable offset (-1 or absent): the high watermark then.
          const stable = Number(p.lastStableOffset ?? -1);
          return { ...readCommitted(topicName, p.partition, fetchOffset, p.messages, p.abortedTransactions ?? []), lastStableOffset: stable >= 0 ? stable : Number(p.highWatermark) };
        }),
      );
    }),
  );
  return results.flat();
}

/** Fresh metadata, after an error that says it is stale. */
export async function refreshMetadata(cluster: KafkaCluster): Promise<void> {
  await cluster.refreshMetadata().catch(() => undefined);
}

// --- committing a consumer group's offsets without joining the group ----------------------------

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
      const coordinator = await cluster.findGroupCoordinator({ groupId, coordinatorType: GROUP_COORDINATOR });
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
