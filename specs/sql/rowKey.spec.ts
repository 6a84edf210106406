import { expect } from 'chai';
import { Change } from '../../src/sql/Change';
import { Compiled } from '../../src/sql/compileExpression';
import { rowKeySelector } from '../../src/sql/rowKey';
import { SqlType } from '../../src/sql/types';
import { keyToString } from '../../src/state/keyHash';

/** A key column reading field `i` of the row, of type `type`. */
const column = (i: number, type: SqlType): Compiled => ({ type, eval: (row) => row[i], text: `$${i}` });
const keyOf = (columns: readonly Compiled[], row: unknown[]) => rowKeySelector(columns)({ kind: '+I', row } as Change);

describe('sql/rowKey', () => {
  it('keys a row by one column of a number, string, boolean or bigint with the value itself', () => {
    expect(keyOf([column(0, 'INT')], [17])).to.equal(17);
    expect(keyOf([column(0, 'STRING')], ['eu'])).to.equal('eu');
    expect(keyOf([column(0, 'BOOLEAN')], [true])).to.equal(true);
    expect(keyOf([column(0, 'ANY')], [7n])).to.equal(7n);
  });

  it('keys a NULL or another value of one column as a composite key, whose text is no string key\'s', () => {
    expect(keyOf([column(0, 'STRING')], [null])).to.deep.equal([null]);
    expect(keyToString(keyOf([column(0, 'STRING')], [null]))).to.equal('#[null]');
    expect(keyToString(keyOf([column(0, 'STRING')], ['[null]']))).to.equal('[null]');
    expect(keyOf([column(0, 'ANY')], [{ a: 1 }])).to.deep.equal([{ a: 1 }]);
  });

  it('keys several numeric columns by their numbers joined with commas, and a row with a NULL by JSON', () => {
    const cols = [column(0, 'BIGINT'), column(1, 'TIMESTAMP'), column(2, 'DOUBLE')];
    expect(keyOf(cols, [1, 2000, 0.5])).to.equal('1,2000,0.5');
    expect(keyOf(cols, [1, null, 0.5])).to.equal('[1,null,0.5]');
  });

  it('gives one selector\'s runs of equal numeric keys the same text, and every row its own key whatever came before', () => {
    const select = rowKeySelector([column(0, 'TIMESTAMP'), column(1, 'TIMESTAMP')]);
    const key = (...row: unknown[]) => select({ kind: '+I', row } as Change);
    const first = key(1000, 2000);
    expect(first).to.equal('1000,2000');
    expect(key(1000, 2000)).to.equal(first);
    expect(key(1000, 3000)).to.equal('1000,3000');
    expect(key(3000, null)).to.equal('[3000,null]');
    expect(key(3000, 3000)).to.equal('3000,3000');
    expect(key(3000, 3000)).to.equal('3000,3000');
    expect(key(NaN, 1)).to.equal('NaN,1');
    expect(key(NaN, 1)).to.equal('NaN,1');
    expect(key(-0, 1)).to.equal('0,1');
    expect(key(null, 1)).to.equal('[null,1]');
    expect(key(0, 1)).to.equal('0,1');
  });

  it('keys several columns of which one is not numeric by JSON, so 1 and "1" stay apart', () => {
    const cols = [column(0, 'INT'), column(1, 'STRING')];
    expect(keyOf(cols, [1, '1'])).to.equal('[1,"1"]');
    expect(keyOf(cols, ['1', '1'])).to.equal('["1","1"]');
  });

  it('keys every row alike when there is no key column', () => {
    expect(keyOf([], [1, 2])).to.equal('');
  });
});
