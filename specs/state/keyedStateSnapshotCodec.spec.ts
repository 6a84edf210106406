import { expect } from 'chai';
import fc from 'fast-check';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { KeyedStateSnapshotCodec } from '../../src/state/KeyedStateBackend';

/** The snapshot's key-group entries as plain io-ts: what the codec's fast path must agree with. */
const reference = t.readonly(t.record(t.string, t.readonly(t.record(t.string, t.readonlyArray(t.readonly(t.tuple([t.string, t.string])))))));

/** Values of every kind a decoder may meet where strings, tuples, arrays and records belong. */
const anything = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean());
const entry = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.string(), fc.string()) },
  { weight: 1, arbitrary: fc.tuple(fc.string(), anything) },
  { weight: 1, arbitrary: fc.array(fc.string(), { maxLength: 4 }) },
  { weight: 1, arbitrary: anything },
);
const entries = fc.oneof({ weight: 8, arbitrary: fc.array(entry, { maxLength: 6 }) }, { weight: 1, arbitrary: anything }, { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.string()) });
const states = fc.oneof({ weight: 8, arbitrary: fc.dictionary(fc.string({ maxLength: 3 }), entries, { maxKeys: 3 }) }, { weight: 1, arbitrary: anything }, { weight: 1, arbitrary: fc.array(entries, { maxLength: 2 }) });
const keyGroups = fc.oneof({ weight: 8, arbitrary: fc.dictionary(fc.integer({ min: 0, max: 127 }).map(String), states, { maxKeys: 4 }) }, { weight: 1, arbitrary: anything }, { weight: 1, arbitrary: fc.array(states, { maxLength: 2 }) });

describe('state/KeyedStateSnapshotCodec', () => {
  it('decodes key-group entries as plain io-ts does: the same values, the same errors, a tuple with extra components trimmed', () => {
    fc.assert(
      fc.property(keyGroups, (groups) => {
        const decoded = KeyedStateSnapshotCodec.decode({ keyGroups: groups });
        const expected = reference.decode(groups);
        expect(decoded._tag).to.equal(expected._tag);
        if (decoded._tag === 'Right' && expected._tag === 'Right') expect(decoded.right.keyGroups).to.deep.equal(expected.right);
        else expect(PathReporter.report(decoded).join('\n')).to.contain(PathReporter.report(expected)[0].split(' supplied to ')[0]);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back the very entries it was given when they are plain (no copy)', () => {
    const groups = { 3: { count: [['k1', '1'], ['k2', '2']] }, 7: { count: [] } };
    const decoded = KeyedStateSnapshotCodec.decode({ keyGroups: groups });
    expect(decoded._tag === 'Right' && decoded.right.keyGroups).to.equal(groups);
  });

  it('refuses an entry whose value is not a string, naming where it is', () => {
    const report = PathReporter.report(KeyedStateSnapshotCodec.decode({ keyGroups: { 5: { count: [['k', 1]] } } }));
    expect(report).to.have.length(1);
    expect(report[0]).to.match(/^Invalid value 1 supplied to .*\/keyGroups: .*\/5: .*\/count: .*\/0: .*\/1: string$/);
  });
});
