/**
 * Which partitions a source instance reads, and from which offset. The partitions of the
 * topics, sorted by topic and partition, are dealt round robin: partition i of the list goes
 * to instance i mod parallelism. Each starts at the offset the restored positions name (of
 * every former instance, so a restore may change the parallelism), else where `startFrom`
 * says; a restore thus rewinds exactly to the checkpoint whatever the consumer group holds.
 */
import { isLeft } from 'fp-ts/Either';
import type { Admin, Kafka } from 'kafkajs';
import type { SplitContext } from '../../graph/Source';
import { ServiceError } from '../../services/ServiceError';
import { checkTopicsExist, connectWithin, withinKafkaBound } from './kafkaClient';
import type { KafkaSourceOptions, KafkaStartOffset, KafkaTopics } from './KafkaSourceOptions';
import { decodePosition, partitionKey } from './KafkaSourcePosition';

/** One partition of an instance's split and how far it has been emitted and buffered. */
export interface PartitionSplit {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to emit: the checkpointed position. */
  next: number;
  /** Next offset to buffer; a fetch below it (after a seek or rebalance) is a duplicate. */
  buffered: number;
  /** Bounded mode: the offset the split stops at (Infinity when unbounded). */
  readonly end: number;
  /** The partition's last stable offset as of the last fetch (at first, as the split was found): for the lag metric. */
  endOffset: number;
}

/** Low and high watermark of a partition; for a read_committed reader, `high` is the last stable offset. */
interface PartitionOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/**
 * The split of instance `context.index`, each partition at its start offset, found on a
 * short-lived admin client. Every Kafka wait is bounded by `timeoutMs`.
 */
export async function findSplits<T>(kafka: Kafka, name: string, options: KafkaSourceOptions<T>, context: SplitContext, timeoutMs: number): Promise<PartitionSplit[]> {
  const { startFrom = 'earliest', brokers } = options;
  const { index, parallelism } = context;
  // Every partition was in exactly one former split: their positions together name each once.
  const { restoredPosition, restoredPositions = restoredPosition === undefined ? [] : [restoredPosition] } = context;
  const restored = new Map(
    restoredPositions.flatMap((p) => {
      const offsets = decodePosition(name, p);
      // The source cannot open without its positions: the task fails, saying why.
      if (isLeft(offsets)) throw new Error(offsets.left);
      return [...offsets.right];
    }),
  );
  const what = `${name} (instance ${index})`;
  const bounded = <R>(operation: Promise<R>, step: string) => withinKafkaBound(operation, `${what}: ${step}`, brokers, timeoutMs);
  const bound = options.boundedness === 'bounded';
  const splits: PartitionSplit[] = [];
  const admin = kafka.admin();
  try {
    await connectWithin(() => admin.connect(), what, brokers, timeoutMs, context.logger);
    const topics = await bounded(resolveTopics(admin, options.topics), 'listing topics');
    // Named topics are checked first, so that a missing one is named (kafkajs's error does not).
    if (!(options.topics instanceof RegExp)) await checkTopicsExist(kafka, topics, what, brokers, timeoutMs, { autoCreation: 'none', logger: context.logger });
    const metadata = await bounded(admin.fetchTopicMetadata({ topics }), 'reading topic metadata');
    const all = metadata.topics
      .flatMap((tm) => tm.partitions.map((p) => ({ topic: tm.name, partition: p.partitionId })))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    const mine = all.filter((_, i) => i % parallelism === index);
    for (const topic of new Set(mine.map((m) => m.topic))) {
      const offsets = await bounded(admin.fetchTopicOffsets(topic), `reading offsets of ${topic}`);
      const starts = await bounded(startOffsets(admin, name, topic, startFrom, options.groupId, offsets), `finding start offsets of ${topic}`);
      for (const { partition } of mine.filter((m) => m.topic === topic)) {
        const o = offsets.find((x) => x.partition === partition)!;
        const start = restored.get(partitionKey(topic, partition)) ?? starts(partition);
        splits.push({ topic, partition, next: start, buffered: start, end: bound ? Number(o.high) : Infinity, endOffset: Number(o.high) });
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return splits;
}

/** Topics to read, sorted: the named ones, or those the pattern matches now. */
async function resolveTopics(admin: Admin, topics: KafkaTopics): Promise<string[]> {
  if (!(topics instanceof RegExp)) return [...topics];
  const pattern = new RegExp(topics.source, topics.flags.replace(/[gy]/g, ''));
  return (await admin.listTopics()).filter((name) => !name.startsWith('__') && pattern.test(name)).sort();
}

/** Where each partition of `topic` starts on a fresh start, by `startFrom`. */
async function startOffsets(
  admin: Admin,
  name: string,
  topic: string,
  startFrom: KafkaStartOffset,
  groupId: string | undefined,
  offsets: readonly PartitionOffsets[],
): Promise<(partition: number) => number> {
  const at = (partition: number, edge: 'earliest' | 'latest') => {
    const o = offsets.find((x) => x.partition === partition)!;
    return Number(edge === 'earliest' ? o.low : o.high);
  };
  if (startFrom === 'earliest' || startFrom === 'latest') return (p) => at(p, startFrom);
  if (typeof startFrom === 'object' && 'timestamp' in startFrom) {
    const byTimestamp = await admin.fetchTopicOffsetsByTimestamp(topic, startFrom.timestamp);
    return (p) => Number(byTimestamp.find((x) => x.partition === p)!.offset);
  }
  // The options check refused 'committed' without a group.
  if (groupId === undefined) throw new Error(`${name}: startFrom 'committed' needs a groupId`);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const orElse = startFrom === 'committed' ? undefined : startFrom.committedOrElse;
  return (p) => {
    const offset = Number(committed?.partitions.find((x) => x.partition === p)?.offset ?? -1);
    if (offset >= 0) return offset;
    // A restart would find no offset either: the job fails at once.
    if (orElse === undefined) throw new ServiceError('kafka', groupId, `${name}: consumer group '${groupId}' has no committed offset for ${topic}/${p}; start it with startFrom { committedOrElse: 'earliest' | 'latest' }`, false);
    return at(p, orElse);
  };
}
