import { expect } from 'chai';
import fc from 'fast-check';
import { Key, keyToString } from '../../src/state/keyHash';
import { keyOfLookupKey, keyStringOf, lookupKeyOf, lookupKeyOfKeyString } from '../../src/state/lookupKey';
import { anyKey } from '../support/keyArbitraries';

describe('state/lookupKey', () => {
  it('gives back the canonical text, and from the text the same lookup key', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        const lookupKey = lookupKeyOf(key);
        expect(keyStringOf(lookupKey)).to.equal(keyToString(key));
        expect(lookupKeyOfKeyString(keyToString(key))).to.deep.equal(lookupKey);
        expect(keyToString(keyOfLookupKey(lookupKey))).to.equal(keyToString(key));
      }),
    );
  });

  it('gives equal lookup keys exactly to keys of equal canonical text', () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        expect(Object.is(lookupKeyOf(a), lookupKeyOf(b)) || lookupKeyOf(a) === lookupKeyOf(b)).to.equal(keyToString(a) === keyToString(b));
      }),
    );
  });

  it('finds numbers, booleans and bigints by themselves, other keys by their text', () => {
    const cases: Array<[Key, unknown]> = [
      [42, 42],
      [-0, -0],
      [true, true],
      [7n, 7n],
      ['42', '42'],
      ['#x', '#"#x"'],
      [[1, 'a'], '#[1,"a"]'],
      [{ b: 1, a: 2 }, '#{"a":2,"b":1}'],
    ];
    for (const [key, expected] of cases) expect(lookupKeyOf(key)).to.deep.equal(expected);
  });
});
