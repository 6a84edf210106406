/**
 * The body of a Produce request (versions 3 to 7 share it), records encoded in one pass into
 * one buffer. kafkajs 2.2.4 builds a request by allocating an encoder per record and copying
 * it into the batch, then the batch into the request, and groups a send's messages per
 * partition by copying the partition's array once per message: the profile of Kafka → map →
 * Kafka put 45% of the job's CPU there, and a fifth in the garbage collector. The wire format
 * is Kafka's (RecordBatch v2, magic 2); specs/connectors/kafka/produceRequest.spec.ts reads
 * what this writes back with kafkajs's own decoders.
 */
import type { IHeaders } from 'kafkajs';

/** One record as a sink hands it over: key and value as text or bytes. */
export interface OutgoingRecord {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: IHeaders;
  /** Milliseconds since the epoch, as text (kafkajs's convention); default: when the batch is encoded. */
  readonly timestamp?: string;
}

/** One partition's records and the producer state its batch carries. */
export interface PartitionRecords {
  readonly partition: number;
  readonly records: readonly OutgoingRecord[];
  /** The idempotent producer's sequence number of the first record. */
  readonly firstSequence: number;
}

export interface ProduceRequestBody {
  /** Null for a producer outside transactions. */
  readonly transactionalId: string | null;
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly acks: number;
  readonly timeoutMs: number;
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly PartitionRecords[] }[];
  /** The time of records without one (default Date.now()). */
  readonly now?: number;
}

const MAGIC = 2;
const TRANSACTIONAL = 0x10;
/** Bytes of a batch before its records: base offset to record count. */
const BATCH_HEADER = 61;
/** From the start of the batch to the first byte the CRC covers (attributes). */
const CRC_START = 21;

const sizeOfVarInt = (value: number): number => {
  let z = zigZag(value);
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
};

/** ZigZag of a safe integer, as a non-negative number (no 32-bit overflow). */
const zigZag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);

function writeVarInt(buffer: Buffer, offset: number, value: number): number {
  let z = zigZag(value);
  while (z >= 0x80) {
    buffer[offset++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buffer[offset++] = z;
  return offset;
}

const byteLength = (data: string | Buffer): number => (typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length);

function writeData(buffer: Buffer, offset: number, data: string | Buffer, length: number): number {
  if (typeof data === 'string') buffer.write(data, offset, length, 'utf8');
  else data.copy(buffer, offset);
  return offset + length;
}

/** Headers as Kafka lists them: a key may repeat (an array value in kafkajs's IHeaders). */
function headerList(headers: IHeaders | undefined): [string, string | Buffer | null][] {
  if (headers === undefined) return [];
  const list: [string, string | Buffer | null][] = [];
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (Array.isArray(value)) for (const v of value) list.push([key, v]);
    else list.push([key, value ?? null]);
  }
  return list;
}

/** Byte lengths of one record's parts, measured once for sizing and reused for writing. */
interface Measured {
  readonly keyLength: number;
  readonly valueLength: number;
  readonly timestampDelta: number;
  readonly headers: [string, string | Buffer | null][];
  readonly bodyLength: number;
}

function measure(record: OutgoingRecord, offsetDelta: number, timestampDelta: number): Measured {
  const keyLength = record.key == null ? -1 : byteLength(record.key);
  const valueLength = record.value === null ? -1 : byteLength(record.value);
  const headers = headerList(record.headers);
  let bodyLength =
    1 + sizeOfVarInt(timestampDelta) + sizeOfVarInt(offsetDelta) + sizeOfVarInt(keyLength) + Math.max(keyLength, 0) + sizeOfVarInt(valueLength) + Math.max(valueLength, 0) + sizeOfVarInt(headers.length);
  for (const [key, value] of headers) {
    const k = Buffer.byteLength(key, 'utf8');
    const v = value === null ? -1 : byteLength(value);
    bodyLength += sizeOfVarInt(k) + k + sizeOfVarInt(v) + Math.max(v, 0);
  }
  return { keyLength, valueLength, timestampDelta, headers, bodyLength };
}

/** One partition's RecordBatch (v2, uncompressed). */
function encodeBatch(part: PartitionRecords, body: ProduceRequestBody, now: number): Buffer {
  const { records } = part;
  let first = Infinity;
  let max = -Infinity;
  for (const r of records) {
    const ts = r.timestamp === undefined ? now : Number(r.timestamp);
    if (ts < first) first = ts;
    if (ts > max) max = ts;
  }
  const measured: Measured[] = new Array(records.length);
  let size = BATCH_HEADER;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const m = measure(r, i, (r.timestamp === undefined ? now : Number(r.timestamp)) - first);
    measured[i] = m;
    size += sizeOfVarInt(m.bodyLength) + m.bodyLength;
  }
  const buffer = Buffer.allocUnsafe(size);
  buffer.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
  buffer.writeInt32BE(size - 12, 8); // length of what follows this field
  buffer.writeInt32BE(-1, 12); // partition leader epoch: the broker's to set
  buffer.writeInt8(MAGIC, 16);
  // 17: CRC, written last
  buffer.writeInt16BE(body.transactionalId === null ? 0 : TRANSACTIONAL, 21);
  buffer.writeInt32BE(records.length - 1, 23);
  buffer.writeBigInt64BE(BigInt(first), 27);
  buffer.writeBigInt64BE(BigInt(max), 35);
  buffer.writeBigInt64BE(BigInt(body.producerId), 43);
  buffer.writeInt16BE(body.producerEpoch, 51);
  buffer.writeInt32BE(part.firstSequence, 53);
  buffer.writeInt32BE(records.length, 57);
  let offset = BATCH_HEADER;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const m = measured[i];
    offset = writeVarInt(buffer, offset, m.bodyLength);
    buffer[offset++] = 0; // record attributes: none are used
    offset = writeVarInt(buffer, offset, m.timestampDelta);
    offset = writeVarInt(buffer, offset, i);
    offset = writeVarInt(buffer, offset, m.keyLength);
    if (r.key != null) offset = writeData(buffer, offset, r.key, m.keyLength);
    offset = writeVarInt(buffer, offset, m.valueLength);
    if (r.value !== null) offset = writeData(buffer, offset, r.value, m.valueLength);
    offset = writeVarInt(buffer, offset, m.headers.length);
    for (const [key, value] of m.headers) {
      const k = Buffer.byteLength(key, 'utf8');
      offset = writeVarInt(buffer, offset, k);
      offset = writeData(buffer, offset, key, k);
      if (value === null) offset = writeVarInt(buffer, offset, -1);
      else {
        const v = byteLength(value);
        offset = writeVarInt(buffer, offset, v);
        offset = writeData(buffer, offset, value, v);
      }
    }
  }
  buffer.writeUInt32BE(crc32c(buffer, CRC_START, size), 17);
  return buffer;
}

