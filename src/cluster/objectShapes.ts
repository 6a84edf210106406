/**
 * The column encoder and decoder of one object shape (its own keys, in order), compiled once
 * per shape and kept: the hot loop of batchColumns.ts. A compiled function reads and writes
 * each property by its name, so every property access site sees one key and one hidden class
 * (a loop over the key list makes them megamorphic), and it checks each record's keys with a
 * `for…in` over the object's enumeration cache instead of allocating `Object.keys` per record.
 * Measured on the keyed benchmark's trades, 512 a batch, thread CPU per record: encoding 70 →
 * 35 ns, decoding 60 → 15 ns (docs/internals.md, "Exchange between threads").
 *
 * Keys enter the generated code only as JSON string literals, so a key cannot inject code.
 * `__proto__` never comes here (set back by a literal it would set the prototype).
 */

/**
 * Fills `columns` from `records`: a column given as a Float64Array (of the batch's length) takes
 * numbers, and turns into an array of the values as they are at its first value that is not a
 * number; a column given as an empty array takes the values as they are.
 * False when a record is not a plain object with exactly the shape's keys in order.
 */
export type ShapeEncoder = (records: readonly unknown[], columns: Array<Float64Array | unknown[]>) => boolean;

/** The `count` records again, each a fresh plain object with the shape's keys in order. */
export type ShapeDecoder = (columns: ReadonlyArray<Float64Array | readonly unknown[]>, count: number) => unknown[];

/** Shapes kept per thread, encoders and decoders each: a stream has a few; beyond this many, new shapes take the generic loops. */
export const MAX_SHAPES = 256;

const encoders = new Map<string, ShapeEncoder>();
const decoders = new Map<string, ShapeDecoder>();

/** The shape's key in the caches: unambiguous whatever the keys hold. */
const shapeId = (keys: readonly string[]): string => JSON.stringify(keys);

function cached<F>(cache: Map<string, F>, keys: readonly string[], compile: (keys: readonly string[]) => F, generic: F): F {
  const id = shapeId(keys);
  const known = cache.get(id);
  if (known !== undefined) return known;
  if (cache.size >= MAX_SHAPES) return generic;
  let compiled: F;
  try {
    compiled = compile(keys);
  } catch {
    // Code generation refused (node --disallow-code-generation-from-strings): the generic loop, for good.
    compiled = generic;
  }
  cache.set(id, compiled);
  return compiled;
}

/** A record is a plain object here when `constructor` is Object: an array, a Date, a Map, a boxed value, a class instance or a null-prototype object is not. */
export function encoderOf(keys: readonly string[]): ShapeEncoder {
  return cached(encoders, keys, compileEncoder, (records, columns) => encodeGeneric(keys, records, columns));
}

export function decoderOf(keys: readonly string[]): ShapeDecoder {
  return cached(decoders, keys, compileDecoder, (columns, count) => decodeGeneric(keys, columns, count));
}

function compileEncoder(keys: readonly string[]): ShapeEncoder {
  const literal = keys.map((k) => JSON.stringify(k));
  const perKey = literal.map(
    (name, j) => `
      const v${j} = r[${name}];
      if (g${j} === false && typeof v${j} === 'number') c${j}[i] = v${j};
      else {
        if (g${j} === false) { c${j} = Array.from(c${j}.subarray(0, i)); columns[${j}] = c${j}; g${j} = true; }
        c${j}[i] = v${j};
      }`,
  );
  const source = `
    const keys = [${literal.join(', ')}];
    return function encodeShape(records, columns) {
      const n = records.length;
      ${keys.map((_, j) => `let c${j} = columns[${j}], g${j} = !(c${j} instanceof Float64Array);`).join('\n')}
      for (let i = 0; i < n; i++) {
        const r = records[i];
        if (typeof r !== 'object' || r === null || r.constructor !== Object) return false;
        let j = 0;
        for (const k in r) {
          if (k !== keys[j]) return false;
          j++;
        }
        if (j !== ${keys.length}) return false;
        ${perKey.join('\n')}
      }
      return true;
    };`;
  return new Function(source)() as ShapeEncoder;
}

function compileDecoder(keys: readonly string[]): ShapeDecoder {
  const source = `
    return function decodeShape(columns, count) {
      ${keys.map((_, j) => `const c${j} = columns[${j}];`).join('\n')}
      const records = new Array(count);
      for (let i = 0; i < count; i++) records[i] = { ${keys.map((k, j) => `${JSON.stringify(k)}: c${j}[i]`).join(', ')} };
      return records;
    };`;
  return new Function(source)() as ShapeDecoder;
}

/** The same as a compiled encoder, by loops over the key list. */
function encodeGeneric(keys: readonly string[], records: readonly unknown[], columns: Array<Float64Array | unknown[]>): boolean {
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || r.constructor !== Object) return false;
    let j = 0;
    for (const k in r) {
      if (k !== keys[j]) return false;
      j++;
    }
    if (j !== keys.length) return false;
    for (let j = 0; j < keys.length; j++) {
      const v = r[keys[j]];
      const column = columns[j];
      if (column instanceof Float64Array) {
        if (typeof v === 'number') {
          column[i] = v;
          continue;
        }
        const generic: unknown[] = Array.from(column.subarray(0, i));
        generic.push(v);
        columns[j] = generic;
      } else column.push(v);
    }
  }
  return true;
}

/** The same as a compiled decoder, by loops over the key list. */
function decodeGeneric(keys: readonly string[], columns: ReadonlyArray<Float64Array | readonly unknown[]>, count: number): unknown[] {
  const records = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const o: Record<string, unknown> = {};
    for (let j = 0; j < keys.length; j++) o[keys[j]] = columns[j][i];
    records[i] = o;
  }
  return records;
}
