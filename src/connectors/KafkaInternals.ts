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
import { Kafka, TopicMessages } from 'kafkajs';

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

const silentLogger = () => {
  const { createLogger, LEVELS } = require('kafkajs/src/loggers');
  return createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined });
};

/** A cluster connection of the client's settings (kafkajs's private factory). */
export function createClusterOf(kafka: Kafka): KafkaCluster {
  assertSupported();
  const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (factory === undefined) throw new Error('kafkajs internals changed: no createCluster factory. Use KafkaSink.atLeastOnce.');
  return (kafka as unknown as Record<symbol, (o: object) => KafkaCluster>)[factory]({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
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

export function createTransactionalProducer(cluster: KafkaCluster, transactionalId: string, transactionTimeout: number): TransactionalProducer {
  const createEosManager = require('kafkajs/src/producer/eosManager');
  const createMessageProducer = require('kafkajs/src/producer/messageProducer');
  const createRetry = require('kafkajs/src/retry');
  const { Partitioners } = require('kafkajs');
  const { CONNECTION_STATUS } = require('kafkajs/src/network/connectionStatus');
  const logger = silentLogger();
  const eos: EosManager = createEosManager({ logger, cluster, transactionTimeout, transactional: true, transactionalId });
  const messages = createMessageProducer({
    logger,
    cluster,
    partitioner: Partitioners.DefaultPartitioner(),
    eosManager: eos,
    idempotent: true,
    retrier: createRetry({ ...cluster.retry, retries: 8 }),
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
