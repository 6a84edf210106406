import { expect } from 'chai';
import { fromColumns, toColumns } from '../../src/cluster/batchColumns';

/** What the other thread gets: the columns (or the records) through a structured clone. */
const across = (records: readonly unknown[]): unknown[] => {
  const columns = toColumns(records);
  return columns === undefined ? structuredClone([...records]) : fromColumns(structuredClone(columns));
};

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
});
