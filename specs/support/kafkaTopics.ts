/**
 * Topic helpers for Kafka specs, written with plain kafkajs so that they do not test Sluice
 * with itself: unique topic names, creating topics, producing, and reading a whole topic
 * with isolation level read_committed.
 */
import { execFile } from 'child_process';
import { Kafka, logLevel } from 'kafkajs';
import * as os from 'os';
import * as path from 'path';
import { keyOf } from './countingJob';

let topicCounter = 0;

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++topicCounter}`;
}

const client = (bootstrap: string) => new Kafka({ brokers: [bootstrap], clientId: 'sluice-specs', logLevel: logLevel.NOTHING });

/**
 * Creates the topic and waits, up to `timeoutMs`, until every partition has a leader. Not with
 * kafkajs's `waitForLeaders`: on a loaded machine its few metadata retries can run out while
 * the new topic spreads ("This server does not host this topic-partition"), failing the spec
 * that asked for the topic rather than the code under test.
 */
export async function createTopic(bootstrap: string, topic: string, numPartitions: number, timeoutMs = 60_000): Promise<void> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: false });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leaders = await admin.fetchTopicMetadata({ topics: [topic] }).then(
        ({ topics }) => topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0,
        (error: unknown) => error as Error,
      );
      if (leaders === numPartitions) return;
      if (Date.now() > deadline) {
        throw new Error(`topic ${topic}: ${leaders instanceof Error ? leaders.message : `${leaders} of ${numPartitions} partitions have a leader`} after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

export interface PlainRecord {
  readonly key?: string | null;
  readonly value: string | null;
  readonly partition?: number;
  /** Record timestamp, ms since the epoch (default: the producer's clock). */
  readonly timestamp?: number;
}

/** Produces the records (idempotent, acks=all) in batches of `batch` (keep a batch under the broker's 1 MB), in order per partition. */
export async function produce(bootstrap: string, topic: string, records: readonly PlainRecord[], batch = 2000): Promise<void> {
  const producer = client(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += batch) {
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + batch).map((r) => ({ key: r.key ?? null, value: r.value, partition: r.partition, timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Waits until every partition's last stable offset is at least `offset`: a transaction's
 * commit returns before its markers are written, and a read_committed reader (or a bounded
 * source, which stops at the last stable offsets it sees) ends there.
 */
export async function waitForStableOffset(bootstrap: string, topic: string, offset: number, timeoutMs = 30_000): Promise<void> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const offsets = await admin.fetchTopicOffsets(topic);
      if (offsets.every((o) => Number(o.high) >= offset)) return;
      if (Date.now() > deadline) throw new Error(`${topic}: last stable offsets ${JSON.stringify(offsets)} did not reach ${offset} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

const repo = path.resolve(__dirname, '../../..');

/**
 * Every record of the topic a read_committed consumer sees, read by Kafka's own Java console
 * consumer (the reference implementation of read_committed; kafkajs 2.2.4's filter lets
 * records of aborted transactions through when several producers' transactions interleave).
 * Needs the broker's jars (present once specs/services/kafka.sh has started a broker). Keys
 * and values must not contain tabs or newlines. `expected`: how many records the caller expects
 * at least (a shorter read is repeated with a longer idle timeout).
 */
export async function readCommitted(bootstrap: string, topic: string, expected = 1, idleMs = 3000): Promise<ReadRecord[]> {
  const records = await consoleConsumerRead(bootstrap, topic, idleMs);
  // On a loaded machine the consumer may wait longer than idleMs for a fetch and stop early: a
  // read of fewer records than the caller expects, of a topic that holds records, is done
  // again, more patiently (a real loss still shows, 5 idle periods later).
  if (records.length < expected && (await endOffsets(bootstrap, topic)).some((o) => o > 0)) return consoleConsumerRead(bootstrap, topic, idleMs * 5);
  return records;
}

/** Each partition's end offset (high watermark), in partition order. */
export async function endOffsets(bootstrap: string, topic: string): Promise<number[]> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((o) => Number(o.high));
  } finally {
    await admin.disconnect();
  }
}

async function consoleConsumerRead(bootstrap: string, topic: string, idleMs: number): Promise<ReadRecord[]> {
  const args = [
    `-Dlog4j.configuration=file:${path.join(repo, 'specs/services/kafka/log4j.properties')}`,
    `-Dkafka.logs.dir=${os.tmpdir()}`,
    '-cp',
    path.join(repo, '.cache/kafka/libs/*'),
    'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server',
    bootstrap,
    '--topic',
    topic,
    '--from-beginning',
    '--isolation-level',
    'read_committed',
    '--timeout-ms',
    String(idleMs),
    '--property',
    'print.partition=true',
    '--property',
    'print.offset=true',
    '--property',
    'print.key=true',
  ];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.env.KAFKA_JAVA ?? 'java', args, { maxBuffer: 1 << 30 }, (error, out, err) => {
      // The console consumer exits with 1 after its idle timeout: that is the normal end.
      if (error !== null && !/TimeoutException|Processed a total/.test(String(err))) reject(new Error(`console consumer failed: ${String(err).slice(0, 2000)}`));
      else resolve(String(out));
    }),
  );
  const records: ReadRecord[] = [];
  for (const line of stdout.split('\n')) {
    if (line.length === 0) continue;
    const [p, o, key, ...value] = line.split('\t');
    const v = value.join('\t');
    records.push({ partition: Number(p.slice('Partition:'.length)), offset: Number(o.slice('Offset:'.length)), key: key === 'null' ? null : key, value: v === 'null' ? null : v });
  }
  return records;
}

/** The consumer group's committed offset per partition of the topic (-1 where none). */
export async function groupOffsets(bootstrap: string, groupId: string, topic: string): Promise<number[]> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

/** Polls `read` until `done` holds of its value, or fails after `timeoutMs` with the last value. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The input of the counting job (countingJob.ts): events from..from+records-1 as JSON, keyed by `keyOf(id, seed, keys)`. */
export function produceCountingInput(bootstrap: string, topic: string, records: number, seed: number, keys: number, from = 0): Promise<void> {
  return produce(
    bootstrap,
    topic,
    Array.from({ length: records }, (_, i) => {
      const id = from + i;
      const key = keyOf(id, seed, keys);
      return { key: String(key), value: JSON.stringify({ id, key }) };
    }),
  );
}
