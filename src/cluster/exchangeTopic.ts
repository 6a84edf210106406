/**
 * The exchange topic of a job across instances (docs/internals.md, "The Kafka channel"):
 * `<applicationId>-exchange`, two partitions per channel of the plan — channel n's frames go
 * in partition 2n, its demand back in 2n+1 — so that each partition has one ordered producer
 * (an aligned barrier is in-band: it must come after every record sent before it on its
 * channel, which one producer per partition gives and several would not). Every channel of the
 * plan has its partitions whether it crosses instances or not, so the numbering does not move
 * with the placement. The master makes the channels' addresses before a deploy, reading from
 * each partition's end offset then: frames of earlier attempts are never read, and the headers
 * (attempt, epoch) skip a late frame of a producer that was not stopped yet.
 */
import type { Admin, ConfigResourceTypes } from 'kafkajs';
import type { ExecutionPlan } from '../graph/ExecutionPlan';
import type { CrossingChannel } from './placement';
import { messageOf, withinKafkaBound } from '../connectors/kafka/kafkaClient';
import type { Logger } from '../logging/logger';
import { retryWithin } from '../services/withinDeadline';
import { KafkaChannelAddress } from '../instances/kafkaChannelAddress';

/** `<applicationId>-exchange`. */
export function exchangeTopicName(applicationId: string): string {
  const name = `${applicationId}-exchange`;
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.length > 249) throw new Error(`exchange topic '${name}' is not a Kafka topic name: applicationId may hold only letters, digits, '.', '_', '-' and at most 240 characters`);
  return name;
}

/** Each channel of the plan numbered (by `<producer>/<output channel>`): the producers' output channels in plan order. */
export function planChannels(plan: ExecutionPlan): ReadonlyMap<string, number> {
  const numbers = new Map<string, number>();
  for (const task of plan.tasks) task.outputs.flatMap((edge) => edge.channels).forEach((_, output) => numbers.set(`${task.id}/${output}`, numbers.size));
  return numbers;
}

/** Partitions the exchange topic needs: two per channel of the plan. */
export function exchangePartitions(plan: ExecutionPlan): number {
  return 2 * planChannels(plan).size;
}

/** kafkajs's ConfigResourceTypes.TOPIC (Kafka's resource type 2), without loading kafkajs with this module. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** The topic's settings Sluice relies on; created with them, an existing topic is checked for them. */
const REQUIRED_CONFIG: Readonly<Record<string, string>> = {
  // A compacted topic refuses records without a key, and would drop frames.
  'cleanup.policy': 'delete',
};
/**
 * Set at creation only (an operator may tune them): frames are worthless once their attempt
 * ended; a frame is a whole batch, which may pass the broker's default 1 MB a message.
 */
const CREATION_CONFIG: Readonly<Record<string, string>> = { ...REQUIRED_CONFIG, 'retention.ms': String(24 * 3600 * 1000), 'max.message.bytes': String(16 * 1024 * 1024) };

export interface ExchangeTopicOptions {
  readonly applicationId: string;
  readonly partitions: number;
  readonly brokers: readonly string[];
  readonly operationTimeoutMs: number;
  readonly replicationFactor?: number;
}

/**
 * Creates the exchange topic with `partitions` partitions, or checks the one that exists: one
 * with settings Sluice relies on changed is refused, every mismatch named; one with fewer
 * partitions (made for a smaller plan: a job rescaled, or its graph changed) gets more, as its
 * frames are worth nothing now and a partition added moves none; more partitions than the plan
 * needs are left unused. Each call to Kafka is bounded by `operationTimeoutMs`.
 */
