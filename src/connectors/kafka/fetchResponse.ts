/**
 * Fetch responses (versions 4 to 11) decoded in one pass, read_committed, into columns over the
 * response's own bytes. kafkajs 2.2.4 decodes each record into an object of its own (offset and
 * timestamp as Long, then strings; key, value and every header a Buffer; a headers object
 * rebuilt per header; the batch context spread per record): the profile of Kafka → map → Kafka
 * put its fetch decoding first among what was left of the source (docs/benchmarks.md, "Where
 * the time goes"). Here a partition's kept records are positions in typed arrays: a value is
 * read as text straight from the response buffer, and keys, values and headers become Buffers
 * only when a deserializer asks for them.
 *
 * read_committed as the Java consumer does it (Fetcher/CompletedFetch): aborted transactions in
 * order of first offset; before a batch of a producer, the aborted transactions starting at or
 * before its last offset mark their producers aborted; a transactional batch of an aborted
 * producer is skipped; an ABORT marker ends its producer's aborted state; control batches are
 * skipped. kafkajs's own filter takes the broker's list in the order given (not sorted) and lets
 * aborted records through when transactions of several producers interleave.
 *
 * What is not decoded is refused, naming it: message formats before v2 (magic 0 and 1), Fetch
 * versions before 4 (no read_committed) or after 11 (not written here), compression codecs
 * kafkajs has none for. specs/connectors/kafka/fetchResponseOnBroker.spec.ts compares every
 * kept record and next offset with kafkajs's decoder on the same responses of a real broker;
 * fetchResponse.spec.ts decodes record sets built byte for byte.
 */
import { readInt64, Reader } from './protocolReader';

/** Record headers as kafkajs gives them: a repeated key's values in an array, in order. */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** An aborted transaction as a fetch response lists it: its producer and first offset. */
export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
}

/** One partition of a Fetch response, its records not decoded yet. */
export interface FetchResponsePartition {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: number;
  /** -1 when the broker does not say (it always does from version 4). */
  readonly lastStableOffset: number;
  readonly abortedTransactions: readonly AbortedTransaction[];
  /** The record set, a view of the response (no copy); empty when none. */
  readonly recordSet: Buffer;
}

/** A Fetch response in the shape kafkajs's `parse` checks (its errors thrown as kafkajs throws them). */
export interface FetchResponse {
  readonly throttleTime: number;
  readonly clientSideThrottleTime: number;
  readonly errorCode: number;
  readonly responses: readonly { readonly topicName: string; readonly partitions: readonly FetchResponsePartition[] }[];
}

export const FIRST_FETCH_VERSION = 4;
export const LAST_FETCH_VERSION = 11;

/** The topics and partitions of a Fetch response (versions 4 to 11); record sets are views of `payload`. */
export function decodeFetchResponse(payload: Buffer, version: number): FetchResponse {
  if (version < FIRST_FETCH_VERSION || version > LAST_FETCH_VERSION) {
    throw new Error(`Fetch version ${version} is not decoded (versions ${FIRST_FETCH_VERSION} to ${LAST_FETCH_VERSION} are; read_committed needs 4)`);
  }
  const r = new Reader(payload);
  const clientSideThrottleTime = r.int32();
  const errorCode = version >= 7 ? r.int16() : 0;
  if (version >= 7) r.int32(); // session id: the source opens no fetch session
  const topics = r.int32();
  const responses: { topicName: string; partitions: FetchResponsePartition[] }[] = [];
  for (let t = 0; t < topics; t++) {
    const topicName = r.string();
    const count = r.int32();
    const partitions: FetchResponsePartition[] = [];
    for (let p = 0; p < count; p++) {
      const partition = r.int32();
      const partitionError = r.int16();
      const highWatermark = r.int64();
      const lastStableOffset = r.int64();
      if (version >= 5) r.int64(); // log start offset
      const abortedCount = r.int32();
      const abortedTransactions: AbortedTransaction[] = [];
      for (let a = 0; a < abortedCount; a++) abortedTransactions.push({ producerId: r.int64(), firstOffset: r.int64() });
      if (version >= 11) r.int32(); // preferred read replica
      const size = r.int32();
      const recordSet = size > 0 ? r.bytes(size) : payload.subarray(0, 0);
      partitions.push({ partition, errorCode: partitionError, highWatermark, lastStableOffset, abortedTransactions, recordSet });
    }
    responses.push({ topicName, partitions });
  }
  return { throttleTime: 0, clientSideThrottleTime, errorCode, responses };
}

/** Decompresses a batch's records (codec = attributes & 7), as kafkajs's registered codec does. */
export type Decompress = (codec: number, compressed: Buffer) => Promise<Buffer>;

/** A partition's records a read_committed reader keeps, from one record set. */
export interface ReadCommittedRecords {
  readonly records: FetchedRecords;
  /** The offset after the last batch the record set held whole (kept or not), or fetchOffset when none. */
  readonly nextOffset: number;
}

