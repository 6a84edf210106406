/**
 * What every Kafka connector of Sluice shares about its kafkajs client: the client's log lines
 * go to the task's logger, and every wait on Kafka is bounded by `operationTimeoutMs`.
 * Reaching the cluster is retried until that bound, each retry logged with its cause; a
 * cluster out of reach for all of it, or a topic that does not exist, fails with a
 * ServiceError that names the brokers or the topic and that a restart cannot mend.
 * kafkajs itself is loaded when the first client is made, not at import: the core
 * (`import … from 'sluice'`) and jobs that read no Kafka never load it (specs/package/coreImport.spec.ts).
 */
import type * as KafkaJs from 'kafkajs';
import type { Kafka, LogEntry, logLevel } from 'kafkajs';
import type { Logger } from '../../logging/logger';
import { ServiceError } from '../../services/ServiceError';
import { retryWithin, withinDeadline } from '../../services/withinDeadline';

/** The longest a Kafka connector waits on Kafka for one operation by default, retries included. */
export const DEFAULT_KAFKA_OPERATION_TIMEOUT_MS = 30_000;

/** The kafkajs module, loaded on first use: an import would load kafkajs with the core. */
function kafkajs(): typeof KafkaJs {
  return require('kafkajs') as typeof KafkaJs;
}

