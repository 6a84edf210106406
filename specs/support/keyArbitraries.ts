/** fast-check arbitraries of keys, every kind a key selector may return (state/keyHash.ts's Key). */
import fc from 'fast-check';
import { Key } from '../../src/state/keyHash';

/** A JSON value as it comes back from JSON (so -0 is 0 and undefined fields are absent). */
const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Finite numbers other than -0 (the same key as 0: specs/state/keyHash.spec.ts). */
export const finiteNumber = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).filter((n) => !Object.is(n, -0));

export const anyKey: fc.Arbitrary<Key> = fc.oneof(
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

