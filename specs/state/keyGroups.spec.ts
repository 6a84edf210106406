import { expect } from 'chai';
import fc from 'fast-check';
import {
  DEFAULT_MAX_PARALLELISM,
  UPPER_BOUND_MAX_PARALLELISM,
  keyGroupOf,
  keyGroupOfKeyString,
  keyGroupRangeForOperator,
  operatorIndexForKeyGroup,
} from '../../src/state/keyGroups';
import { Key, keyToString } from '../../src/state/keyHash';

/** Any (parallelism, maxParallelism) with 1 <= p <= M <= 2^15, biased towards small values. */
const parallelismPair = fc
  .oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: UPPER_BOUND_MAX_PARALLELISM }))
  .chain((maxParallelism) =>
    fc
      .oneof(fc.integer({ min: 1, max: Math.min(maxParallelism, 64) }), fc.integer({ min: 1, max: maxParallelism }), fc.constant(maxParallelism))
      .map((parallelism) => ({ parallelism, maxParallelism })),
  );

const anyKey: fc.Arbitrary<Key> = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.bigInt(),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 4 }),
);

describe('state/keyGroups', () => {
  it('defaults maxParallelism to 128 and bounds it at 2^15, as Flink does', () => {
    expect(DEFAULT_MAX_PARALLELISM).to.equal(128);
    expect(UPPER_BOUND_MAX_PARALLELISM).to.equal(32768);
  });

  describe('keyGroupRangeForOperator', () => {
    it('splits 128 key groups over 3 instances as Flink does: 0..42, 43..85, 86..127', () => {
      expect([0, 1, 2].map((i) => keyGroupRangeForOperator(i, 3, 128))).to.deep.equal([
        { start: 0, end: 42 },
        { start: 43, end: 85 },
        { start: 86, end: 127 },
      ]);
    });

    it('gives one instance of parallelism 1 every key group', () => {
      expect(keyGroupRangeForOperator(0, 1, 128)).to.deep.equal({ start: 0, end: 127 });
    });

    it('gives each instance exactly one key group when parallelism equals maxParallelism', () => {
      for (let i = 0; i < 16; i++) expect(keyGroupRangeForOperator(i, 16, 16)).to.deep.equal({ start: i, end: i });
    });

    it('gives all instances contiguous, disjoint, non-empty ranges that cover 0..maxParallelism-1, in index order', () => {
      fc.assert(
        fc.property(parallelismPair, ({ parallelism, maxParallelism }) => {
          let next = 0;
          for (let i = 0; i < parallelism; i++) {
            const { start, end } = keyGroupRangeForOperator(i, parallelism, maxParallelism);
            // Plain checks in the loop: chai per instance would make 2^15 instances slow.
            if (start !== next) expect.fail(`instance ${i} starts at ${start}, not at ${next} where instance ${i - 1} ended`);
            if (end < start) expect.fail(`instance ${i} has the empty range ${start}..${end}`);
            next = end + 1;
          }
          expect(next).to.equal(maxParallelism);
        }),
        { numRuns: 300 },
      );
    });

    it('gives ranges whose sizes differ by at most one (an even split)', () => {
      fc.assert(
        fc.property(parallelismPair, ({ parallelism, maxParallelism }) => {
          const sizes = [...Array(parallelism).keys()].map((i) => {
            const r = keyGroupRangeForOperator(i, parallelism, maxParallelism);
            return r.end - r.start + 1;
          });
          expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
        }),
        { numRuns: 200 },
      );
    });

    const invalid: Array<[string, number, number, number, RegExp]> = [
      ['parallelism 0', 0, 0, 128, /parallelism must be an integer in 1\.\.maxParallelism \(128\), got 0/],
      ['parallelism above maxParallelism', 0, 129, 128, /parallelism must be an integer in 1\.\.maxParallelism \(128\), got 129/],
      ['fractional parallelism', 0, 1.5, 128, /parallelism must be an integer in 1\.\.maxParallelism \(128\), got 1\.5/],
      ['maxParallelism 0', 0, 1, 0, /maxParallelism must be an integer in 1\.\.32768, got 0/],
      ['maxParallelism above 2^15', 0, 1, 32769, /maxParallelism must be an integer in 1\.\.32768, got 32769/],
      ['fractional maxParallelism', 0, 1, 12.5, /maxParallelism must be an integer in 1\.\.32768, got 12\.5/],
      ['NaN maxParallelism', 0, 1, NaN, /maxParallelism must be an integer in 1\.\.32768, got NaN/],
      ['a negative index', -1, 2, 128, /operator index must be in 0\.\.1, got -1/],
      ['an index equal to parallelism', 2, 2, 128, /operator index must be in 0\.\.1, got 2/],
      ['a fractional index', 0.5, 2, 128, /operator index must be in 0\.\.1, got 0\.5/],
    ];
    for (const [what, index, parallelism, maxParallelism, message] of invalid) {
      it(`refuses ${what} with a RangeError that says what is allowed`, () => {
        expect(() => keyGroupRangeForOperator(index, parallelism, maxParallelism)).to.throw(RangeError, message);
      });
    }
  });

  describe('operatorIndexForKeyGroup', () => {
    it('is the inverse of keyGroupRangeForOperator: every key group maps to the instance whose range holds it', () => {
      fc.assert(
        fc.property(parallelismPair, ({ parallelism, maxParallelism }) => {
          for (let i = 0; i < parallelism; i++) {
            const { start, end } = keyGroupRangeForOperator(i, parallelism, maxParallelism);
            for (let kg = start; kg <= end; kg++) {
              if (operatorIndexForKeyGroup(kg, parallelism, maxParallelism) !== i) {
                expect.fail(`key group ${kg} of ${maxParallelism} is in the range of instance ${i} of ${parallelism}, but maps to ${operatorIndexForKeyGroup(kg, parallelism, maxParallelism)}`);
              }
            }
          }
        }),
        { numRuns: 200 },
      );
    });

    it('maps key groups of 128 over 3 instances to 0, 1 and 2 at the range borders', () => {
      expect([0, 42, 43, 85, 86, 127].map((kg) => operatorIndexForKeyGroup(kg, 3, 128))).to.deep.equal([0, 0, 1, 1, 2, 2]);
    });

    it('refuses a key group outside 0..maxParallelism-1 with a RangeError instead of naming a non-existent instance', () => {
      // 128 of 128 would map to instance 2 of 2, a channel that does not exist.
      expect(() => operatorIndexForKeyGroup(128, 2, 128)).to.throw(RangeError, /128/);
      expect(() => operatorIndexForKeyGroup(-1, 2, 128)).to.throw(RangeError, /-1/);
    });

    it('refuses a parallelism outside 1..maxParallelism with a RangeError', () => {
      expect(() => operatorIndexForKeyGroup(5, 0, 128)).to.throw(RangeError, /parallelism/);
      expect(() => operatorIndexForKeyGroup(5, 129, 128)).to.throw(RangeError, /parallelism/);
    });
  });

  describe('keyGroupOf', () => {
    it('keeps the key groups of known keys (a change of hash moves all keyed state and breaks restore)', () => {
      const pinned: Array<[Key, number, number, number]> = [
        // key, group of 128, of 32768, of 10: MurmurHash3_x86_32 of the key text's UTF-8 bytes
        // (seed 0x9747b28c) as SMHasher's reference MurmurHash3.cpp computes it, modulo each.
        ['a', 38, 7846, 6],
        ['b', 120, 9336, 6],
        ['hello', 104, 22248, 8],
        ['Zürich', 47, 7087, 1],
        ['#tag', 1, 15745, 7],
        ['1', 62, 21438, 6],
        [1, 122, 5242, 2],
        [-7, 90, 18778, 4],
        [true, 125, 31613, 9],
        [42n, 47, 8111, 1],
        [['a', 1], 95, 32351, 7],
        [{ user: 'u1' }, 34, 15138, 8],
      ];
      for (const [key, of128, of32768, of10] of pinned) {
        expect([keyGroupOf(key, 128), keyGroupOf(key, 32768), keyGroupOf(key, 10)], `key ${keyToString(key)}`).to.deep.equal([of128, of32768, of10]);
      }
    });

    it('puts 1 and "1" in different key groups (they are different keys)', () => {
      expect(keyGroupOf(1, 128)).to.not.equal(keyGroupOf('1', 128));
    });

    it('is an integer in 0..maxParallelism-1 for any key and any maxParallelism', () => {
      fc.assert(
        fc.property(anyKey, fc.integer({ min: 1, max: UPPER_BOUND_MAX_PARALLELISM }), (key, maxParallelism) => {
          const kg = keyGroupOf(key, maxParallelism);
          expect(Number.isInteger(kg)).to.equal(true);
          expect(kg).to.be.within(0, maxParallelism - 1);
        }),
        { numRuns: 500 },
      );
    });

    it('is stable: equal keys built separately get the same key group, which is that of their canonical text', () => {
      fc.assert(
        fc.property(anyKey, fc.integer({ min: 1, max: UPPER_BOUND_MAX_PARALLELISM }), (key, maxParallelism) => {
          const copy: Key = Array.isArray(key) ? [...key] : typeof key === 'object' ? Object.fromEntries(Object.entries(key)) : key;
          expect(keyGroupOf(copy, maxParallelism)).to.equal(keyGroupOf(key, maxParallelism));
          expect(keyGroupOfKeyString(keyToString(key), maxParallelism)).to.equal(keyGroupOf(key, maxParallelism));
        }),
        { numRuns: 300 },
      );
    });

    it('spreads many keys over all 128 key groups', () => {
      const used = new Set<number>();
      for (let i = 0; i < 5000; i++) used.add(keyGroupOf(`user-${i}`, 128));
      expect(used.size).to.equal(128);
    });

    it('refuses a maxParallelism outside 1..32768 with a RangeError instead of returning NaN or a group out of range', () => {
      expect(() => keyGroupOf('a', 0)).to.throw(RangeError, /maxParallelism/);
      expect(() => keyGroupOf('a', -4)).to.throw(RangeError, /maxParallelism/);
      expect(() => keyGroupOf('a', 32769)).to.throw(RangeError, /maxParallelism/);
      expect(() => keyGroupOf('a', 1.5)).to.throw(RangeError, /maxParallelism/);
    });
  });
});
