import { expect } from 'chai';
import { StoredKeyFilter } from '../../src/state/StoredKeyFilter';

describe('state/StoredKeyFilter', () => {
  it('never says "absent" of a key it was told of, and says "may hold" of under 5% of other keys at the keys it was sized for', () => {
    const filter = new StoredKeyFilter(100_000);
    for (let i = 0; i < 100_000; i++) filter.add(`#${i}`);
    let missed = 0;
    for (let i = 0; i < 100_000; i++) if (!filter.mayHold(`#${i}`)) missed++;
    expect(missed).to.equal(0);
    let falsePositives = 0;
    for (let i = 100_000; i < 200_000; i++) if (filter.mayHold(`#${i}`)) falsePositives++;
    expect(falsePositives).to.be.below(5_000);
  });

  it('holds nothing when new or cleared', () => {
    const filter = new StoredKeyFilter(10);
    expect(filter.mayHold('a')).to.equal(false);
    filter.add('a');
    expect(filter.mayHold('a')).to.equal(true);
    filter.clear();
    expect(filter.mayHold('a')).to.equal(false);
  });

  it('past its size, answers "may hold" more often, never "absent" of a key it was told of', () => {
    const filter = new StoredKeyFilter(1);
    for (let i = 0; i < 200_000; i++) filter.add(`k${i}`);
    for (let i = 0; i < 200_000; i += 997) expect(filter.mayHold(`k${i}`)).to.equal(true);
    let falsePositives = 0;
    for (let i = 0; i < 1_000; i++) if (filter.mayHold(`other${i}`)) falsePositives++;
    expect(falsePositives).to.be.above(900);
  });
});
