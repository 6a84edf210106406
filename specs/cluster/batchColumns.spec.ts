import { expect } from 'chai';
import fc from 'fast-check';
import { buffersOf, fromColumns, toColumns } from '../../src/cluster/batchColumns';
import { MAX_SHAPES } from '../../src/cluster/objectShapes';

/** What the other thread gets: the columns (or the records) through a structured clone, the number blocks transferred as BatchSender posts them. */
const across = (records: readonly unknown[]): unknown[] => {
  const columns = toColumns(records);
  return columns === undefined ? structuredClone([...records]) : fromColumns(structuredClone(columns, { transfer: buffersOf(columns) }));
};

/** Equal to what a structured clone gives, down to each object's key order and prototype. */
function expectCloneOf(back: readonly unknown[], records: readonly unknown[]): void {
  const cloned = structuredClone([...records]);
  expect(back).to.deep.equal(cloned);
  back.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) return;
    expect(Object.getPrototypeOf(r)).to.equal(Object.getPrototypeOf(cloned[i]));
    expect(Object.keys(r)).to.deep.equal(Object.keys(cloned[i] as object));
  });
}

/** Values a record may hold: numbers of every kind, strings, and values that are not numbers. */
const value = fc.oneof(
  fc.double(),
  fc.constantFrom(-0, NaN, Infinity, 2 ** 53),
  fc.integer(),
  fc.string(),
  fc.constantFrom(undefined, null, true),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

/** Keys of every kind: quotes, backslashes, line separators, integer-like keys, names of Object.prototype. */
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('0', '7', '"', '\\', '\u2028', '`${x}`', '"]; throw 1; //', 'constructor', 'toString', 'hasOwnProperty'));

describe('cluster/batchColumns: batches in columns between threads', () => {
  it('carries numbers exactly, -0 and NaN included, in one Float64Array', () => {
    const records = [1, -0, NaN, 2 ** 53, -1.5e-300, Infinity];
    expect(toColumns(records)).to.deep.include({ shape: 'numbers', count: 6 });
    const back = across(records) as number[];
    expect(back).to.deep.equal(records);
    expect(Object.is(back[1], -0)).to.equal(true);
  });

  it('carries plain objects of one shape as a key list and a column per key, numbers in Float64Arrays, other values as they are', () => {
    const records = [
      { id: 1, account: 7, amount: 0.1, tags: ['a'], note: 'x' },
      { id: 2, account: 8, amount: -0, tags: [], note: undefined },
    ];
    const columns = toColumns(records);
    expect(columns?.shape).to.equal('objects');
    if (columns?.shape !== 'objects') throw new Error('not objects');
    expect(columns.keys).to.deep.equal(['id', 'account', 'amount', 'tags', 'note']);
    expect(columns.columns.map((c) => c instanceof Float64Array)).to.deep.equal([true, true, true, false, false]);
    expect(across(records)).to.deep.equal(structuredClone(records));
  });

  it('lists each number block once for the transfer list, which moves it and leaves the records as they were', () => {
    const numbers = toColumns([1, 2, 3]);
    if (numbers?.shape !== 'numbers') throw new Error('not numbers');
    expect(buffersOf(numbers)).to.deep.equal([numbers.values.buffer]);
    // Two number columns share one block; the column turned generic at 'x' is no longer a view of it.
    const records = [
      { a: 1, b: 2, c: 3, d: 'd' },
      { a: 4, b: 5, c: 'x', d: 'e' },
    ];
    const objects = toColumns(records);
    if (objects?.shape !== 'objects') throw new Error('not objects');
    const [a, b] = objects.columns as Float64Array[];
    expect(buffersOf(objects)).to.deep.equal([a.buffer]);
    expect(b.buffer).to.equal(a.buffer);
    const back = fromColumns(structuredClone(objects, { transfer: buffersOf(objects) }));
    expect(back).to.deep.equal(records);
    expect(a.buffer.byteLength, 'the block moved').to.equal(0);
    expect(records[1]).to.deep.equal({ a: 4, b: 5, c: 'x', d: 'e' });
    // Objects without number columns: nothing to transfer.
    const texts = toColumns([{ s: 'a' }, { s: 'b' }]);
    if (texts === undefined) throw new Error('no columns');
    expect(buffersOf(texts)).to.deep.equal([]);
  });

  it('turns a column generic at its first value that is not a number, keeping the numbers before it', () => {
    const records = [{ k: 1 }, { k: 2 }, { k: 'three' }, { k: 4 }];
    expect(across(records)).to.deep.equal(records);
  });

  it('leaves as they are batches of another shape: mixed keys, key order, class instances, dates, arrays, strings, __proto__', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    for (const records of [[{ a: 1 }, { b: 1 }], [{ a: 1, b: 2 }, { b: 2, a: 1 }], [new Point(1)], [new Date(0)], [[1, 2]], ['s'], [1, 'two'], [JSON.parse('{"__proto__": 1}')], []]) {
      expect(toColumns(records), JSON.stringify(records)).to.equal(undefined);
    }
  });

  it('gives what a structured clone gives, for batches of one shape of any keys and values (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { maxLength: 6 }).filter((keys) => !keys.includes('__proto__')),
        fc.array(fc.array(value, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        (keys, rows) => {
          const records = rows.map((row) => Object.fromEntries(keys.map((k, j) => [k, row[j]])));
          if (!keys.includes('constructor')) expect(toColumns(records)?.shape).to.equal('objects');
          expectCloneOf(across(records), records);
        },
      ),
      { numRuns: 300, seed: 17 },
    );
  });

  it('gives what a structured clone gives, for batches mixing shapes, numbers and other values (fast-check)', () => {
    const record = fc.oneof(
      fc.record({ a: value, b: value }),
      fc.record({ b: value, a: value }),
      fc.record({ a: value }),
      fc.record({ a: value, b: value, c: value }),
      fc.double(),
      value,
    );
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (records) => expectCloneOf(across(records), records)),
      { numRuns: 500, seed: 18 },
    );
  });

  it("checks every record against the first one's shape: one key more, one less, another order, another prototype", () => {
    class Trade {
      constructor(readonly id: number) {}
    }
    const withInherited = Object.create({ inherited: 1 }) as { id: number };
    withInherited.id = 3;
    const nullPrototype = Object.assign(Object.create(null) as object, { id: 4 });
    const odd = { 'one key more': { id: 2, x: 1 }, 'one less': {}, 'a class instance': new Trade(2), 'an inherited enumerable key': withInherited, 'a null prototype': nullPrototype, 'an array': [2], 'a Date': new Date(2) };
    for (const [what, record] of Object.entries(odd)) expect(toColumns([{ id: 1 }, record, { id: 5 }]), what).to.equal(undefined);
    expect(toColumns([{ a: 1, b: 2 }, { b: 2, a: 1 }])).to.equal(undefined);
  });

  it('runs no code a key holds: keys go into the compiled loops as string literals', () => {
    const keys = ['"]; throw new Error("injected"); //', "'); throw 1; ('", '`${process.exit(3)}`', '\\', '\u2028'];
    const records = [0, 1, 2].map((i) => Object.fromEntries(keys.map((k) => [k, i])));
    expect(toColumns(records)?.shape).to.equal('objects');
    expectCloneOf(across(records), records);
  });

  it(`still carries shapes past the ${MAX_SHAPES} it compiles, by the generic loops`, () => {
    for (let s = 0; s <= MAX_SHAPES + 10; s++) {
      const records = [{ [`k${s}`]: s, v: 'x' }, { [`k${s}`]: -0, v: 'y' }];
      expectCloneOf(across(records), records);
    }
  });
});

