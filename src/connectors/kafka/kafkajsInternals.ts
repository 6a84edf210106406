/**
 * The one module that reaches into kafkajs's private parts. Exactly-once needs what kafkajs
 * 2.2.4's public API does not offer:
 * - a transactional producer whose producer id and epoch can be read (a checkpoint stores
 *   them), and EndTxn for a transaction begun by an earlier producer (a restore commits it);
 * - read_committed fetches without a consumer group, their responses decoded by
 *   fetchResponse.ts (one pass, no object per record; aborted records filtered as the Java
 *   consumer does, which kafkajs's own filter gets wrong), kafkajs's request and connection
 *   sending them;
 * - OffsetCommit from outside a group (generation -1), as the Java consumer does for manually
 *   assigned partitions;
 * - Produce requests of our own encoding (produceRequest.ts), sent through a broker's private
 *   `sendRequest`: kafkajs's producer groups a send per partition in quadratic time and
 *   allocates an encoder per record (docs/benchmarks.md, "Where the time goes").
 * All of it uses kafkajs's own modules, so the wire protocol stays kafkajs's.
 *
 * What is relied on, all checked by `kafkajsInternalsProblems` before the first use (and by
 * specs/connectors/kafka/kafkajsInternals.spec.ts, which also checks the shape of fetched
 * records on a real broker): the version 2.2.x; the modules in `PRIVATE_MODULES`; the
 * `private:Kafka:createCluster` symbol on a client and `private:Broker:sendRequest` on a
 * broker; the cluster members in `CLUSTER_MEMBERS`; the broker members in `BROKER_MEMBERS`;
 * the eosManager members in `EOS_MEMBERS`; the Produce request definition and api key. An
 * update that breaks any of them fails the first Kafka source or exactly-once sink at open,
 * listing what is missing, instead of misbehaving.
 *
 * Above ~300 lines on purpose: every reach into kafkajs stays in this one file.
 *
 * Exit condition: when kafkajs (or the client that replaces it) exposes producer id/epoch,
 * resuming a transaction and group-less read_committed fetches, use those and delete this.
 */
import type { Kafka, Message, TopicMessages } from 'kafkajs';
import type { Logger } from '../../logging/logger';
import { ServiceError } from '../../services/ServiceError';
import { kafkaLogCreator, kafkaLogLevel } from './kafkaClient';
import { defaultPartitioner, Partitioner } from './defaultPartitioner';
import { encodeProduceRequest, OutgoingRecord } from './produceRequest';
import { decodeFetchResponse, Decompress, FetchedRecords, FetchResponse, FIRST_FETCH_VERSION, LAST_FETCH_VERSION, readCommittedRecords } from './fetchResponse';

/** kafkajs's private modules this adapter loads. */
const PRIVATE_MODULES = ['kafkajs/src/producer/eosManager', 'kafkajs/src/retry', 'kafkajs/src/loggers', 'kafkajs/src/broker', 'kafkajs/src/protocol/requests', 'kafkajs/src/protocol/requests/apiKeys', 'kafkajs/src/protocol/encoder', 'kafkajs/src/protocol/error', 'kafkajs/src/protocol/message/compression', 'kafkajs/src/protocol/requests/fetch/v0/response'] as const;
/** The description of the symbol under which a kafkajs client keeps its cluster factory. */
const CREATE_CLUSTER = 'private:Kafka:createCluster';
const CLUSTER_MEMBERS = ['connect', 'disconnect', 'isConnected', 'refreshMetadata', 'refreshMetadataIfNecessary', 'addMultipleTargetTopics', 'findTopicPartitionMetadata', 'findBroker', 'findGroupCoordinator', 'removeBroker'] as const;
const BROKER_MEMBERS = ['endTxn', 'offsetCommit'] as const;
/** The description of the symbol of a kafkajs Broker's method that sends a protocol request. */
const SEND_REQUEST = 'private:Broker:sendRequest';
const EOS_MEMBERS = ['initProducerId', 'beginTransaction', 'commit', 'abort', 'getProducerId', 'getProducerEpoch', 'getSequence', 'updateSequence', 'addPartitionsToTransaction', 'acquireBrokerLock', 'releaseBrokerLock'] as const;

