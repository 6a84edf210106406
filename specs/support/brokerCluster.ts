/**
 * A kafkajs client and its cluster (kafkajsInternals.ts) connected to the project's broker for
 * the specs of a `describe`, which call this inside it: the hooks are registered there.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createClusterOf, KafkaCluster } from '../../src/connectors/kafka/kafkajsInternals';
import { kafkaBootstrap } from './kafkaService';

export interface BrokerCluster {
  readonly bootstrap: string;
  readonly kafka: Kafka;
  readonly cluster: KafkaCluster;
}

export function connectedBrokerCluster(): BrokerCluster {
  let connected: BrokerCluster | undefined;
  before(async function () {
    const bootstrap = await kafkaBootstrap(this);
    const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const cluster = createClusterOf(kafka);
    await cluster.connect();
    connected = { bootstrap, kafka, cluster };
  });
  after(async () => {
    await connected?.cluster.disconnect();
  });
  const now = (): BrokerCluster => {
    if (connected === undefined) throw new Error('the broker cluster is used before its before() hook connected it');
    return connected;
  };
  return {
    get bootstrap() {
      return now().bootstrap;
    },
    get kafka() {
      return now().kafka;
    },
    get cluster() {
      return now().cluster;
    },
  };
}