/** kafkajs's level for the lowest level the task's logger writes (kafkajs logs nothing without a logger). */
export function kafkaLogLevel(logger: Logger | undefined): logLevel {
  const { logLevel } = kafkajs();
  if (logger === undefined) return logLevel.NOTHING;
  if (logger.isLevelEnabled('debug')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

/** Writes a kafkajs log entry to the logger at the same level, with kafkajs's namespace and fields. */
export function kafkaLogCreator(logger: Logger | undefined): () => (entry: LogEntry) => void {
  const { logLevel } = kafkajs();
  return () =>
    ({ namespace, level, log }) => {
      if (logger === undefined) return;
      // kafkajs's own timestamp and logger name are pino's business here.
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const context = { kafkajs: namespace, ...fields };
      if (level === logLevel.ERROR) logger.error(context, message);
      else if (level === logLevel.WARN) logger.warn(context, message);
      else if (level === logLevel.INFO) logger.info(context, message);
      else if (level === logLevel.DEBUG) logger.debug(context, message);
    };
}

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly operationTimeoutMs: number;
  readonly logger?: Logger;
}

/** A kafkajs client whose requests never wait longer than the operation bound, logging to the task's logger. */
export function createKafkaClient({ brokers, clientId, operationTimeoutMs, logger }: KafkaClientOptions): Kafka {
  return new (kafkajs().Kafka)({
    brokers: [...brokers],
    clientId,
    logLevel: kafkaLogLevel(logger),
    logCreator: kafkaLogCreator(logger),
    connectionTimeout: Math.min(3000, operationTimeoutMs),
    requestTimeout: Math.min(30_000, operationTimeoutMs),
    // kafkajs's own retries (5 by default, 300 ms doubling: about 9 s) fit in the bound, so
    // that they end with the wait that gave up on them, instead of running on after it; in
    // under half of it (31 initial delays: bound / 80 each), so that a slow machine still
    // makes a second attempt, logged with its cause, within a short bound.
    retry: { initialRetryTime: Math.max(10, Math.min(300, Math.floor(operationTimeoutMs / 80))), maxRetryTime: Math.min(30_000, operationTimeoutMs) },
  });
}

const brokersText = (brokers: readonly string[]) => brokers.join(',');

/**
 * Connects (`connect`, e.g. a producer's) and retries until `operationTimeoutMs`, logging
 * every failed attempt with its cause. Past the bound: a ServiceError naming the brokers,
 * that a restart cannot mend (the cluster stayed out of reach for all of it).
 */
export function connectWithin(connect: () => Promise<void>, what: string, brokers: readonly string[], operationTimeoutMs: number, logger?: Logger): Promise<void> {
  return retryWithin(connect, operationTimeoutMs, {
    onRetry: (error, attempt, delayMs) =>
      logger?.warn({ kafka: brokersText(brokers), attempt, delayMs, cause: messageOf(error) }, `${what}: connecting to Kafka at ${brokersText(brokers)} failed (${messageOf(error)}); retrying in ${delayMs} ms`),
    giveUp: (last) =>
      new ServiceError(
        'kafka',
        brokersText(brokers),
        `${what}: cannot reach Kafka at ${brokersText(brokers)} within ${operationTimeoutMs} ms${last === undefined ? '' : ` (last error: ${messageOf(last)})`}. ` +
          'Check the brokers option and that the brokers run; to wait longer for them, raise operationTimeoutMs.',
        false,
        last,
      ),
  });
}

/** `operation`, or past `operationTimeoutMs` a ServiceError naming the brokers (restartable: the cluster answered before). */
export function withinKafkaBound<T>(operation: Promise<T>, what: string, brokers: readonly string[], operationTimeoutMs: number): Promise<T> {
  return withinDeadline(
    operation,
    operationTimeoutMs,
    () => new ServiceError('kafka', brokersText(brokers), `${what}: no answer from Kafka at ${brokersText(brokers)} within ${operationTimeoutMs} ms (operationTimeoutMs)`, true),
  );
}

/** Kafka's error code names a connector tells apart (kafkajs puts them in `type`). */
const UNKNOWN_TOPIC = 'UNKNOWN_TOPIC_OR_PARTITION';
const TOPIC_AUTHORIZATION_FAILED = 'TOPIC_AUTHORIZATION_FAILED';

/** The kafkajs error type of `error` or of one of its causes (kafkajs wraps retried errors). */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

/** The error for a topic that does not exist: names it, the brokers, and what to do. */
export function missingTopicError(what: string, topic: string, brokers: readonly string[], autoCreation: 'sink' | 'none', cause?: unknown): ServiceError {
  const create = `create it (kafka-topics.sh --bootstrap-server ${brokers[0] ?? 'host:port'} --create --topic ${topic})`;
  const optIn =
    autoCreation === 'sink'
      ? ", or opt in to auto-creation: allowAutoTopicCreation: true on the sink (in SQL, 'sink.allow-auto-topic-creation' = 'true'); the broker creates it if its auto.create.topics.enable is true"
      : '';
  return new ServiceError('kafka', topic, `${what}: Kafka topic '${topic}' does not exist on ${brokersText(brokers)}: ${create}${optIn}`, false, cause);
}

/**
 * Checks, within the bound, that each topic exists (one Metadata request per topic on a
 * short-lived admin client, which never asks the broker to create it). A missing topic, or
 * one the client may not describe, fails with a ServiceError naming it.
 */
export async function checkTopicsExist(
  kafka: Kafka,
  topics: readonly string[],
  what: string,
  brokers: readonly string[],
  operationTimeoutMs: number,
  options: { readonly autoCreation: 'sink' | 'none'; readonly logger?: Logger },
): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  try {
    await connectWithin(() => admin.connect(), what, brokers, operationTimeoutMs, options.logger);
    for (const topic of topics) {
      try {
        await lookUpTopic(admin, topic, `${what}: looking up topic '${topic}'`, brokers, operationTimeoutMs);
      } catch (e) {
        const type = kafkaErrorType(e);
        if (type === UNKNOWN_TOPIC) throw missingTopicError(what, topic, brokers, options.autoCreation, e);
        if (type === TOPIC_AUTHORIZATION_FAILED) {
          throw new ServiceError('kafka', topic, `${what}: not authorized to use Kafka topic '${topic}' on ${brokersText(brokers)}: grant the client's principal access to it (Describe and Write or Read)`, false, e);
        }
        throw e instanceof ServiceError ? e : new ServiceError('kafka', topic, `${what}: looking up Kafka topic '${topic}' on ${brokersText(brokers)} failed: ${messageOf(e)}`, true, e);
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A topic created a moment ago may not be in every broker's metadata yet: "unknown topic" is
 * believed once it was the answer this many times, MISSING_TOPIC_RECHECK_MS apart.
 */
const MISSING_TOPIC_ANSWERS = 3;
const MISSING_TOPIC_RECHECK_MS = 250;

async function lookUpTopic(admin: ReturnType<Kafka['admin']>, topic: string, what: string, brokers: readonly string[], operationTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + operationTimeoutMs;
  for (let answers = 1; ; answers++) {
    try {
      await withinKafkaBound(admin.fetchTopicMetadata({ topics: [topic] }), what, brokers, Math.max(1, deadline - Date.now()));
      return;
    } catch (e) {
      if (kafkaErrorType(e) !== UNKNOWN_TOPIC || answers >= MISSING_TOPIC_ANSWERS || Date.now() + MISSING_TOPIC_RECHECK_MS >= deadline) throw e;
      await new Promise((r) => setTimeout(r, MISSING_TOPIC_RECHECK_MS));
    }
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