interface OffsetCommitRequest {
  groupId: string;
  groupGenerationId: number;
  memberId: string;
  retentionTime: number;
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
}
/** kafkajs's Broker (src/broker), as far as used here. */
interface Broker {
  lookupRequest(apiKey: number, definition: unknown): (request: object) => ProtocolRequest;
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
  isConnected(): boolean;
  removeBroker(address: { host?: string; port?: number }): void;
}
interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
  getProducerId(): number | string;
  getProducerEpoch(): number;
  getSequence(topic: string, partition: number): number;
  updateSequence(topic: string, partition: number, increment: number): void;
  addPartitionsToTransaction(topicData: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
  acquireBrokerLock(broker: Broker): Promise<void>;
  releaseBrokerLock(broker: Broker): Promise<void> | void;
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
  if (typeof require('kafkajs/src/retry') !== 'function') problems.push('kafkajs/src/retry exports no factory');
  const brokerPrototype = (require('kafkajs/src/broker') as { prototype: object }).prototype;
  if (!Object.getOwnPropertySymbols(brokerPrototype).some((s) => s.description === SEND_REQUEST)) problems.push(`the broker has no ${SEND_REQUEST} method`);
  if (typeof require('kafkajs/src/protocol/requests').requests?.Produce?.protocol !== 'function') problems.push('kafkajs/src/protocol/requests has no requests.Produce protocol');
  if (typeof require('kafkajs/src/protocol/requests/apiKeys').Produce !== 'number') problems.push('kafkajs/src/protocol/requests/apiKeys has no Produce key');
  if (typeof require('kafkajs/src/protocol/requests').requests?.Fetch?.protocol !== 'function') problems.push('kafkajs/src/protocol/requests has no requests.Fetch protocol');
  if (typeof require('kafkajs/src/protocol/requests/apiKeys').Fetch !== 'number') problems.push('kafkajs/src/protocol/requests/apiKeys has no Fetch key');
  if (typeof require('kafkajs/src/protocol/requests/fetch/v0/response').parse !== 'function') problems.push('kafkajs/src/protocol/requests/fetch/v0/response has no parse()');
  if (typeof require('kafkajs/src/protocol/message/compression').lookupCodec !== 'function') problems.push('kafkajs/src/protocol/message/compression has no lookupCodec()');
  if (typeof require('kafkajs/src/protocol/error').createErrorFromCode !== 'function') problems.push('kafkajs/src/protocol/error has no createErrorFromCode()');
  if (typeof require('kafkajs/src/protocol/error').staleMetadata !== 'function') problems.push('kafkajs/src/protocol/error has no staleMetadata()');
  return problems;
}

