/**
 * The batch serializers the exchange benchmark compares, each once per batch: V8's structured
 * clone (what `postMessage` does to a plain batch; `v8.serialize` where bytes are needed), the
 * runtime's own (a batch in columns where its records allow, src/cluster/batchColumns.ts, then
 * a structured clone),
 * msgpackr with its records extension (each batch carries the shapes of its objects, so
 * batches decode alone), JSON, and a typed serializer written by hand for each payload's
 * schema (the ceiling a per-stream serializer could reach).
 */
import * as v8 from 'v8';
import { Packr, Unpackr } from 'msgpackr';
import { Batch, PayloadId } from './payloads';
import { Columns, fromColumns, toColumns } from '../../src/cluster/batchColumns';

export type CodecId = 'clone' | 'columns' | 'msgpackr' | 'json' | 'typed';
export const CODECS: readonly CodecId[] = ['clone', 'columns', 'msgpackr', 'json', 'typed'];

export interface Codec {
  /** What a MessagePort carries for `batch`, and the buffers to transfer with it. */
  toMessage(batch: Batch): { readonly message: unknown; readonly transfer: ArrayBuffer[] };
  fromMessage(message: unknown): Batch;
  /** The batch as bytes (a ring buffer carries only bytes). */
  toBytes(batch: Batch): Uint8Array;
  fromBytes(bytes: Uint8Array): Batch;
}

/** A copy of `bytes` in an ArrayBuffer of its own, so that it can be transferred. */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer) ? bytes : bytes.slice();
}

function bytesCodec(toBytes: (batch: Batch) => Uint8Array, fromBytes: (bytes: Uint8Array) => Batch): Codec {
  return {
    toMessage: (batch) => {
      const bytes = owned(toBytes(batch));
      return { message: bytes, transfer: [bytes.buffer as ArrayBuffer] };
    },
    fromMessage: (message) => fromBytes(message as Uint8Array),
    toBytes,
    fromBytes,
  };
}

const clone: Codec = {
  toMessage: (batch) => ({ message: batch, transfer: [] }),
  fromMessage: (message) => message as Batch,
  toBytes: (batch) => v8.serialize(batch),
  fromBytes: (bytes) => v8.deserialize(bytes) as Batch,
};

function msgpackr(): Codec {
  // Records extension on, no shared structures: each batch defines its shapes once and decodes alone.
  const packr = new Packr({ useRecords: true });
  const unpackr = new Unpackr({ useRecords: true });
  return bytesCodec(
    (batch) => packr.pack([batch.records, batch.timestamps]),
    (bytes) => {
      const [records, timestamps] = unpackr.unpack(bytes) as [unknown[], number[]];
      return { records, timestamps };
    },
  );
}

const json: Codec = {
  toMessage: (batch) => ({ message: JSON.stringify(batch), transfer: [] }),
  fromMessage: (message) => JSON.parse(message as string) as Batch,
  toBytes: (batch) => Buffer.from(JSON.stringify(batch), 'utf8'),
  fromBytes: (bytes) => JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Batch,
};

/** The schema of one payload's records, for the typed serializer. */
type Field = 'f64' | 'string' | { readonly tuple: readonly Field[] } | { readonly object: readonly (readonly [string, Field])[] };

const SCHEMAS: Record<PayloadId, Field> = {
  numbers: 'f64',
  bids: {
    object: [
      ['auction', 'f64'],
      ['bidder', 'f64'],
      ['price', 'f64'],
      ['channel', 'string'],
      ['url', 'string'],
      ['dateTime', 'f64'],
      ['extra', 'string'],
    ],
  },
  tuples: { tuple: ['string', 'f64'] },
  strings: 'string',
};

/** Grows as needed and is reused from batch to batch; `take` copies out what was written. */
class ByteWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }

  f64(n: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, n, true);
    this.pos += 8;
  }

  string(s: string): void {
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.view.setUint32(this.pos, n, true);
    this.pos += 4 + n;
  }

  take(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

class ByteReader {
  private readonly buf: Buffer;
  private readonly view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  f64(): number {
    const n = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return n;
  }

  string(): string {
    const n = this.view.getUint32(this.pos, true);
    const s = this.buf.toString('utf8', this.pos + 4, this.pos + 4 + n);
    this.pos += 4 + n;
    return s;
  }
}

function write(w: ByteWriter, field: Field, value: unknown): void {
  if (field === 'f64') return w.f64(value as number);
  if (field === 'string') return w.string(value as string);
  if ('tuple' in field) {
    const tuple = value as unknown[];
    for (let i = 0; i < field.tuple.length; i++) write(w, field.tuple[i], tuple[i]);
    return;
  }
  const object = value as Record<string, unknown>;
  for (let i = 0; i < field.object.length; i++) write(w, field.object[i][1], object[field.object[i][0]]);
}

function read(r: ByteReader, field: Field): unknown {
  if (field === 'f64') return r.f64();
  if (field === 'string') return r.string();
  if ('tuple' in field) {
    const tuple: unknown[] = [];
    for (let i = 0; i < field.tuple.length; i++) tuple.push(read(r, field.tuple[i]));
    return tuple;
  }
  const object: Record<string, unknown> = {};
  for (let i = 0; i < field.object.length; i++) object[field.object[i][0]] = read(r, field.object[i][1]);
  return object;
}

function typed(payload: PayloadId): Codec {
  const schema = SCHEMAS[payload];
  const writer = new ByteWriter();
  return bytesCodec(
    (batch) => {
      writer.f64(batch.records.length);
      for (let i = 0; i < batch.records.length; i++) write(writer, schema, batch.records[i]);
      for (let i = 0; i < batch.timestamps.length; i++) writer.f64(batch.timestamps[i]);
      return writer.take();
    },
    (bytes) => {
      const reader = new ByteReader(bytes);
      const n = reader.f64();
      const records: unknown[] = new Array(n);
      const timestamps: number[] = new Array(n);
      for (let i = 0; i < n; i++) records[i] = read(reader, schema);
      for (let i = 0; i < n; i++) timestamps[i] = reader.f64();
      return { records, timestamps };
    },
  );
}

/** What BatchSender posts: the batch in columns where its records allow, else as it is; timestamps in a Float64Array. */
const columns: Codec = {
  toMessage: (batch) => ({ message: { columns: toColumns(batch.records) ?? batch.records, timestamps: new Float64Array(batch.timestamps) }, transfer: [] }),
  fromMessage: (message) => {
    const m = message as { columns: Columns | unknown[]; timestamps: Float64Array };
    return { records: Array.isArray(m.columns) ? m.columns : fromColumns(m.columns), timestamps: Array.from(m.timestamps) };
  },
  toBytes: (batch) => v8.serialize(columns.toMessage(batch).message),
  fromBytes: (bytes) => columns.fromMessage(v8.deserialize(bytes)),
};

export function makeCodec(id: CodecId, payload: PayloadId): Codec {
  switch (id) {
    case 'clone':
      return clone;
    case 'columns':
      return columns;
    case 'msgpackr':
      return msgpackr();
    case 'json':
      return json;
    case 'typed':
      return typed(payload);
  }
}
