/**
 * The partition of an outgoing record, as kafkajs's DefaultPartitioner (and the Java client's
 * before sticky partitioning) chooses it: the record's own partition if it names one, else
 * murmur2 of its key (positive) modulo the topic's partitions, else round robin over the
 * partitions with a leader, from a random start per topic. kafkajs computes murmur2 with a
 * 64-bit Long object per step, about 1 CPU µs a record in the exactly-once sink's profile;
 * here it is 32-bit integer arithmetic (Math.imul), the same numbers.
 * specs/connectors/kafka/defaultPartitioner.spec.ts checks it against kafkajs's on random keys.
 */
import { randomBytes } from 'crypto';

export interface PartitionMetadata {
  readonly partitionId: number;
  readonly leader: number;
}

/** What the partitioner reads of a record. */
export interface PartitionedRecord {
  readonly key?: string | Buffer | null;
  readonly partition?: number | null;
}

export type Partitioner = (args: { readonly topic: string; readonly partitionMetadata: readonly PartitionMetadata[]; readonly message: PartitionedRecord }) => number;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of the bytes (a signed 32-bit result), as Utils.murmur2 in the Java client. */
export function murmur2(data: Buffer, length = data.length): number {
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** A key's UTF-8 bytes are written here when they fit (no Buffer per record). */
const scratch = Buffer.allocUnsafe(1024);

/** murmur2 of a key as kafkajs hashes it: a Buffer as is, anything else as the UTF-8 of its text. */
function hashKey(key: string | Buffer): number {
  if (Buffer.isBuffer(key)) return murmur2(key);
  const text = String(key);
  // A string of n UTF-16 units takes at most 3n bytes: it fits when 3n does.
  if (text.length * 3 <= scratch.length) return murmur2(scratch, scratch.write(text, 0, 'utf8'));
  return murmur2(Buffer.from(text, 'utf8'));
}

const toPositive = (x: number) => x & 0x7fffffff;

/** A partitioner with its own round-robin counters (one per topic, each from a random start). */
export function defaultPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return toPositive(hashKey(message.key)) % partitionMetadata.length;
    const counter = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[toPositive(counter) % available.length].partitionId;
    // No partition has a leader: a partition anyway (the send fails on it and is retried after fresh metadata).
    return toPositive(counter) % partitionMetadata.length;
  };
}
