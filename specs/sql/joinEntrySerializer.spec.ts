import { expect } from 'chai';
import { isLeft } from 'fp-ts/Either';
import { joinEntrySerializer } from '../../src/sql/runtime/JoinFunction';

describe('sql/runtime/JoinFunction: the entries of join state', () => {
  it('writes an entry\'s counts only (its row is its key), and reads them back with the row still to be parsed from the key', () => {
    const text = joinEntrySerializer.serialize([[7, 'ann', null], 2, 1]);
    expect(text).to.equal('[2,1]');
    expect(joinEntrySerializer.deserialize(text)).to.deep.equal({ _tag: 'Right', right: [undefined, 2, 1] });
  });

  it('reads the former entries, which held their row, as they were', () => {
    expect(joinEntrySerializer.deserialize('[[7,"ann",null],2,0]')).to.deep.equal({ _tag: 'Right', right: [[7, 'ann', null], 2, 0] });
  });

  it('refuses anything else, saying what an entry is', () => {
    for (const bad of ['{"count":1}', '[1]', '["1",0]', '[[1],2]', 'not json']) {
      const read = joinEntrySerializer.deserialize(bad);
      expect(isLeft(read), bad).to.equal(true);
    }
    const read = joinEntrySerializer.deserialize('[1]');
    expect(isLeft(read) && read.left).to.equal('a join entry is [count, matches] (or [row, count, matches]), got [1]');
  });
});
