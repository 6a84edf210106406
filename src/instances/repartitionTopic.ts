/**
 * The repartition topics of a job over many processes (docs/cluster.md, "Repartition
 * topics"): one per keyed exchange, named after the application and the exchange's operator
 * uid, with one partition per key group, created by Sluice; and the headers every record in
 * them carries (epoch, producing subtask, and on a barrier its checkpoint).
 */
import type { Admin, IHeaders } from 'kafkajs';
import { RepartitionHeaders } from './repartitionCut';

/** `<applicationId>-<uid>-repartition`; the uid is the exchange's operator uid. */
export function repartitionTopicName(applicationId: string, uid: string): string {
  const name = `${applicationId}-${uid}-repartition`;
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.length > 249) {
    throw new Error(`repartition topic '${name}' is not a Kafka topic name: applicationId and operator uid may hold only letters, digits, '.', '_', '-' and together at most 236 characters`);
  }
  return name;
}

/**
 * Creates `topic` with one partition per key group (`keyGroups`, the job's maxParallelism),
 * or checks the one that exists: a topic with another number of partitions is refused (its
 * partitions would not be key groups), naming both numbers.
 */
export async function ensureRepartitionTopic(admin: Admin, topic: string, keyGroups: number, replicationFactor = 1): Promise<'created' | 'existed'> {
  if (!Number.isInteger(keyGroups) || keyGroups < 1) throw new Error(`a repartition topic needs 1 or more key groups, got ${keyGroups}`);
  const existing = await partitionCount(admin, topic);
  if (existing === undefined) {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: keyGroups, replicationFactor }], waitForLeaders: true });
    // Another instance may have created it first: then it must fit as well.
    if (created) return 'created';
  }
  const count = existing ?? (await partitionCount(admin, topic));
  if (count !== keyGroups) {
    throw new Error(
      `repartition topic ${topic} has ${count ?? 'no'} partitions, the job needs ${keyGroups} (one per key group, maxParallelism): ` +
        'it was made for another maxParallelism; delete it (the job must then start without its checkpoints) or keep the former maxParallelism',
    );
  }
  return 'existed';
}

async function partitionCount(admin: Admin, topic: string): Promise<number | undefined> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return undefined;
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0]?.partitions.length;
}

const EPOCH = 'sluice-epoch';
const PRODUCER = 'sluice-producer';
const BARRIER = 'sluice-barrier';

/** The headers of a record (or, with `barrier`, a barrier) of a repartition topic. */
export function repartitionHeaders({ epoch, producer, barrier }: RepartitionHeaders): IHeaders {
  const headers: IHeaders = { [EPOCH]: String(epoch), [PRODUCER]: String(producer) };
  if (barrier !== undefined) headers[BARRIER] = String(barrier);
  return headers;
}

/** The headers of a record read from a repartition topic; a record without them (another writer's) is refused, naming where it is. */
export function readRepartitionHeaders(headers: IHeaders | undefined, where: string): RepartitionHeaders {
  const number = (name: string, optional: boolean): number | undefined => {
    const raw = headers?.[name];
    if (raw === undefined && optional) return undefined;
    const text = Buffer.isBuffer(raw) ? raw.toString() : typeof raw === 'string' ? raw : undefined;
    if (text === undefined || !/^\d{1,15}$/.test(text)) throw new Error(`${where} is not a repartition record of Sluice: header '${name}' is ${JSON.stringify(text ?? raw ?? null)}, not a number`);
    return Number(text);
  };
  const barrier = number(BARRIER, true);
  return { epoch: number(EPOCH, false)!, producer: number(PRODUCER, false)!, ...(barrier !== undefined ? { barrier } : {}) };
}
