/**
 * The source splits the instances share: every partition of the job's source topics, read
 * from Kafka by the leader when it computes an assignment (a topic that grew is seen at the
 * next rebalance). Every wait is bounded; a missing topic fails naming it.
 */
import type { Logger } from '../logging/logger';
import { checkTopicsExist, connectWithin, createKafkaClient, withinKafkaBound } from '../connectors/kafka/kafkaClient';

/** `topic-partition` for every partition of `topics`, sorted by topic then partition. */
export async function sourceSplits(brokers: readonly string[], topics: readonly string[], applicationId: string, operationTimeoutMs: number, logger?: Logger): Promise<string[]> {
  if (topics.length === 0) return [];
  const what = `instances of ${applicationId}`;
  const kafka = createKafkaClient({ brokers, clientId: `sluice-${applicationId}-leader`, operationTimeoutMs, logger });
  await checkTopicsExist(kafka, topics, what, brokers, operationTimeoutMs, { autoCreation: 'none', logger });
  const admin = kafka.admin();
  try {
    await connectWithin(() => admin.connect(), what, brokers, operationTimeoutMs, logger);
    const metadata = await withinKafkaBound(admin.fetchTopicMetadata({ topics: [...topics] }), `${what}: reading the partitions of ${topics.join(', ')}`, brokers, operationTimeoutMs);
    return metadata.topics
      .slice()
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((topic) => topic.partitions.map((p) => p.partitionId).sort((a, b) => a - b).map((p) => `${topic.name}-${p}`));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
