import { expect } from 'chai';
import { isLeft } from 'fp-ts/Either';
import { Serializers } from '../../src/state/Serializer';
import { joinEntrySerializer, joinRowIdSerializer } from '../../src/sql/runtime/JoinFunction';

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

  it("writes a row's id, its JSON text, as it is, and reads it back, and the ids written as JSON strings before", () => {
    const id = JSON.stringify([7, 'say "hi"', null]);
    expect(joinRowIdSerializer.serialize(id)).to.equal(id);
    expect(joinRowIdSerializer.deserialize(id)).to.deep.equal({ _tag: 'Right', right: id });
    expect(joinRowIdSerializer.deserialize(Serializers.string.serialize(id))).to.deep.equal({ _tag: 'Right', right: id });
  });

  it("refuses an id that is neither a row's text nor a JSON string", () => {
    const read = joinRowIdSerializer.deserialize('7');
    expect(isLeft(read) && read.left).to.equal("a join row id is a row's JSON text (an array), got 7");
  });
});
