/**
 * What both Kafka sinks share: their options, how records become kafkajs messages, and the
 * check that each topic exists before the first write to it.
 */
import type { IHeaders, Message } from 'kafkajs';
import type { SinkContext } from '../../graph/Sink';
import { operationTimeoutProblem } from '../../services/withinDeadline';
import { checkTopicsExist, createKafkaClient, DEFAULT_KAFKA_OPERATION_TIMEOUT_MS } from './kafkaClient';

/** What one record becomes in Kafka; `topic` defaults to the sink's topic. */
export interface KafkaOutputRecord {
  readonly topic?: string;
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly headers?: IHeaders;
  readonly timestamp?: string;
}

/** Options of both Kafka sinks. */
export interface KafkaSinkOptions<T> {
  readonly brokers: readonly string[];
  /** Default topic of records whose `serialize` names none. */
  readonly topic: string;
  /** Default: the record as JSON, no key. */
  readonly serialize?: (record: T) => KafkaOutputRecord;
  readonly clientId?: string;
  /**
   * Let the broker create a topic that does not exist when the sink first writes to it (the
   * broker must have auto.create.topics.enable=true). Default false: each topic is checked
   * before the first write to it, and a missing one fails the job at once, naming it.
   */
  readonly allowAutoTopicCreation?: boolean;
  /**
   * The longest the sink waits on Kafka for one operation, kafkajs's retries included
   * (default 30 000 ms): connecting, a topic check, a send, a transaction's init, commit or
   * abort. A cluster out of reach for that long when the sink opens fails the job without
   * restarts; a later operation past it fails the task (the job restarts by its strategy).
   */
  readonly operationTimeoutMs?: number;
}

/** Options of the exactly-once Kafka sink: its transactions. */
export interface KafkaExactlyOnceOptions<T> extends KafkaSinkOptions<T> {
  /**
   * Stable across restarts and unique per sink operator: transactional ids are
   * `<prefix>-<instance>-<slot>`. Default: `sluice-<job name>-<topic>`.
   */
  readonly transactionalIdPrefix?: string;
  /** Default 900000 (15 min), the broker's default maximum. */
  readonly transactionTimeoutMs?: number;
  /** Slots scanned for lingering transactions on restore (default 8). */
  readonly lingeringScanSlots?: number;
}

/** The record as JSON, no key. */
export const defaultSerialize = (record: unknown): KafkaOutputRecord => ({ value: JSON.stringify(record) });

/** Groups a batch into kafkajs topicMessages, one entry per topic, order kept within each. */
export function topicMessages<T>(records: readonly T[], serialize: (record: T) => KafkaOutputRecord, defaultTopic: string) {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    const out = serialize(record);
    const topic = out.topic ?? defaultTopic;
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push({ key: out.key, value: out.value, partition: out.partition, headers: out.headers, timestamp: out.timestamp });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** Refuses invalid options when the sink is built, before any job starts. */
export function checkSinkOptions<T>(options: KafkaSinkOptions<T>): void {
  const problems = [operationTimeoutProblem(options.operationTimeoutMs), options.brokers.length === 0 ? 'name at least one broker' : undefined].filter((p) => p !== undefined);
  if (problems.length > 0) throw new Error(`KafkaSink: ${problems.join('; ')}`);
}

/**
 * The topics of a sink's writer known to exist: the sink's own topic is checked at open, one a
 * record names the first time it comes. With allowAutoTopicCreation nothing is checked.
 */
export function topicGate<T>(options: KafkaSinkOptions<T>, what: string, kafka: ReturnType<typeof createKafkaClient>, logger: SinkContext['logger']) {
  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_KAFKA_OPERATION_TIMEOUT_MS;
  const known = new Set<string>();
  return async (topics: readonly string[]): Promise<void> => {
    if (options.allowAutoTopicCreation === true) return;
    const unknown = topics.filter((topic) => !known.has(topic));
    if (unknown.length === 0) return;
    await checkTopicsExist(kafka, unknown, what, options.brokers, timeoutMs, { autoCreation: 'sink', logger });
    for (const topic of unknown) known.add(topic);
  };
}
