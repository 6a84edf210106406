import { expect } from 'chai';
import { ChangedFields } from '../../src/state/ChangedFields';

describe('state/ChangedFields', () => {
  it('folds the changes of an aborted snapshot into the next one, and drops those of a completed one', () => {
    const changes = new ChangedFields();
    changes.record(0, 'a');
    expect([...changes.cut(1).get(0)!]).to.deep.equal(['a']);
    changes.record(0, 'b');
    expect([...changes.cut(2).get(0)!].sort()).to.deep.equal(['a', 'b']);
    changes.aborted(1);
    changes.record(1, 'c');
    changes.completed(2);
    expect([...changes.cut(3).entries()].map(([kg, f]) => [kg, [...f]])).to.deep.equal([[1, ['c']]]);
  });
});
