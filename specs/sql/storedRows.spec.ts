import { expect } from 'chai';
import { isLeft } from 'fp-ts/Either';
import { joinRowsSerializerFor } from '../../src/sql/runtime/JoinFunction';
import { rowJoiner, storedIndex, storedRowLayout } from '../../src/sql/runtime/storedRows';

describe('sql/runtime/storedRows: a list side stores only the fields read of its rows', () => {
  const layout = storedRowLayout([true, false, true, true, false])!;

  it('keeps the fields read, in their order, and tells where each is; none when every field is read', () => {
    expect(layout.store([1, 'x', 3, 4, 'y'])).to.deep.equal([1, 3, 4]);
    expect([0, 1, 2, 3, 4].map((i) => storedIndex(layout, i))).to.deep.equal([0, -1, 1, 2, -1]);
    expect(storedRowLayout([true, true])).to.equal(undefined);
    expect(storedIndex(undefined, 3)).to.equal(3);
  });

  it('joins a row as it came with a stored row of the other side, NULL where the stored row has none', () => {
    const arrivingLeft = rowJoiner([2, 5], [undefined, layout]);
    expect(arrivingLeft(['a', 'b'], [1, 3, 4])).to.deep.equal(['a', 'b', 1, null, 3, 4, null]);
    const arrivingRight = rowJoiner([5, 2], [layout, undefined]);
    expect(arrivingRight([1, 3, 4], ['a', 'b'])).to.deep.equal([1, null, 3, 4, null, 'a', 'b']);
  });

  it('writes a list of stored rows as JSON and reads back lists written as wide as the input (narrowed) or narrow', () => {
    const serializer = joinRowsSerializerFor(layout);
    expect(serializer.serialize([[1, 3, 4]])).to.equal('[[1,3,4]]');
    expect(serializer.deserialize('[[1,3,4],[2,5,6]]')).to.deep.equal({ _tag: 'Right', right: [[1, 3, 4], [2, 5, 6]] });
    expect(serializer.deserialize('[[1,null,3,4,null]]')).to.deep.equal({ _tag: 'Right', right: [[1, 3, 4]] });
    expect(isLeft(serializer.deserialize('[[1,3]]'))).to.equal(true);
    expect(isLeft(serializer.deserialize('[[1,3,4],[1,null,3,4,null]]'))).to.equal(true);
  });
});