const MAGIC_OFFSET = 16;
/** Base offset and batch length: what precedes a batch's length-counted bytes. */
const LOG_OVERHEAD = 12;
/** Bytes of a batch before its records: base offset to record count. */
const BATCH_HEADER = 61;
const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
/** Type of a control record whose key says its transaction was aborted (1 is commit). */
const CONTROL_ABORT = 0;

/**
 * The records of one partition's record set at or after `fetchOffset` that a read_committed
 * reader may see. A batch cut off at the end of the set (the broker fills up to the byte limit)
 * is left for the next fetch.
 */
export async function readCommittedRecords(recordSet: Buffer, fetchOffset: number, aborted: readonly AbortedTransaction[], decompress: Decompress): Promise<ReadCommittedRecords> {
  const capacity = countRecords(recordSet);
  const out = new FetchedRecords(capacity);
  const pendingAborts = aborted.length > 1 ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : aborted;
  let nextAbort = 0;
  const abortedProducers = new Set<number>();
  let nextOffset = fetchOffset;
  let pos = 0;
  while (pos + LOG_OVERHEAD <= recordSet.length) {
    const batchEnd = pos + LOG_OVERHEAD + recordSet.readInt32BE(pos + 8);
    if (batchEnd > recordSet.length || batchEnd - pos < BATCH_HEADER) break; // a batch cut off: fetched again next time
    const magic = recordSet.readInt8(pos + MAGIC_OFFSET);
    if (magic !== 2) throw new Error(`a record batch of message format v${magic} at offset ${readInt64(recordSet, pos)}: only v2 (magic 2) is decoded`);
    const baseOffset = readInt64(recordSet, pos);
    const attributes = recordSet.readInt16BE(pos + 21);
    const lastOffset = baseOffset + recordSet.readInt32BE(pos + 23);
    const producerId = readInt64(recordSet, pos + 43);
    const count = recordSet.readInt32BE(pos + 57);
    const batchStart = pos;
    pos = batchEnd;
    if (lastOffset < fetchOffset) continue;
    nextOffset = lastOffset + 1;
    if (producerId >= 0) {
      while (nextAbort < pendingAborts.length && pendingAborts[nextAbort].firstOffset <= lastOffset) abortedProducers.add(pendingAborts[nextAbort++].producerId);
      if ((attributes & CONTROL) !== 0) {
        if (count > 0 && controlType(recordSet, batchStart + BATCH_HEADER, batchEnd, attributes) === CONTROL_ABORT) abortedProducers.delete(producerId);
      } else if ((attributes & TRANSACTIONAL) !== 0 && abortedProducers.has(producerId)) continue;
    }
    if ((attributes & CONTROL) !== 0) continue;
    const codec = attributes & COMPRESSION_MASK;
    const baseTimestamp = readInt64(recordSet, batchStart + 27);
    const maxTimestamp = (attributes & LOG_APPEND_TIME) !== 0 ? readInt64(recordSet, batchStart + 35) : -1;
    if (codec === 0) {
      out.addBatch(recordSet, batchStart + BATCH_HEADER, batchEnd, count, baseOffset, baseTimestamp, maxTimestamp, fetchOffset);
    } else {
      const records = await decompress(codec, recordSet.subarray(batchStart + BATCH_HEADER, batchEnd));
      out.addBatch(records, 0, records.length, count, baseOffset, baseTimestamp, maxTimestamp, fetchOffset);
    }
  }
  return { records: out, nextOffset };
}

/** Records in the whole batches of a record set, from their headers: the columns' size. */
function countRecords(recordSet: Buffer): number {
  let n = 0;
  let pos = 0;
  while (pos + LOG_OVERHEAD <= recordSet.length) {
    const batchEnd = pos + LOG_OVERHEAD + recordSet.readInt32BE(pos + 8);
    if (batchEnd > recordSet.length || batchEnd - pos < BATCH_HEADER) break;
    n += Math.max(0, recordSet.readInt32BE(pos + 57));
    pos = batchEnd;
  }
  return n;
}

/** The type in the key of a control batch's first record (int16 version, int16 type); -1 when unreadable. */
function controlType(buffer: Buffer, start: number, end: number, attributes: number): number {
  if ((attributes & COMPRESSION_MASK) !== 0) throw new Error('a compressed control batch: control batches are never compressed');
  const r = new Reader(buffer, start);
  r.varint(); // record length
  r.pos += 1; // attributes
  r.varlong(); // timestamp delta
  r.varint(); // offset delta
  const keyLength = r.varint();
  return keyLength >= 4 && r.pos + 4 <= end ? buffer.readInt16BE(r.pos + 2) : -1;
}

/**
 * One fetch's kept records of one partition, as columns: positions into the response (or a
 * decompressed batch), read only when asked for.
 */
export class FetchedRecords {
  /** Kept records. */
  length = 0;
  private readonly buffers: Buffer[] = [];
  private readonly bufferOf: Uint16Array;
  private readonly offsets: Float64Array;
  private readonly timestamps: Float64Array;
  /** Per record: key start, key length (-1 null), value start, value length (-1 null), headers start, record end. */
  private readonly positions: Int32Array;

