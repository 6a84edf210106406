import { expect } from 'chai';
import { chainAfter, decodePruneReply, decodeRestoreChainReply, decodeTakePieceReply } from '../../src/state/redisSnapshotScripts';

describe('state/redisSnapshotScripts: the replies of the Lua scripts, decoded', () => {
  it('takes the replies of the snapshot, restore and retention scripts in the shapes they have', () => {
    expect(decodeTakePieceReply('delta')).to.deep.equal({ _tag: 'Right', right: 'delta' });
    expect(decodePruneReply(3)).to.deep.equal({ _tag: 'Right', right: 3 });
    expect(decodeRestoreChainReply([2, ['count', 5, 'per%20key', 1], ['count/a', '7'], 3])).to.deep.equal({
      _tag: 'Right',
      right: { weight: 2, counts: [['count', 5], ['per%20key', 1]], pinned: [['count/a', '7']], dropped: 3 },
    });
  });

  it('refuses a reply of another shape, naming the script and what is wrong', () => {
    expect(decodeTakePieceReply('partial')).to.deep.equal({ _tag: 'Left', left: 'Redis answered the snapshot script with an unexpected reply: Invalid value "partial" supplied to : "full" | "delta" | "empty"' });
    expect(decodePruneReply('3')).to.deep.equal({ _tag: 'Left', left: 'Redis answered the retention script with an unexpected reply: Invalid value "3" supplied to : number' });
    expect(decodeRestoreChainReply([2, ['count'], [], 0])).to.deep.equal({ _tag: 'Left', left: 'Redis answered the restore script with an unexpected reply: lists of pairs of odd length' });
    expect(decodeRestoreChainReply([2, ['count', 'many'], [], 0])).to.deep.equal({ _tag: 'Left', left: 'Redis answered the restore script with an unexpected count: ["count","many"]' });
    const wrong = decodeRestoreChainReply({ weight: 2 });
    expect(wrong._tag === 'Left' && wrong.left.startsWith('Redis answered the restore script with an unexpected reply: Invalid value {"weight":2} supplied to')).to.equal(true);
  });

  it('tells the chain after each kind of piece', () => {
    expect([chainAfter(['1', '2'], '3', 'delta'), chainAfter(['1', '2'], '3', 'full'), chainAfter(['1'], '3', 'empty'), chainAfter(undefined, '3', 'delta')]).to.deep.equal([['1', '2', '3'], ['3'], [], ['3']]);
  });
});
