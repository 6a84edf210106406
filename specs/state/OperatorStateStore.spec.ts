import { expect } from 'chai';
import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/Either';
import { FormerOperatorState, OperatorStateStore, OperatorStateSnapshot } from '../../src/state/OperatorStateStore';
import { Serializers } from '../../src/state/Serializer';
import { ListStateDescriptor, MapStateDescriptor } from '../../src/state/StateDescriptor';

const offsets = new ListStateDescriptor('offsets', Serializers.number);
const buffer = new ListStateDescriptor('buffer', Serializers.string);

function storeWith(values: { offsets?: number[]; buffer?: string[] }): OperatorStateStore {
  const s = new OperatorStateStore();
  if (values.offsets) s.getListState(offsets).addAll(values.offsets);
  if (values.buffer) s.getListState(buffer).addAll(values.buffer);
  return s;
}

/** The snapshots of instances 0..n-1 of a former run at parallelism n. */
const formerRun = (snapshots: readonly OperatorStateSnapshot[]): FormerOperatorState[] => snapshots.map((snapshot, index) => ({ index, parallelism: snapshots.length, snapshot }));

function restored(snapshots: readonly OperatorStateSnapshot[], index: number, parallelism: number): OperatorStateStore {
  const s = new OperatorStateStore();
  const result = s.restore(formerRun(snapshots), index, parallelism);
  expect(isRight(result), `restore of instance ${index} of ${parallelism}`).to.equal(true);
  return s;
}

