import { expect } from 'chai';
import fc from 'fast-check';
import { Key, keyFromString, keyToString, murmur3 } from '../../src/state/keyHash';
import { DEFAULT_MAX_PARALLELISM, keyGroupOf } from '../../src/state/keyGroups';
import { anyKey } from '../support/keyArbitraries';

/** MurmurHash3_x86_32 as the reference writes it, over bytes: the oracle for the streaming UTF-8 version. */
function referenceMurmur3(data: Buffer, seed: number): number {
  const mix = (k: number) => {
    const m = Math.imul(k, 0xcc9e2d51);
    return Math.imul((m << 15) | (m >>> 17), 0x1b873593);
  };
  let h = seed | 0;
  const blocks = data.length >> 2;
  for (let i = 0; i < blocks; i++) {
    h ^= mix(data.readInt32LE(i * 4));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = data.length & 3;
  if (rest > 0) {
    let k = data[tail];
    if (rest > 1) k ^= data[tail + 1] << 8;
    if (rest > 2) k ^= data[tail + 2] << 16;
    h ^= mix(k);
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

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
    // The compatibility contract: key groups are murmur3(key text) % maxParallelism, so a
    // change of any value here moves keys between key groups and strands state kept by an
    // earlier version. Values are MurmurHash3_x86_32 of the text's UTF-8 bytes as the
    // reference (SMHasher's MurmurHash3.cpp) computes them.
    it('gives the reference MurmurHash3_x86_32 values of the widely published test vectors', () => {
      const vectors: ReadonlyArray<readonly [string, number, number]> = [
        ['', 0, 0],
        ['', 1, 0x514e28b7],
        ['', 0xffffffff, 0x81f16f39],
        ['\0\0\0\0', 0, 0x2362f9de],
        ['a', 0x9747b28c, 0x7fa09ea6],
        ['ab', 0x9747b28c, 0x74875592],
        ['abc', 0x9747b28c, 0xc84a62dd],
        ['abcd', 0x9747b28c, 0xf0478627],
        ['aa', 0x9747b28c, 0x5d211726],
        ['aaa', 0x9747b28c, 0x283e0130],
        ['aaaa', 0x9747b28c, 0x5a97808a],
        ['Hello, world!', 0x9747b28c, 0x24884cba],
        ['ππππππππ', 0x9747b28c, 0xd58063c1],
        ['a'.repeat(256), 0x9747b28c, 0x37405bdc],
        ['abc', 0, 0xb3dd93fa],
        ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 0, 0xee925b90],
        ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
      ];
      for (const [text, seed, expected] of vectors) expect(murmur3(text, seed), `murmur3(${JSON.stringify(text.slice(0, 20))}, 0x${seed.toString(16)})`).to.equal(expected);
    });

    it("hashes text as its UTF-8 bytes: 'hello' with seed 0 is 613153351, as the reference gives", () => {
      expect(murmur3('hello', 0)).to.equal(613153351);
      // Two, three and four bytes per code point; a lone surrogate is U+FFFD (EF BF BD), as TextEncoder writes it.
      expect(murmur3('Zürich')).to.equal(0x29ee1baf);
      expect(murmur3('😀')).to.equal(0x4ed00c2f);
      expect(murmur3('\ud800')).to.equal(0xded2c03b);
      expect(murmur3('\ud800')).to.equal(murmur3('\ufffd'));
    });

    it('keeps its values for key texts with the default seed (the key groups of these keys)', () => {
      expect(murmur3('')).to.equal(0xebb6c228);
      expect(murmur3('hello')).to.equal(0x5d7f56e8);
      expect(murmur3('user-42')).to.equal(0xc63ce64b);
      expect(murmur3('#1')).to.equal(0xe9cc947a);
      expect(['user-42', 'hello', 1, 'Zürich'].map((k) => keyGroupOf(k, DEFAULT_MAX_PARALLELISM))).to.deep.equal([75, 104, 122, 47]);
    });

    it('equals a plain transliteration of the reference over the UTF-8 bytes, for any text', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (text, seed) => {
          expect(murmur3(text, seed)).to.equal(referenceMurmur3(Buffer.from(text, 'utf8'), seed));
        }),
        { numRuns: 2000 },
      );
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
