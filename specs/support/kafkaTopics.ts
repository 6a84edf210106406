/**
 * Topic helpers for Kafka specs, written with plain kafkajs so that they do not test Sluice
 * with itself: unique topic names, creating topics, producing, and reading a whole topic
 * with isolation level read_committed.
 */
import { Kafka, logLevel } from 'kafkajs';

let topicCounter = 0;

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++topicCounter}`;
}

const client = (bootstrap: string) => new Kafka({ brokers: [bootstrap], clientId: 'sluice-specs', logLevel: logLevel.NOTHING });

export async function createTopic(bootstrap: string, topic: string, numPartitions: number): Promise<void> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export interface PlainRecord {
  readonly key?: string | null;
  readonly value: string | null;
  readonly partition?: number;
}

/** Produces the records (idempotent, acks=all) in batches of 2000, in order per partition. */
export async function produce(bootstrap: string, topic: string, records: readonly PlainRecord[]): Promise<void> {
  const producer = client(bootstrap).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 2000) {
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + 2000).map((r) => ({ key: r.key ?? null, value: r.value, partition: r.partition })) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

/**
 * Every record of the topic a read_committed consumer sees, up to the end offsets at the
 * time of the call (open transactions must be ended before: their records would wait).
 */
export async function readCommitted(bootstrap: string, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const kafka = client(bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const reached = new Map<number, number>();
  const done = () => [...ends].every(([p, end]) => (reached.get(p) ?? 0) >= end);
  const out: ReadRecord[] = [];
  if (done()) return out;
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now().toString(36)}`, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const advance = (partition: number, next: number) => {
      reached.set(partition, Math.max(reached.get(partition) ?? 0, next));
      if (done()) finish();
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => advance(e.payload.partition, Number(e.payload.lastOffset) + 1));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= (ends.get(batch.partition) ?? 0)) continue;
          out.push({ partition: batch.partition, offset, key: m.key?.toString('utf8') ?? null, value: m.value?.toString('utf8') ?? null });
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`readCommitted(${topic}): did not reach end offsets ${JSON.stringify([...ends])} in ${timeoutMs} ms (at ${JSON.stringify([...reached])})`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  // A record read twice across a rebalance would be a reader artefact, not output: keep one.
  const seen = new Set<string>();
  return out.filter((r) => {
    const id = `${r.partition}:${r.offset}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