export async function ensureExchangeTopic(admin: Admin, options: ExchangeTopicOptions): Promise<{ readonly topic: string; readonly outcome: 'created' | 'existed' | 'grown' }> {
  const { applicationId, partitions, brokers, operationTimeoutMs, replicationFactor = 1 } = options;
  if (!Number.isInteger(partitions) || partitions < 2 || partitions % 2 !== 0) throw new Error(`an exchange topic has two partitions per channel, so an even number from 2; got ${partitions}`);
  const topic = exchangeTopicName(applicationId);
  const bounded = <T>(operation: Promise<T>, what: string) => withinKafkaBound(operation, `exchange topic ${topic}: ${what}`, brokers, operationTimeoutMs);
  const topics = await bounded(admin.listTopics(), 'listing topics');
  if (!topics.includes(topic)) {
    const configEntries = Object.entries(CREATION_CONFIG).map(([name, value]) => ({ name, value }));
    const created = await bounded(admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }], waitForLeaders: true }), 'creating it');
    // Another instance may have created it first: then it must fit as well.
    if (created) return { topic, outcome: 'created' };
  }
  const metadata = await bounded(admin.fetchTopicMetadata({ topics: [topic] }), 'reading its metadata');
  const described = await bounded(admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: Object.keys(REQUIRED_CONFIG) }] }), 'reading its configuration');
  const problems: string[] = [];
  const count = metadata.topics[0]?.partitions.length ?? 0;
  const entries = described.resources[0]?.configEntries ?? [];
  for (const [name, value] of Object.entries(REQUIRED_CONFIG)) {
    const actual = entries.find((e) => e.configName === name)?.configValue;
    if (actual !== value) problems.push(`${name} is ${JSON.stringify(actual ?? null)}, Sluice needs ${JSON.stringify(value)}`);
  }
  if (problems.length > 0) {
    throw new Error(`exchange topic ${topic} does not fit the job: ${problems.join('; ')}. Delete it (frames in it are worth nothing once their attempt ended) and start again.`);
  }
  if (count >= partitions) return { topic, outcome: 'existed' };
  await bounded(admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] }), `growing it from ${count} to ${partitions} partitions`).catch((e: unknown) => {
    // Another instance may have grown it first.
    if ((e as { type?: string }).type !== 'INVALID_PARTITIONS') throw e;
  });
  // The broker answers before its metadata shows the new partitions (seen on a loaded machine),
  // and the deploy that follows reads every partition's end offset: wait until they show.
  await retryWithin(
    async () => {
      const shown = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0;
      if (shown < partitions) throw new Error(`its metadata shows ${shown} of them`);
    },
    operationTimeoutMs,
    { giveUp: (last) => new Error(`exchange topic ${topic}: grown to ${partitions} partitions, which Kafka at ${brokers.join(',')} did not show within ${operationTimeoutMs} ms${last === undefined ? '' : `: ${messageOf(last)}`}`, { cause: last }) },
  );
  return { topic, outcome: 'grown' };
}

/**
 * Each partition's end offset now: where channel ends of the next deploy start reading. Tried
 * again until `operationTimeoutMs` (a topic created a moment ago has partitions without a
 * leader yet), each failure logged.
 */
export async function readEndOffsets(admin: Admin, topic: string, brokers: readonly string[], operationTimeoutMs: number, logger?: Logger): Promise<ReadonlyMap<number, number>> {
  const offsets = await retryWithin(() => admin.fetchTopicOffsets(topic), operationTimeoutMs, {
    onRetry: (e, attempt, delayMs) => logger?.warn({ kafka: brokers.join(','), attempt, delayMs, cause: messageOf(e) }, `exchange topic ${topic}: reading its end offsets failed (${messageOf(e)}); retrying in ${delayMs} ms`),
    giveUp: (last) => new Error(`exchange topic ${topic}: reading its end offsets from Kafka at ${brokers.join(',')} failed within ${operationTimeoutMs} ms${last === undefined ? '' : `: ${messageOf(last)}`}`, { cause: last }),
  });
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

/** Both ends of a crossing channel: the producer's end (sends frames) and the consumer's (sends demand). */
export interface KafkaChannelEnds {
  readonly channel: CrossingChannel;
  readonly producer: KafkaChannelAddress;
  readonly consumer: KafkaChannelAddress;
}

export interface KafkaChannelAddressesOptions {
  readonly topic: string;
  readonly plan: ExecutionPlan;
  readonly crossing: readonly CrossingChannel[];
  /** The wiring's attempt (a channel wired again, as by restartTask, needs a number of its own). */
  readonly attempt: number;
  /** The master's epoch. */
  readonly epoch: number;
  /** readEndOffsets before the deploy. */
  readonly endOffsets: ReadonlyMap<number, number>;
}

/** The addresses of both ends of each crossing channel, each reading from its receive partition's end offset. */
export function kafkaChannelAddresses({ topic, plan, crossing, attempt, epoch, endOffsets }: KafkaChannelAddressesOptions): KafkaChannelEnds[] {
  const numbers = planChannels(plan);
  const from = (partition: number): number => {
    const offset = endOffsets.get(partition);
    if (offset === undefined) throw new Error(`exchange topic ${topic} has no end offset for partition ${partition}: it has fewer partitions than the plan's ${2 * numbers.size} (ensureExchangeTopic checks it)`);
    return offset;
  };
  return crossing.map((channel) => {
    const n = numbers.get(`${channel.producer}/${channel.output}`);
    if (n === undefined) throw new Error(`channel ${channel.name} (output ${channel.output} of ${channel.producer}) is not in the plan`);
    const frames = 2 * n;
    const demand = frames + 1;
    return {
      channel,
      producer: { topic, sendPartition: frames, receivePartition: demand, receiveFrom: from(demand), attempt, epoch },
      consumer: { topic, sendPartition: demand, receivePartition: frames, receiveFrom: from(frames), attempt, epoch },
    };
  });
}
