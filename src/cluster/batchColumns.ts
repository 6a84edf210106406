/**
 * A batch of records laid out in columns for the trip between threads, when its records allow:
 * numbers in one Float64Array, or plain objects of one shape (the same own keys in the same
 * order) as the key list and one column per key — a Float64Array (views of one buffer) for a
 * key whose value in the first record is a number, until a value that is not; else an array
 * of the values. V8 copies a Float64Array as one block of memory; a batch of small objects
 * costs a structured clone per object and per property (the keyed benchmark's trades, 512 a
 * batch, between two threads: 1.2 µs a record by structured clone, 0.13 µs encoded, posted,
 * received and decoded in columns). What arrives equals what a structured clone would give:
 * own enumerable properties, plain objects (a class instance, an array, a Date, a Map and the
 * like go as they are), every number exact (-0, NaN included). A batch of anything else goes
 * as it is. Each shape's loops are compiled once (objectShapes.ts).
 */
import { decoderOf, encoderOf } from './objectShapes';

/** Records in columns: `count` numbers, or `count` objects with `keys`, column j holding key j's values. */
export type Columns =
  | { readonly shape: 'numbers'; readonly count: number; readonly values: Float64Array }
  | { readonly shape: 'objects'; readonly count: number; readonly keys: readonly string[]; readonly columns: ReadonlyArray<Float64Array | readonly unknown[]> };

function numbersOf(records: readonly unknown[]): Float64Array | undefined {
  const values = new Float64Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (typeof r !== 'number') return undefined;
    values[i] = r;
  }
  return values;
}

function objectsOf(records: readonly unknown[]): Columns | undefined {
  const first = records[0] as Record<string, unknown>;
  if (typeof first !== 'object' || first === null || first.constructor !== Object) return undefined;
  // The shape, once a batch; each record is checked against it by the shape's encoder.
  const keys = Object.keys(first);
  // Set back by assignment, this key would set the prototype instead: such a batch goes as it is.
  if (keys.includes('__proto__')) return undefined;
  const n = records.length;
  // The numbers of every column in one buffer: one allocation, and one block to copy.
  const numeric = keys.filter((k) => typeof first[k] === 'number').length;
  const buffer = new ArrayBuffer(8 * n * numeric);
  let offset = 0;
  const columns = keys.map((k): Float64Array | unknown[] => {
    if (typeof first[k] !== 'number') return [];
    const column = new Float64Array(buffer, offset, n);
    offset += 8 * n;
    return column;
  });
  return encoderOf(keys)(records, columns) ? { shape: 'objects', count: n, keys, columns } : undefined;
}

/** The batch in columns, or undefined when its records do not fit one of the shapes. */
export function toColumns(records: readonly unknown[]): Columns | undefined {
  if (records.length === 0) return undefined;
  if (typeof records[0] === 'number') {
    const values = numbersOf(records);
    return values === undefined ? undefined : { shape: 'numbers', count: records.length, values };
  }
  return objectsOf(records);
}

/**
 * The memory blocks of a batch's number columns, once each, for the message's transfer list:
 * made for this batch alone, they move to the consuming thread instead of being copied there
 * (measured on the keyed benchmark's trades, 1,024 a batch: 88 -> 58 µs of both threads' CPU a
 * batch, encoding and decoding included; docs/task-managers.md, "Where the CPU goes").
 */
export function buffersOf(c: Columns): ArrayBuffer[] {
  if (c.shape === 'numbers') return [c.values.buffer as ArrayBuffer];
  const buffers: ArrayBuffer[] = [];
  for (const column of c.columns) if (column instanceof Float64Array && !buffers.includes(column.buffer as ArrayBuffer)) buffers.push(column.buffer as ArrayBuffer);
  return buffers;
}

/** The records again. */
export function fromColumns(c: Columns): unknown[] {
  if (c.shape === 'numbers') {
    const records = new Array<number>(c.count);
    for (let i = 0; i < c.count; i++) records[i] = c.values[i];
    return records;
  }
  return decoderOf(c.keys)(c.columns, c.count);
}
