import { expect } from 'chai';
import { Compiled } from '../../src/sql/compileExpression';
import { recordProjection, recordReader, rowProjection } from '../../src/sql/compiledRows';

describe('sql/compiledRows', () => {
  describe('recordReader', () => {
    it("reads the named properties in order, a Date as its epoch milliseconds and a missing one as NULL", () => {
      const read = recordReader(['price', 'at', 'gone', 'item']);
      expect(read({ item: 'x', price: 3, at: new Date(1000) })).to.deep.equal([3, 1000, null, 'x']);
    });

    it('reads names that are not identifiers, quotes and backslashes included, as data', () => {
      const names = ['dateTime', 'a b', "it's", 'say "hi"', 'back\\slash', '0', '__proto__x'];
      const record = Object.fromEntries(names.map((n, i) => [n, i]));
      expect(recordReader(names)(record)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    });
  });

  describe('rowProjection', () => {
    it('copies bare columns by index and evaluates other expressions, in order', () => {
      const column = (i: number): Compiled => ({ type: 'INT', eval: (r) => r[i], text: `$${i}`, field: i });
      const doubled: Compiled = { type: 'INT', eval: (r) => (r[0] as number) * 2, text: '$0 * 2' };
      expect(rowProjection([column(2), doubled, column(0)])([5, 6, 7])).to.deep.equal([7, 10, 5]);
      expect(rowProjection([])([1])).to.deep.equal([]);
    });

    it('gives a new row each time', () => {
      const project = rowProjection([{ type: 'INT', eval: (r) => r[0], text: '$0', field: 0 }]);
      const row = [1];
      expect(project(row)).not.to.equal(project(row));
    });
  });

  describe('recordProjection', () => {
    const column = (i: number): Compiled => ({ type: 'INT', eval: (r) => r[i], text: `$${i}`, field: i });

    it('makes a record of the names, bare columns copied by index and other expressions evaluated, in order', () => {
      const doubled: Compiled = { type: 'INT', eval: (r) => (r[0] as number) * 2, text: '$0 * 2' };
      const record = recordProjection(['c', 'twice', 'a'], [column(2), doubled, column(0)])([5, 6, 7]);
      expect(record).to.deep.equal({ c: 7, twice: 10, a: 5 });
      expect(Object.keys(record)).to.deep.equal(['c', 'twice', 'a']);
    });

    it('takes names that are not identifiers, quotes and backslashes included, as data', () => {
      const names = ['dateTime', 'a b', "it's", 'say "hi"', 'back\\slash', '0', '__proto__x'];
      const record = recordProjection(names, names.map((_, i) => column(i)))([0, 1, 2, 3, 4, 5, 6]);
      expect(record).to.deep.equal(Object.fromEntries(names.map((n, i) => [n, i])));
    });

    it('refuses names and projections of different lengths', () => {
      expect(() => recordProjection(['a', 'b'], [column(0)])).to.throw('recordProjection: 2 names for 1 projections');
    });
  });
});