/** The request body of Produce v3–v7: transactional id, acks, timeout, then each topic's partitions' batches. */
export function encodeProduceRequest(body: ProduceRequestBody): Buffer {
  const now = body.now ?? Date.now();
  const batches = body.topics.map(({ topic, partitions }) => ({ topic, batches: partitions.map((p) => ({ partition: p.partition, batch: encodeBatch(p, body, now) })) }));
  const id = body.transactionalId;
  let size = 2 + (id === null ? 0 : Buffer.byteLength(id, 'utf8')) + 2 + 4 + 4;
  for (const t of batches) {
    size += 2 + Buffer.byteLength(t.topic, 'utf8') + 4;
    for (const b of t.batches) size += 4 + 4 + b.batch.length;
  }
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  if (id === null) offset = buffer.writeInt16BE(-1, offset);
  else {
    offset = buffer.writeInt16BE(Buffer.byteLength(id, 'utf8'), offset);
    offset += buffer.write(id, offset, 'utf8');
  }
  offset = buffer.writeInt16BE(body.acks, offset);
  offset = buffer.writeInt32BE(body.timeoutMs, offset);
  offset = buffer.writeInt32BE(batches.length, offset);
  for (const t of batches) {
    offset = buffer.writeInt16BE(Buffer.byteLength(t.topic, 'utf8'), offset);
    offset += buffer.write(t.topic, offset, 'utf8');
    offset = buffer.writeInt32BE(t.batches.length, offset);
    for (const b of t.batches) {
      offset = buffer.writeInt32BE(b.partition, offset);
      offset = buffer.writeInt32BE(b.batch.length, offset);
      offset += b.batch.copy(buffer, offset);
    }
  }
  return buffer;
}

/** CRC-32C (Castagnoli), as RecordBatch v2 checks it, of buffer[start, end). */
export function crc32c(buffer: Buffer, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC32C_TABLE[(crc ^ buffer[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const CRC32C_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();
