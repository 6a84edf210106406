import { expect } from 'chai';
import fc from 'fast-check';
import { Either, isLeft, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { Serializers, codecSerializer } from '../../src/state/Serializer';

const Click = t.type({ user: t.string, page: t.string, at: t.number }, 'Click');

function reason<T>(result: Either<string, T>): string {
  if (!isLeft(result)) throw new Error(`expected a Left, got ${JSON.stringify(result)}`);
  return result.left;
}

describe('state/Serializer', () => {
  describe('codecSerializer', () => {
    const clicks = codecSerializer(Click);

    it("is named after its codec", () => {
      expect(clicks.name).to.equal('Click');
      expect(Serializers.number.name).to.equal('number');
    });

    it('round-trips values of its codec', () => {
      fc.assert(
        fc.property(fc.record({ user: fc.string(), page: fc.string(), at: fc.integer() }), (click) => {
          expect(clicks.deserialize(clicks.serialize(click))).to.deep.equal(right(click));
        }),
      );
    });

    it('refuses a missing field with a reason naming the field and the expected type', () => {
      const why = reason(clicks.deserialize('{"user":"u1","at":1}'));
      expect(why).to.include('page');
      expect(why).to.include('Invalid value undefined supplied to');
      expect(why).to.include('string');
    });

    it('refuses a field of the wrong type, naming the value', () => {
      const why = reason(clicks.deserialize('{"user":"u1","page":"home","at":"yesterday"}'));
      expect(why).to.include('Invalid value "yesterday" supplied to');
      expect(why).to.include('at');
    });

    it('lists every wrong field of one value', () => {
      const why = reason(clicks.deserialize('{"user":1,"page":2,"at":3}'));
      expect(why).to.include('Invalid value 1');
      expect(why).to.include('Invalid value 2');
    });

    it('refuses text that is not JSON, saying so', () => {
      expect(reason(clicks.deserialize('{user'))).to.match(/^not JSON: /);
      expect(reason(clicks.deserialize(''))).to.match(/^not JSON: /);
    });

    it('refuses a value of another shape entirely', () => {
      expect(reason(clicks.deserialize('[1,2]'))).to.include('Invalid value [1,2] supplied to');
      expect(reason(clicks.deserialize('null'))).to.include('Invalid value null supplied to');
    });

    it('is what Serializers.fromCodec gives', () => {
      expect(Serializers.fromCodec).to.equal(codecSerializer);
    });
  });

  describe('Serializers.string, number and boolean', () => {
    it('round-trip their values', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), fc.boolean(), (s, n, b) => {
          expect(Serializers.string.deserialize(Serializers.string.serialize(s))).to.deep.equal(right(s));
          expect(Serializers.number.deserialize(Serializers.number.serialize(n))).to.deep.equal(right(n));
          expect(Serializers.boolean.deserialize(Serializers.boolean.serialize(b))).to.deep.equal(right(b));
        }),
      );
    });

    it('refuse each other\'s values', () => {
      expect(reason(Serializers.string.deserialize('42'))).to.include('Invalid value 42 supplied to');
      expect(reason(Serializers.number.deserialize('"42"'))).to.include('Invalid value "42" supplied to');
      expect(reason(Serializers.boolean.deserialize('1'))).to.include('Invalid value 1 supplied to');
    });

    it('round-trips Infinity, -Infinity and NaN through the number serializer (a running minimum starts at Infinity)', () => {
      // JSON.stringify writes all three as null, which the number codec then refuses on restore.
      for (const n of [Infinity, -Infinity, NaN]) {
        const back = Serializers.number.deserialize(Serializers.number.serialize(n));
        expect(back, `number ${n}`).to.deep.equal(right(n));
      }
    });
  });

  describe('Serializers.json', () => {
    it('round-trips any JSON value', () => {
      const s = Serializers.json<unknown>();
      fc.assert(
        fc.property(fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown), (v) => {
          expect(s.deserialize(s.serialize(v))).to.deep.equal(right(v));
        }),
        { numRuns: 300 },
      );
    });

    it('is named json', () => {
      expect(Serializers.json().name).to.equal('json');
    });

    it('refuses text that is not JSON, saying so', () => {
      expect(reason(Serializers.json().deserialize('{"a":'))).to.match(/^not JSON: /);
    });
  });
});
