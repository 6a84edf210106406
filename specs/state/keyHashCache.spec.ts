import { expect } from 'chai';
import fc from 'fast-check';
import { keyToString, murmur3 } from '../../src/state/keyHash';
import { keyHashOf } from '../../src/state/keyHashCache';
import { anyKey } from '../support/keyArbitraries';

describe('state/keyHashCache', () => {
  it('gives murmur3 of the canonical text for every kind of key, asked once or again', () => {
    fc.assert(
      fc.property(fc.array(anyKey, { minLength: 1, maxLength: 20 }), (keys) => {
        for (const key of [...keys, ...keys]) expect(keyHashOf(key)).to.equal(murmur3(keyToString(key)));
      }),
    );
  });

  it('keeps integer keys that share a slot apart: each gets its own hash back', () => {
    // 5, 5 + 2^16 and 5 - 2^16 share slot 5 of the direct-mapped table.
    const keys = [5, 5 + 65536, 5 - 65536, 5, -0, 0, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1.5, NaN];
    for (let round = 0; round < 3; round++) {
      for (const key of keys) expect(keyHashOf(key), String(key)).to.equal(murmur3(keyToString(key)));
    }
    expect(keyHashOf(-0)).to.equal(keyHashOf(0));
  });

  it('stays right past its capacity (more distinct string keys than it keeps)', () => {
    for (let i = 0; i < 70_000; i++) keyHashOf(`k${i}`);
    for (const i of [0, 1, 65_535, 65_536, 69_999]) expect(keyHashOf(`k${i}`)).to.equal(murmur3(`k${i}`));
  });

  it('tells 1, "1" and true apart, and a composite key from the text that names it', () => {
    expect(keyHashOf(1)).to.equal(murmur3('#1'));
    expect(keyHashOf('1')).to.equal(murmur3('1'));
    expect(keyHashOf(true)).to.equal(murmur3('#true'));
    expect(keyHashOf([1])).to.equal(murmur3('#[1]'));
    expect(keyHashOf('#[1]')).to.equal(murmur3('#"#[1]"'));
  });
});
