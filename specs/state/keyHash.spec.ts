import { expect } from 'chai';
import fc from 'fast-check';
import { Key, keyFromString, keyToString, murmur3 } from '../../src/state/keyHash';

/** A JSON value as it comes back from JSON (so -0 is 0 and undefined fields are absent). */
const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Finite numbers other than -0 (which is the same key as 0, see below). */
const finiteNumber = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).filter((n) => !Object.is(n, -0));

const anyKey: fc.Arbitrary<Key> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string().map((s) => `#${s}`),
  fc.constantFrom('#', '#1', '#true', '#1n', '#"x"', '#[1]', '#{}', ''),
  finiteNumber,
  fc.boolean(),
  fc.bigInt(),
  fc.array(json, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 4 }).map((o) => JSON.parse(JSON.stringify(o)) as { [field: string]: unknown }),
);

describe('state/keyHash', () => {
  describe('keyToString / keyFromString', () => {
    it('reads back every key it writes: strings, numbers, booleans, bigints, arrays and objects', () => {
      fc.assert(
        fc.property(anyKey, (key) => {
          expect(keyFromString(keyToString(key))).to.deep.equal(key);
        }),
        { numRuns: 1000 },
      );
    });

    it('leaves plain strings as they are (the common case costs nothing)', () => {
      expect(['user-1', 'Zürich', '', ' #', 'a#b'].map(keyToString)).to.deep.equal(['user-1', 'Zürich', '', ' #', 'a#b']);
    });

    it('quotes strings that start with # so they cannot be read as a tagged key', () => {
      expect(keyToString('#1')).to.equal('#"#1"');
      expect(keyFromString(keyToString('#1'))).to.equal('#1');
      expect(keyFromString(keyToString('#12n'))).to.equal('#12n');
      expect(keyFromString(keyToString('#'))).to.equal('#');
    });

    it('writes non-strings tagged with #', () => {
      expect([1, -2.5, true, false, 42n, -7n, ['a', 1], { user: 'u1' }].map((k) => keyToString(k as Key))).to.deep.equal([
        '#1',
        '#-2.5',
        '#true',
        '#false',
        '#42n',
        '#-7n',
        '#["a",1]',
        '#{"user":"u1"}',
      ]);
    });

    it('keeps 1, "1", 1n, true and "true" different keys', () => {
      const texts = [1, '1', 1n, true, 'true', '#1', [1], ['1']].map((k) => keyToString(k as Key));
      expect(new Set(texts).size).to.equal(texts.length);
      expect(keyFromString(keyToString(1))).to.equal(1);
      expect(keyFromString(keyToString('1'))).to.equal('1');
      expect(keyFromString(keyToString(1n))).to.equal(1n);
    });

    it('gives different keys different texts', () => {
      fc.assert(
        fc.property(anyKey, anyKey, (a, b) => {
          if (keyToString(a) === keyToString(b)) expect(a).to.deep.equal(b);
        }),
        { numRuns: 1000 },
      );
    });

    it('treats -0 as the key 0 (they are === equal)', () => {
      expect(keyToString(-0)).to.equal(keyToString(0));
    });

    it('reads back the numbers NaN, Infinity and -Infinity (they are numbers, so they are keys)', () => {
      // keyToString writes '#NaN', '#Infinity', '#-Infinity', which JSON.parse cannot read.
      for (const n of [NaN, Infinity, -Infinity]) {
        expect(() => keyFromString(keyToString(n)), `key ${n}`).to.not.throw();
        expect(keyFromString(keyToString(n))).to.deep.equal(n);
      }
    });

    it('gives objects with the same fields in another order the same text (equal keys, equal text)', () => {
      // Records decoded from JSON written by different producers may order fields differently;
      // a key built from them must still land in one key group.
      expect(keyToString({ region: 'eu', user: 'u1' })).to.equal(keyToString({ user: 'u1', region: 'eu' }));
    });

    it('keeps composite keys with different Date fields apart (a Date is written as JSON writes it)', () => {
      // keyBy((r) => ({ user: r.user, day: r.day })) must not put every day of a user in one key.
      const day1 = keyToString({ user: 'u1', day: new Date(Date.UTC(2024, 0, 1)) });
      const day2 = keyToString({ user: 'u1', day: new Date(Date.UTC(2024, 0, 2)) });
      expect(day1, 'key texts of two different days').to.not.equal(day2);
      expect(day1).to.equal('#{"day":"2024-01-01T00:00:00.000Z","user":"u1"}');
      expect(keyToString([new Date(0)])).to.equal('#["1970-01-01T00:00:00.000Z"]');
    });
  });

  describe('murmur3', () => {
    it('keeps its values for known inputs (a change would move every key to another key group)', () => {
      expect(murmur3('')).to.equal(3954623016);
      expect(murmur3('a')).to.equal(298494453);
      expect(murmur3('hello')).to.equal(1894370753);
      expect(murmur3('Sluice')).to.equal(2667759069);
      expect(murmur3('#1')).to.equal(2423411249);
      expect(murmur3('user-42')).to.equal(4155398877);
      expect(murmur3('hello', 0)).to.equal(449616461);
      expect(murmur3('a', 0)).to.equal(721651713);
    });

    it('returns an unsigned 32-bit integer, the same on every call', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.integer(), (text, seed) => {
          const h = murmur3(text, seed);
          expect(Number.isInteger(h)).to.equal(true);
          expect(h).to.be.within(0, 2 ** 32 - 1);
          expect(murmur3(text, seed)).to.equal(h);
        }),
      );
    });

    it('depends on the seed', () => {
      expect(murmur3('hello', 1)).to.not.equal(murmur3('hello', 2));
    });
  });
});
