/**
 * What a read_committed reader keeps of one fetched partition: records of aborted
 * transactions and control records removed, as the Java consumer does (aborted transactions
 * in order of first offset; a producer's records are skipped from that offset until its
 * ABORT marker). kafkajs 2.2.4's own filter takes the broker's list in the order given, which
 * is not sorted, and lets records of aborted transactions through when transactions of
 * several producers interleave (seen in specs/scenarios/kafkaToKafkaUnderTaskCrashes.spec.ts).
 */
import type { RawKafkaMessage } from './kafkajsInternals';

export interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  /** Records at or after `fetchOffset`, decided: aborted transactions and control records removed. */
  readonly records: readonly { readonly offset: number; readonly message: RawKafkaMessage }[];
  /** The offset after the last record the response covered (kept or not), or fetchOffset when none. */
  readonly nextOffset: number;
}

/** An aborted transaction as a fetch response lists it: its producer and first offset. */
export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** Type of a control record whose key says its transaction was aborted (1 is commit). */
const CONTROL_ABORT = 0;

/** The records of one partition's fetch response a read_committed reader may see. */
export function readCommitted(topic: string, partition: number, fetchOffset: number, messages: readonly RawKafkaMessage[], aborted: readonly AbortedTransaction[]): FetchedPartition {
  const pendingAborts = [...aborted].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset));
  const abortedProducers = new Set<string>();
  const records: { offset: number; message: RawKafkaMessage }[] = [];
  let nextOffset = fetchOffset;
  for (const message of messages) {
    const offset = Number(message.offset);
    if (offset < fetchOffset) continue;
    nextOffset = offset + 1;
    while (pendingAborts.length > 0 && Number(pendingAborts[0].firstOffset) <= offset) abortedProducers.add(String(pendingAborts.shift()!.producerId));
    const producer = String(message.batchContext.producerId);
    if (message.isControlRecord) {
      // Control record key: int16 version, int16 type (0 abort, 1 commit).
      if (message.key !== null && message.key.length >= 4 && message.key.readInt16BE(2) === CONTROL_ABORT) abortedProducers.delete(producer);
      continue;
    }
    if (message.batchContext.inTransaction && abortedProducers.has(producer)) continue;
    records.push({ offset, message });
  }
  return { topic, partition, fetchOffset, records, nextOffset };
}