  constructor(capacity: number) {
    this.bufferOf = new Uint16Array(capacity);
    this.offsets = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.positions = new Int32Array(capacity * 6);
  }

  offset(i: number): number {
    return this.offsets[i];
  }

  /** Milliseconds since the epoch: the batch's max timestamp under log-append time, else the record's own. */
  timestamp(i: number): number {
    return this.timestamps[i];
  }

  key(i: number): Buffer | null {
    return this.slice(i, 0);
  }

  value(i: number): Buffer | null {
    return this.slice(i, 2);
  }

  /** The value as UTF-8 text, decoded from the response without a Buffer of its own. */
  valueText(i: number): string | null {
    return this.text(i, 2);
  }

  keyText(i: number): string | null {
    return this.text(i, 0);
  }

  /** The record's headers, decoded now (kafkajs's shape: a repeated key's values in an array). */
  headers(i: number): KafkaHeaders {
    const buffer = this.buffers[this.bufferOf[i]];
    const r = new Reader(buffer, this.positions[i * 6 + 4]);
    const count = r.varint();
    const headers: KafkaHeaders = {};
    for (let h = 0; h < count; h++) {
      const keyLength = r.varint();
      const key = String(keyLength < 0 ? null : buffer.toString('utf8', r.pos, (r.pos += keyLength)));
      const valueLength = r.varint();
      const value = valueLength < 0 ? null : buffer.subarray(r.pos, (r.pos += valueLength));
      const before = headers[key];
      const next = (before === undefined ? value : Array.isArray(before) ? before.concat([value as Buffer]) : [before, value]) as KafkaHeaders[string];
      Object.defineProperty(headers, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    if (r.pos > this.positions[i * 6 + 5]) throw new Error(`the headers of the record at offset ${this.offsets[i]} run past the record`);
    return headers;
  }

  private slice(i: number, field: 0 | 2): Buffer | null {
    const length = this.positions[i * 6 + field + 1];
    if (length < 0) return null;
    const start = this.positions[i * 6 + field];
    return this.buffers[this.bufferOf[i]].subarray(start, start + length);
  }

  private text(i: number, field: 0 | 2): string | null {
    const length = this.positions[i * 6 + field + 1];
    if (length < 0) return null;
    const start = this.positions[i * 6 + field];
    return utf8(this.buffers[this.bufferOf[i]], start, start + length);
  }

  /** @internal Adds the records of one batch (`count` of them in buffer[start, end)) at or after fetchOffset. */
  addBatch(buffer: Buffer, start: number, end: number, count: number, baseOffset: number, baseTimestamp: number, maxTimestamp: number, fetchOffset: number): void {
    let index = this.buffers.indexOf(buffer);
    if (index < 0) index = this.buffers.push(buffer) - 1;
    if (index > 0xffff) throw new Error(`a fetched partition of more than ${0xffff} compressed batches: not decoded`);
    const r = new Reader(buffer, start);
    const positions = this.positions;
    for (let k = 0; k < count; k++) {
      const length = r.varint();
      const recordEnd = r.pos + length;
      if (length < 0 || recordEnd > end) throw new Error(`a record of the batch at offset ${baseOffset} runs past its batch (record ${k} of ${count})`);
      r.pos += 1; // attributes: unused
      const timestampDelta = r.varlong();
      const offset = baseOffset + r.varint();
      const keyLength = r.varint();
      const keyStart = r.pos;
      if (keyLength > 0) r.pos += keyLength;
      const valueLength = r.varint();
      const valueStart = r.pos;
      if (valueLength > 0) r.pos += valueLength;
      const headersStart = r.pos;
      if (r.pos > recordEnd) throw new Error(`the record at offset ${offset} runs past its length`);
      r.pos = recordEnd;
      if (offset < fetchOffset) continue;
      const n = this.length++;
      if (n >= this.offsets.length) throw new Error(`a record set holds more records than its batch headers count (${this.offsets.length})`);
      this.bufferOf[n] = index;
      this.offsets[n] = offset;
      this.timestamps[n] = maxTimestamp >= 0 ? maxTimestamp : baseTimestamp + timestampDelta;
      const p = n * 6;
      positions[p] = keyStart;
      positions[p + 1] = keyLength;
      positions[p + 2] = valueStart;
      positions[p + 3] = valueLength;
      positions[p + 4] = headersStart;
      positions[p + 5] = recordEnd;
    }
  }
}

type Utf8Slice = (this: Buffer, start: number, end: number) => string;
/**
 * UTF-8 text of buffer[start, end). Node's Buffer#utf8Slice (what toString('utf8', …) calls
 * after checking its arguments) is half the cost of toString on values of ~50 bytes (80 against
 * 170 ns); it is not documented, so toString stands in where it is missing.
 */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice;
const utf8: (buffer: Buffer, start: number, end: number) => string =
  typeof utf8Slice === 'function' ? (buffer, start, end) => utf8Slice.call(buffer, start, end) : (buffer, start, end) => buffer.toString('utf8', start, end);