let checked = false;
/** Throws, listing every problem, when the installed kafkajs lacks what the adapter relies on. Checks once. */
function assertKafkajsInternals(): void {
  if (checked) return;
  const problems = kafkajsInternalsProblems();
  if (problems.length > 0) {
    // Not restartable: a restart finds the same kafkajs (it restarted for ever before).
    throw new ServiceError(
      'kafka',
      'kafkajs',
      `Sluice's Kafka source and exactly-once sink use kafkajs 2.2.x internals, and the installed kafkajs breaks them: ${problems.join('; ')}. Pin kafkajs to ^2.2.4.`,
      false,
    );
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
/** How long the broker may take to have a send acknowledged by all in-sync replicas (kafkajs's default). */
const PRODUCE_TIMEOUT_MS = 30_000;

export function createTransactionalProducer(cluster: KafkaCluster, transactionalId: string, transactionTimeout: number, options: TransactionalProducerOptions = {}): TransactionalProducer {
  const createEosManager = require('kafkajs/src/producer/eosManager');
  const createRetry = require('kafkajs/src/retry');
  const logger = kafkajsLogger(options.logger);
  const retry = createRetry({ retries: SEND_RETRIES });
  const stopped = options.stopped ?? (() => false);
  const eos: EosManager = createEosManager({ logger, cluster, transactionTimeout, transactional: true, transactionalId });
  const send = createSender(cluster, eos, defaultPartitioner(), transactionalId);
  return {
    init: () => eos.initProducerId(),
    begin: () => eos.beginTransaction(),
    sendBatch: (topicMessages) => {
      // Partitions whose request succeeded are not sent again when another leader's failed.
      const acknowledged = new Set<string>();
      return retry((bail: (e: Error) => void) => {
        if (!stopped()) return send(topicMessages, acknowledged, bail);
        bail(new Error(`transactional producer ${transactionalId} is closed: send abandoned`));
        return Promise.resolve();
      });
    },
    commit: () => eos.commit(),
    abort: () => eos.abort(),
    producerId: () => String(eos.getProducerId()),
    producerEpoch: () => eos.getProducerEpoch(),
  };
}

// --- sending: kafkajs's sendMessages with a linear grouping and one-pass encoding ---------------

/** A Produce request as kafkajs's connection sends it: kafkajs's request object, our encoding. */
interface ProtocolRequest {
  readonly request: { encode: () => Promise<unknown> };
  readonly response: unknown;
}

/**
 * One attempt at sending every message of `topicMessages` in one Produce request per leader,
 * as kafkajs's sendMessages does (transaction membership, sequence numbers, the broker lock,
 * metadata refreshed on the errors it refreshes on), except that messages are grouped per
 * partition in one pass (defaultPartitioner.ts: kafkajs's partitions, without its Long
 * arithmetic) and each request is encoded by produceRequest.ts. A failed attempt
 * rolls its sequence numbers back, so kafkajs's retrier may run it again; partitions whose
 * leader acknowledged them in an earlier attempt are left out (as kafkajs leaves out brokers
 * that answered), or a retry after a partial failure would write them twice.
 */
function createSender(cluster: KafkaCluster, eos: EosManager, partitioner: Partitioner, transactionalId: string) {
  const Encoder = require('kafkajs/src/protocol/encoder');
  const { requests } = require('kafkajs/src/protocol/requests');
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys');
  const { staleMetadata } = require('kafkajs/src/protocol/error');
  const method = Object.getOwnPropertySymbols(require('kafkajs/src/broker').prototype).find((s) => s.description === SEND_REQUEST)!;
  const sendRequest = (broker: Broker, request: ProtocolRequest): Promise<unknown> => (broker as unknown as Record<symbol, (r: ProtocolRequest) => Promise<unknown>>)[method](request);
  const sendToLeader = async (broker: Broker, topics: { topic: string; partitions: { partition: number; records: Message[]; firstSequence: number }[] }[]) => {
    await eos.acquireBrokerLock(broker);
    const taken: { topic: string; partition: number; n: number }[] = [];
    try {
      await eos.addPartitionsToTransaction(topics.map(({ topic, partitions }) => ({ topic, partitions: partitions.map(({ partition }) => ({ partition })) })));
      for (const { topic, partitions } of topics) {
        for (const p of partitions) {
          p.firstSequence = eos.getSequence(topic, p.partition);
          eos.updateSequence(topic, p.partition, p.records.length);
          taken.push({ topic, partition: p.partition, n: p.records.length });
        }
      }
      const producerId = String(eos.getProducerId());
      const producerEpoch = eos.getProducerEpoch();
      const body = encodeProduceRequest({ transactionalId, producerId, producerEpoch, acks: -1, timeoutMs: PRODUCE_TIMEOUT_MS, topics: topics.map(({ topic, partitions }) => ({ topic, partitions: partitions.map((p) => ({ partition: p.partition, records: p.records as OutgoingRecord[], firstSequence: p.firstSequence })) })) });
      // kafkajs's request object of the version the broker speaks (3 to 7 share the body), encoded here.
      const request: ProtocolRequest = broker.lookupRequest(apiKeys.Produce, requests.Produce)({ acks: -1, timeout: PRODUCE_TIMEOUT_MS, transactionalId, producerId, producerEpoch, topicData: [] });
      request.request.encode = async () => new Encoder(body.length).writeBuffer(body);
      try {
        await sendRequest(broker, request);
      } catch (e) {
        for (const t of taken) eos.updateSequence(t.topic, t.partition, -t.n);
        throw e;
      }
    } finally {
      await eos.releaseBrokerLock(broker);
    }
  };
  return async (topicMessages: TopicMessages[], acknowledged: Set<string>, bail: (e: Error) => void): Promise<void> => {
    const withoutValue = topicMessages.find(({ messages }) => messages.some((m) => m.value === undefined));
    if (withoutValue !== undefined) return bail(new Error(`a message for topic ${withoutValue.topic} has no value (undefined): give null for a tombstone`));
    await cluster.addMultipleTargetTopics(topicMessages.map(({ topic }) => topic));
    try {
      await cluster.refreshMetadataIfNecessary();
      const perLeader = new Map<number, Map<string, Map<number, Message[]>>>();
      for (const { topic, messages } of topicMessages) {
        const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
        if (partitionMetadata.length === 0) throw Object.assign(new Error(`no metadata for topic ${topic}`), { name: 'KafkaJSMetadataNotLoaded', retriable: true });
        const leaders = new Map(partitionMetadata.map((p) => [p.partitionId, p.leader]));
        for (const message of messages) {
          const partition = partitioner({ topic, partitionMetadata, message });
          if (acknowledged.has(`${topic}/${partition}`)) continue;
          const leader = leaders.get(partition);
          if (leader === undefined || leader < 0) throw Object.assign(new Error(`no leader for ${topic}/${partition}`), { type: 'LEADER_NOT_AVAILABLE', retriable: true });
          let byTopic = perLeader.get(leader);
          if (byTopic === undefined) perLeader.set(leader, (byTopic = new Map()));
          let byPartition = byTopic.get(topic);
          if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
          let list = byPartition.get(partition);
          if (list === undefined) byPartition.set(partition, (list = []));
          list.push(message);
        }
      }
      await Promise.all(
        [...perLeader].map(async ([nodeId, byTopic]) => {
          const broker = await cluster.findBroker({ nodeId });
          const topics = [...byTopic].map(([topic, byPartition]) => ({ topic, partitions: [...byPartition].map(([partition, records]) => ({ partition, records, firstSequence: 0 })) }));
          await sendToLeader(broker, topics);
          for (const { topic, partitions } of topics) for (const { partition } of partitions) acknowledged.add(`${topic}/${partition}`);
        }),
      );
    } catch (e) {
      // As kafkajs's sendMessages: a lost connection or stale metadata is refreshed before the retry.
      const error = e as { name?: string; host?: string; port?: number; retriable?: boolean };
      if (error.name === 'KafkaJSConnectionClosedError') cluster.removeBroker({ host: error.host, port: error.port });
      if (!cluster.isConnected()) {
        await cluster.connect();
        await cluster.refreshMetadata();
        throw e;
      }
      if (staleMetadata(e) || ['KafkaJSMetadataNotLoaded', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError'].includes(error.name ?? '') || (error.name === 'KafkaJSProtocolError' && error.retriable === true)) {
        await cluster.refreshMetadata();
        throw e;
      }
      if (error.retriable === true) throw e;
      bail(e as Error);
    }
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
export interface PartitionFetch {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  /** Records at or after `fetchOffset`, decided: aborted transactions and control records removed. */
  readonly records: FetchedRecords;
  /** The offset after the last batch the response held whole (kept or not), or fetchOffset when none. */
  readonly nextOffset: number;
  readonly lastStableOffset: number;
  /** The partition's error code (0: none); with an error the records are empty (protocolError names it). */
  readonly errorCode: number;
}

const READ_COMMITTED = 1;
/** Errors after which fresh metadata (a new leader) lets the fetch succeed. */
export const STALE_METADATA_ERRORS: readonly string[] = ['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'UNKNOWN_TOPIC_OR_PARTITION'];

/** A Fetch request as kafkajs's connection sends it: kafkajs's request encoding, our response decoding. */
interface FetchProtocolRequest {
  readonly request: { readonly apiVersion: number };
  readonly response: { decode: (payload: Buffer) => Promise<unknown>; parse: (data: unknown) => Promise<unknown> };
  readonly requestTimeout: number;
}

/** Decompression of a batch by the codec kafkajs has registered for it (gzip built in; others refused by kafkajs, naming them). */
const decompress: Decompress = (codec, compressed) => {
  const { lookupCodec } = require('kafkajs/src/protocol/message/compression') as { lookupCodec: (type: number) => { decompress: (b: Buffer) => Promise<Buffer> } | null };
  const found = lookupCodec(codec);
  if (found === null) throw new Error(`a record batch of compression codec ${codec}: kafkajs knows no such codec`);
  return found.decompress(compressed);
};

/**
 * One read_committed fetch of the given partitions from their leaders, decoded by
 * fetchResponse.ts (aborted records removed). `onPayload` (specs) sees each raw response and
 * its version before it is decoded.
 */
export async function fetchPartitions(
  cluster: KafkaCluster,
  wanted: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[],
  options: { readonly maxWaitMs: number; readonly maxBytesPerPartition: number; readonly onPayload?: (payload: Buffer, version: number) => void },
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
  const { requests } = require('kafkajs/src/protocol/requests');
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys');
  const { parse } = require('kafkajs/src/protocol/requests/fetch/v0/response') as { parse: (data: unknown) => Promise<unknown> };
  const method = Object.getOwnPropertySymbols(require('kafkajs/src/broker').prototype).find((s) => s.description === SEND_REQUEST)!;
  const results = await Promise.all(
    [...byLeader].map(async ([nodeId, list]) => {
      const broker = await cluster.findBroker({ nodeId });
      const topics = [...new Set(list.map((w) => w.topic))].map((topic) => ({
        topic,
        partitions: list.filter((w) => w.topic === topic).map((w) => ({ partition: w.partition, fetchOffset: String(w.offset), maxBytes: options.maxBytesPerPartition })),
      }));
      const request = broker.lookupRequest(apiKeys.Fetch, requests.Fetch)({
        isolationLevel: READ_COMMITTED,
        maxWaitTime: options.maxWaitMs,
        minBytes: 1,
        maxBytes: options.maxBytesPerPartition * list.length,
        topics,
        rackId: '',
      }) as unknown as FetchProtocolRequest;
      const version = request.request.apiVersion;
      if (version < FIRST_FETCH_VERSION || version > LAST_FETCH_VERSION) {
        throw new ServiceError('kafka', `broker ${nodeId}`, `kafkajs speaks Fetch version ${version} with this broker; the source decodes versions ${FIRST_FETCH_VERSION} to ${LAST_FETCH_VERSION} (read_committed needs 4, Kafka 0.11 or later)`, false);
      }
      // kafkajs's request object, sent by its connection (correlation, throttling, timeouts); the response decoded here.
      const fetch: FetchProtocolRequest = {
        ...request,
        response: {
          decode: async (payload: Buffer) => {
            options.onPayload?.(payload, version);
            return decodeFetchResponse(payload, version);
          },
          parse,
        },
      };
      const response = (await (broker as unknown as Record<symbol, (r: FetchProtocolRequest) => Promise<FetchResponse>>)[method](fetch));
      if (response.errorCode !== 0) throw require('kafkajs/src/protocol/error').createErrorFromCode(response.errorCode);
      return Promise.all(
        response.responses.flatMap(({ topicName, partitions }) =>
          partitions.map(async (p): Promise<PartitionFetch> => {
            const fetchOffset = list.find((w) => w.topic === topicName && w.partition === p.partition)!.offset;
            const { records, nextOffset } = await readCommittedRecords(p.recordSet, fetchOffset, p.abortedTransactions, decompress);
            // A broker that gives no last stable offset (-1): the high watermark then.
            return { topic: topicName, partition: p.partition, fetchOffset, records, nextOffset, lastStableOffset: p.lastStableOffset >= 0 ? p.lastStableOffset : p.highWatermark, errorCode: p.errorCode };
          }),
        ),
      );
    }),
  );
  return results.flat();
}

/** kafkajs's error for a Kafka error code (its `type` names the code, e.g. OFFSET_OUT_OF_RANGE). */
export function protocolError(errorCode: number): Error & { readonly type?: string; readonly retriable?: boolean } {
  return require('kafkajs/src/protocol/error').createErrorFromCode(errorCode);
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
