/**
 * The reference the source's own Fetch decoding (src/connectors/kafka/fetchResponse.ts) is
 * checked against: kafkajs 2.2.4's decoder of the same response bytes, and the read_committed
 * filter the source used on its records before (the Java consumer's order of aborted
 * transactions; kafkajs's own filter lets aborted records through when producers interleave).
 */
import type { KafkaHeaders } from '../../src/connectors/kafka/fetchResponse';

/** A record as kafkajs decodes it from a fetch response, control and aborted records included. */
interface KafkajsMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers: KafkaHeaders;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

interface KafkajsFetchResponse {
  readonly responses: {
    readonly topicName: string;
    readonly partitions: { readonly partition: number; readonly abortedTransactions?: { producerId: string; firstOffset: string }[]; readonly messages: KafkajsMessage[] }[];
  }[];
}

/** A kept record, as both decoders are compared. */
export interface ReferenceRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
}

/** Type of a control record whose key says its transaction was aborted (1 is commit). */
const CONTROL_ABORT = 0;

/** What kafkajs's decoder and the former filter keep of one partition of a Fetch response payload. */
export async function kafkajsReadCommitted(payload: Buffer, version: number, topic: string, partition: number, fetchOffset: number): Promise<{ records: ReferenceRecord[]; nextOffset: number }> {
  const protocol = require('kafkajs/src/protocol/requests/fetch').protocol({ version }) as (args: object) => { response: { decode: (b: Buffer) => Promise<KafkajsFetchResponse> } };
  const decoded = await protocol({ maxWaitTime: 0, minBytes: 1, maxBytes: 1, topics: [] }).response.decode(payload);
  const found = decoded.responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === partition);
  if (found === undefined) throw new Error(`the response has no ${topic}/${partition}`);
  const pendingAborts = [...(found.abortedTransactions ?? [])].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset));
  const abortedProducers = new Set<string>();
  const records: ReferenceRecord[] = [];
  let nextOffset = fetchOffset;
  for (const message of found.messages) {
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
    records.push({ offset, timestamp: Number(message.timestamp), key: message.key, value: message.value, headers: message.headers });
  }
  return { records, nextOffset };
}
