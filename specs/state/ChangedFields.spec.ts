import { expect } from 'chai';
import { ChangedFields } from '../../src/state/ChangedFields';
import { checkpoint } from '../support/checkpointIds';

describe('state/ChangedFields', () => {
  it('folds the changes of an aborted snapshot into the next one, and drops those of a completed one', () => {
    const changes = new ChangedFields();
    changes.record(0, 'a');
    expect([...changes.cut(checkpoint(1)).get(0)!]).to.deep.equal(['a']);
    changes.record(0, 'b');
    expect([...changes.cut(checkpoint(2)).get(0)!].sort()).to.deep.equal(['a', 'b']);
    changes.aborted(checkpoint(1));
    changes.record(1, 'c');
    changes.completed(checkpoint(2));
    expect([...changes.cut(checkpoint(3)).entries()].map(([kg, f]) => [kg, [...f]])).to.deep.equal([[1, ['c']]]);
  });
});