describe('state/OperatorStateStore', () => {
  it('keeps a list per state name, and returns the same state for the same name', () => {
    const s = new OperatorStateStore();
    s.getListState(offsets).addAll([1, 2]);
    s.getListState(buffer).add('x');
    expect(s.getListState(offsets)).to.equal(s.getListState(offsets));
    expect(s.getListState(offsets).get()).to.deep.equal([1, 2]);
    expect(s.getListState(buffer).get()).to.deep.equal(['x']);
  });

  it('snapshots each list as serialized entries', () => {
    const s = storeWith({ offsets: [1, 2], buffer: ['a'] });
    expect(s.snapshot()).to.deep.equal({ lists: { offsets: ['1', '2'], buffer: ['"a"'] } });
  });

  it('snapshots a cleared list as empty', () => {
    const s = storeWith({ offsets: [1] });
    s.getListState(offsets).clear();
    expect(s.snapshot()).to.deep.equal({ lists: { offsets: [] } });
  });

  it('restores at the same parallelism to the same lists', () => {
    const snap = storeWith({ offsets: [5, 6, 7], buffer: ['a', 'b'] }).snapshot();
    const s = restored([snap], 0, 1);
    expect(s.getListState(offsets).get()).to.deep.equal([5, 6, 7]);
    expect(s.getListState(buffer).get()).to.deep.equal(['a', 'b']);
    expect(s.snapshot()).to.deep.equal(snap);
  });

  it('carries restored lists not yet asked for into the next snapshot', () => {
    const snap = storeWith({ offsets: [5, 6], buffer: ['a'] }).snapshot();
    const s = restored([snap], 0, 1);
    s.getListState(offsets).add(7);
    expect(s.snapshot()).to.deep.equal({ lists: { offsets: ['5', '6', '7'], buffer: ['"a"'] } });
  });

  describe('at the parallelism the checkpoint was taken with', () => {
    it('gives each instance back exactly the entries it wrote, not a round-robin share of all', () => {
      // Round-robin over the concatenation [1, 2, 3] would give instance 0 the entries 1 and 3.
      const snaps = [storeWith({ offsets: [1, 2] }).snapshot(), storeWith({ offsets: [3] }).snapshot()];
      expect([0, 1].map((i) => restored(snaps, i, 2).getListState(offsets).get())).to.deep.equal([[1, 2], [3]]);
    });

    it('gives each instance its own entries whatever order the snapshots come in', () => {
      const snaps = [storeWith({ buffer: ['a'] }).snapshot(), storeWith({ buffer: ['b', 'c'] }).snapshot(), storeWith({}).snapshot()];
      const shuffled = [2, 0, 1].map((i) => formerRun(snaps)[i]);
      const lists = [0, 1, 2].map((index) => {
        const s = new OperatorStateStore();
        s.restore(shuffled, index, 3);
        return s.getListState(buffer).get();
      });
      expect(lists).to.deep.equal([['a'], ['b', 'c'], []]);
    });

    it('restores any lists unchanged, instance by instance', () => {
      fc.assert(
        fc.property(fc.array(fc.array(fc.integer(), { maxLength: 6 }), { minLength: 1, maxLength: 6 }), (instances) => {
          const snaps = instances.map((o) => storeWith({ offsets: o }).snapshot());
          expect(instances.map((_, i) => restored(snaps, i, instances.length).getListState(offsets).get())).to.deep.equal(instances);
        }),
      );
    });
  });

  describe('union list state', () => {
    it('gives every instance the entries of all former instances, in the order of their indexes, at any parallelism', () => {
      const snaps = [storeWith({ offsets: [1, 2] }).snapshot(), storeWith({ offsets: [3] }).snapshot()];
      for (const parallelism of [1, 2, 3]) {
        const lists = [...Array(parallelism).keys()].map((i) => restored(snaps, i, parallelism).getUnionListState(offsets).get());
        expect(lists, `at parallelism ${parallelism}`).to.deep.equal(Array(parallelism).fill([1, 2, 3]));
      }
    });

    it('snapshots only what the instance holds, so the next restore takes the union of those again', () => {
      const snaps = [storeWith({ offsets: [1] }).snapshot(), storeWith({ offsets: [2] }).snapshot()];
      const again = [0, 1].map((i) => {
        const s = restored(snaps, i, 2);
        s.getUnionListState(offsets).update([10 + i]);
        return s.snapshot();
      });
      expect(restored(again, 0, 2).getUnionListState(offsets).get()).to.deep.equal([10, 11]);
    });

    it('is refused under the name of a state asked for as even-split list state, and the other way round', () => {
      const s = new OperatorStateStore();
      s.getListState(offsets);
      expect(() => s.getUnionListState(offsets)).to.throw("operator state 'offsets' is split list state; ask for it the same way each time");
      s.getUnionListState(buffer);
      expect(() => s.getListState(buffer)).to.throw("operator state 'buffer' is union list state; ask for it the same way each time");
    });

    it('carries a list never asked for as an even share, so no entry is multiplied by the instances', () => {
      const snaps = [storeWith({ offsets: [1, 2] }).snapshot(), storeWith({ offsets: [3] }).snapshot()];
      const again = [0, 1, 2].map((i) => restored(snaps, i, 3).snapshot());
      expect(again.flatMap((s) => s.lists.offsets ?? []).sort()).to.deep.equal(['1', '2', '3']);
    });
  });

  it('deals the entries of 2 instances round-robin over 3: entry i of the concatenation goes to instance i mod 3', () => {
    const snaps = [storeWith({ offsets: [0, 1, 2, 3] }).snapshot(), storeWith({ offsets: [4, 5, 6] }).snapshot()];
    const lists = [0, 1, 2].map((i) => restored(snaps, i, 3).getListState(offsets).get());
    expect(lists).to.deep.equal([
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
  });

  it('gathers the entries of 3 instances into 1', () => {
    const snaps = [storeWith({ buffer: ['a'] }).snapshot(), storeWith({}).snapshot(), storeWith({ buffer: ['b', 'c'] }).snapshot()];
    expect(restored(snaps, 0, 1).getListState(buffer).get()).to.deep.equal(['a', 'b', 'c']);
  });

  it('loses and duplicates no entry when restored at any other parallelism, and splits evenly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ offsets: fc.array(fc.integer(), { maxLength: 12 }), buffer: fc.array(fc.string(), { maxLength: 5 }) }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 8 }),
        (instances, parallelism) => {
          fc.pre(parallelism !== instances.length);
          const snaps = instances.map((v) => storeWith(v).snapshot());
          const after = [...Array(parallelism).keys()].map((i) => restored(snaps, i, parallelism));
          const allOffsets = after.map((s) => s.getListState(offsets).get());
          const allBuffers = after.map((s) => s.getListState(buffer).get());
          const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);
          expect(sortNum(allOffsets.flat())).to.deep.equal(sortNum(instances.flatMap((v) => v.offsets)));
          expect([...allBuffers.flat()].sort()).to.deep.equal(instances.flatMap((v) => v.buffer).sort());
          const sizes = allOffsets.map((l) => l.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
        },
      ),
    );
  });

  it('loses nothing of lists never asked for when restored at another parallelism and snapshotted again', () => {
    const snaps = [storeWith({ offsets: [1, 2, 3] }).snapshot(), storeWith({ offsets: [4] }).snapshot()];
    const again = [0, 1, 2].map((i) => restored(snaps, i, 3).snapshot());
    expect(again.flatMap((s) => s.lists.offsets ?? []).sort()).to.deep.equal(['1', '2', '3', '4']);
  });

  it('refuses to restore once a state has been used', () => {
    const s = new OperatorStateStore();
    s.getListState(offsets);
    const result = s.restore(formerRun([{ lists: {} }]), 0, 1);
    expect(isLeft(result) && result.left).to.equal('restore must happen before any operator state is used');
  });

  describe('with a corrupt entry', () => {
    it('fails on first access, naming the state and the reason', () => {
      const s = restored([{ lists: { offsets: ['1', 'x'] } }], 0, 1);
      expect(() => s.getListState(offsets)).to.throw(/cannot restore operator state 'offsets': not JSON/);
    });

    it('keeps failing on later accesses instead of silently starting the list empty', () => {
      const s = restored([{ lists: { offsets: ['1', '"two"'] } }], 0, 1);
      expect(() => s.getListState(offsets)).to.throw(/cannot restore operator state 'offsets': Invalid value "two"/);
      expect(() => s.getListState(offsets), 'second access after a failed restore of the state').to.throw(/cannot restore operator state 'offsets'/);
    });
  });
  describe('broadcast state', () => {
    const rules = new MapStateDescriptor('rules', Serializers.string, Serializers.json<{ limit: number }>());
    const withRules = (entries: Array<[string, number]>) => {
      const s = new OperatorStateStore();
      for (const [k, limit] of entries) s.getBroadcastState(rules).put(k, { limit });
      return s.snapshot();
    };

    it('snapshots the whole map on every instance, an entry per key', () => {
      const snap = withRules([['a', 1], ['b', 2]]);
      expect(snap.lists.rules).to.deep.equal([JSON.stringify(['"a"', '{"limit":1}']), JSON.stringify(['"b"', '{"limit":2}'])]);
    });

    for (const [from, to] of [[2, 3], [3, 1], [2, 2], [1, 4]]) {
      it(`restored from ${from} instances at ${to}, gives every instance the whole map`, () => {
        const snaps = Array.from({ length: from }, () => withRules([['a', 1], ['b', 2]]));
        for (let i = 0; i < to; i++) {
          const state = restored(snaps, i, to).getBroadcastState(rules);
          expect(state.immutableEntries(), `instance ${i} of ${to}`).to.deep.equal([['a', { limit: 1 }], ['b', { limit: 2 }]]);
        }
      });
    }

    it('gives instance i the copy of former instance i mod (former parallelism)', () => {
      const snaps = [withRules([['a', 0]]), withRules([['a', 1]])];
      expect([0, 1, 2].map((i) => restored(snaps, i, 3).getBroadcastState(rules).get('a'))).to.deep.equal([{ limit: 0 }, { limit: 1 }, { limit: 0 }]);
    });

    it('is refused under the name of a list state, and the other way round', () => {
      const s = new OperatorStateStore();
      s.getBroadcastState(new MapStateDescriptor('offsets', Serializers.string, Serializers.number));
      expect(() => s.getListState(offsets)).to.throw("operator state 'offsets' is broadcast state; ask for it the same way each time");
      s.getUnionListState(buffer);
      expect(() => s.getBroadcastState(new MapStateDescriptor('buffer', Serializers.string, Serializers.number))).to.throw(
        "operator state 'buffer' is union list state; ask for it the same way each time",
      );
    });

    it('refuses an entry that does not decode, naming the state and the key', () => {
      const s = restored([{ lists: { rules: [JSON.stringify(['"a"', '{"limit":1}']), JSON.stringify(['"b"', 'not json'])] } }], 0, 1);
      expect(() => s.getBroadcastState(rules)).to.throw(/cannot restore broadcast state 'rules': value of key "b": not JSON/);
    });
  });
});
