import { expect } from 'chai';
import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/Either';
import { KeyedStateBackend, KeyedStateSnapshot } from '../../src/state/KeyedStateBackend';
import { Serializers } from '../../src/state/Serializer';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { keyGroupOf, keyGroupRangeForOperator, operatorIndexForKeyGroup } from '../../src/state/keyGroups';
import { Key } from '../../src/state/keyHash';
import { KeyedBackendUnderTest, onEachKeyedBackend } from '../support/keyedBackends';
import { checkSample, count, events, normalized, writeSample } from '../support/keyedStateSamples';
import { checkpoint } from '../support/checkpointIds';

/** Gives `key` the sample state of `n` after loading it, as a task does. */
async function write(under: KeyedBackendUnderTest, b: KeyedStateBackend, key: Key, n: number): Promise<void> {
  await under.at(b, key);
  writeSample(b, key, n);
}

async function check(under: KeyedBackendUnderTest, b: KeyedStateBackend, key: Key, n: number): Promise<void> {
  await under.at(b, key);
  checkSample(b, key, n);
}

/** Keys of several types. */
const keys: Key[] = [
  ...[...Array(200).keys()].map((i) => `user-${i}`),
  ...[...Array(40).keys()].map((i) => i),
  true,
  false,
  7n,
  ['eu', 1],
  { user: 'u1' },
  '#hash',
];

describe('state/KeyedStateBackend: every backend', () => {
  onEachKeyedBackend((under) => {
    const backendOf = (index: number, parallelism: number, maxParallelism = 128) => under.create(keyGroupRangeForOperator(index, parallelism, maxParallelism), maxParallelism);
    const writeAll = async (b: KeyedStateBackend, ks: readonly Key[]) => {
      for (const [n, k] of ks.entries()) await write(under, b, k, n);
    };
    const checkAll = async (b: KeyedStateBackend, ks: readonly Key[]) => {
      for (const [n, k] of ks.entries()) await check(under, b, k, n);
    };

    describe('setCurrentKey', () => {
      it('refuses a key outside its key-group range, naming the key, its key group and the range', () => {
        const b = backendOf(0, 2); // key groups 0..63
        expect(keyGroupOf('b', 128)).to.equal(120);
        expect(() => b.setCurrentKey('b')).to.throw(/key b is in key group 120, outside this task's range 0\.\.63/);
      });

      it('accepts the keys of its range and reports the current key as given', async () => {
        const b = backendOf(1, 2); // key groups 64..127
        await under.at(b, 'b');
        expect(b.getCurrentKey()).to.equal('b');
        const big = [...Array(1000).keys()].map((i) => BigInt(i)).find((k) => keyGroupOf(k, 128) >= 64)!;
        await under.at(b, big);
        expect(b.getCurrentKey()).to.equal(big);
      });

      it('keeps the previous key current when a key is refused', async () => {
        const b = backendOf(1, 2);
        await under.at(b, 'b');
        const foreign = keys.find((k) => keyGroupOf(k, 128) < 64)!;
        expect(() => b.setCurrentKey(foreign)).to.throw(/outside this task's range 64\.\.127/);
        expect(b.getCurrentKey()).to.equal('b');
      });
    });

    it('refuses to write state before any key is set (it would belong to no key group and be lost on restore)', async () => {
      const b = backendOf(0, 1);
      const s = b.getValueState(count);
      expect(() => s.update(1), 'ValueState.update before setCurrentKey').to.throw(/key/);
      expect(await b.snapshot(checkpoint(1))).to.deep.equal({ keyGroups: {} });
    });

    describe('registering states', () => {
      it('returns the same primitive for the same name and kind', () => {
        const b = backendOf(0, 1);
        expect(b.getValueState(count)).to.equal(b.getValueState(new ValueStateDescriptor('count', Serializers.number)));
      });

      it('refuses a state whose name is already used by a state of another kind, naming both kinds', () => {
        const b = backendOf(0, 1);
        b.getValueState(new ValueStateDescriptor('x', Serializers.number));
        expect(() => b.getListState(new ListStateDescriptor('x', Serializers.number))).to.throw(
          "state 'x' is already a value state; give the list state another name",
        );
        expect(() => b.getMapState(new MapStateDescriptor('x', Serializers.string, Serializers.number))).to.throw(/already a value state/);
      });

      it('counts the keys with a value in each state', async () => {
        const b = backendOf(0, 1);
        for (const [i, k] of ['a', 'b', 'c'].entries()) {
          await under.at(b, k);
          b.getValueState(count).update(i);
          if (i > 0) b.getListState(events).add('x');
        }
        expect(b.keyCounts()).to.deep.equal({ count: 3, events: 2 });
      });
    });

    describe('snapshot', () => {
      it('writes state by key group, then state name, as [key text, entry text] pairs', async () => {
        const b = backendOf(0, 1);
        await under.at(b, 'a'); // key group 38
        b.getValueState(count).update(3);
        await under.at(b, 1); // key group 122
        b.getListState(events).addAll(['x', 'y']);
        b.getValueState(count).update(4);
        expect(await b.snapshot(checkpoint(1))).to.deep.equal({
          keyGroups: {
            '38': { count: [['a', '3']] },
            '122': { count: [['#1', '4']], events: [['#1', '["\\"x\\"","\\"y\\""]']] },
          },
        });
      });

      it('leaves out keys whose state was cleared', async () => {
        const b = backendOf(0, 1);
        await under.at(b, 'a');
        b.getValueState(count).update(3);
        b.getValueState(count).clear();
        expect(await b.snapshot(checkpoint(1))).to.deep.equal({ keyGroups: {} });
      });

      it('is a value: later changes to the state do not change a taken snapshot', async () => {
        const b = backendOf(0, 1);
        await write(under, b, 'a', 1);
        const before = JSON.stringify(await b.snapshot(checkpoint(1)));
        const snap = await b.snapshot(checkpoint(2));
        await write(under, b, 'a', 2);
        await write(under, b, 'b', 3);
        expect(JSON.stringify(snap)).to.equal(before);
      });
    });

    describe('restore', () => {
      it('gives a fresh backend state equal to the snapshotted one', async () => {
        const old = backendOf(0, 1);
        await writeAll(old, keys);
        const snap = await old.snapshot(checkpoint(1));
        const fresh = backendOf(0, 1);
        expect(isRight(await fresh.restore([snap]))).to.equal(true);
        await checkAll(fresh, keys);
        expect(fresh.keyCounts()).to.deep.equal({ count: keys.length, events: keys.length, pages: keys.length, total: keys.length });
        expect(normalized(await fresh.snapshot(checkpoint(2)))).to.deep.equal(normalized(snap));
      });

      it('gives keys without restored state the defaults', async () => {
        const old = backendOf(0, 1);
        await write(under, old, 'a', 5);
        const fresh = backendOf(0, 1);
        await fresh.restore([await old.snapshot(checkpoint(1))]);
        await under.at(fresh, 'never-seen');
        expect(fresh.getValueState(count).value()).to.equal(0);
        expect(fresh.getListState(events).get()).to.deep.equal([]);
      });

      it('carries restored state not yet asked for into the next snapshot', async () => {
        const old = backendOf(0, 1);
        await writeAll(old, keys);
        const snap = await old.snapshot(checkpoint(1));
        const fresh = backendOf(0, 1);
        await fresh.restore([snap]);
        expect(normalized(await fresh.snapshot(checkpoint(2)))).to.deep.equal(normalized(snap));
        // Asking for some states only: the others are still carried.
        fresh.getValueState(count);
        await under.at(fresh, 'user-1');
        fresh.getListState(events).add('late');
        const next = normalized(await fresh.snapshot(checkpoint(3)));
        const expected = normalized(snap);
        const kg = String(keyGroupOf('user-1', 128));
        expected[kg].events = expected[kg].events
          .map((e) => (e === JSON.stringify(['user-1', JSON.stringify(['"e1"', '"f1"'])]) ? JSON.stringify(['user-1', JSON.stringify(['"e1"', '"f1"', '"late"'])]) : e))
          .sort();
        expect(next).to.deep.equal(expected);
      });

      it('ignores key groups of the snapshots that it does not own', async () => {
        const old = backendOf(0, 1);
        await writeAll(old, keys);
        const half = backendOf(0, 2);
        await half.restore([await old.snapshot(checkpoint(1))]);
        for (const kg of Object.keys((await half.snapshot(checkpoint(2))).keyGroups)) expect(Number(kg)).to.be.within(0, 63);
      });

      it('refuses to restore once a state has been used', async () => {
        const b = backendOf(0, 1);
        b.getValueState(count);
        const result = await b.restore([{ keyGroups: {} }]);
        expect(isLeft(result) && result.left).to.equal('restore must happen before any state is used');
      });

      it('refuses a snapshot with a key group that is not a number', async () => {
        const result = await backendOf(0, 1).restore([{ keyGroups: { seven: { count: [['a', '1']] } } }]);
        expect(isLeft(result) && result.left).to.equal("invalid key group 'seven' in snapshot");
      });

      describe('with a corrupt entry', () => {
        const corrupt = (text: string): KeyedStateSnapshot => ({ keyGroups: { '38': { count: [['a', text]] }, '120': { count: [['b', '2']] } } });
        /** Asks for the state of key 'a' (a backend may fail when the state is asked for, or on the read). */
        const readA = async (b: KeyedStateBackend) => {
          await under.at(b, 'a');
          return () => b.getValueState(count).value();
        };

        it('accepts the snapshot and fails on first access, naming the state, the key and the reason', async () => {
          const b = backendOf(0, 1);
          expect(isRight(await b.restore([corrupt('{oops')]))).to.equal(true);
          expect(await readA(b)).to.throw(/cannot restore state 'count' of key a: not JSON/);
        });

        it('names the shape the serializer expected when the entry is JSON of another type', async () => {
          const b = backendOf(0, 1);
          await b.restore([corrupt('"three"')]);
          expect(await readA(b)).to.throw(/cannot restore state 'count' of key a: Invalid value "three"/);
        });

        it('keeps failing on later accesses instead of silently starting the state empty', async () => {
          const b = backendOf(0, 1);
          await b.restore([corrupt('{oops')]);
          expect(await readA(b)).to.throw(/cannot restore state 'count'/);
          // A retry must not see an empty state: that would drop every restored entry of 'count'.
          expect(await readA(b), 'second access after a failed restore of the state').to.throw(/cannot restore state 'count'/);
        });

        it('does not touch other states', async () => {
          const b = backendOf(0, 1);
          await b.restore([{ keyGroups: { '38': { count: [['a', '{oops']], events: [['a', '["\\"x\\""]']] } } }]);
          await under.at(b, 'a');
          expect(b.getListState(events).get()).to.deep.equal(['x']);
        });
      });

      describe('at another parallelism', () => {
        /** Writes each key into the instance owning its key group, and returns their snapshots. */
        const snapshotsOf = async (parallelism: number, ks: readonly Key[], maxParallelism = 128, each = write) => {
          const before = [...Array(parallelism).keys()].map((i) => backendOf(i, parallelism, maxParallelism));
          for (const [n, k] of ks.entries()) await each(under, before[operatorIndexForKeyGroup(keyGroupOf(k, maxParallelism), parallelism, maxParallelism)], k, n);
          const snaps = await Promise.all(before.map((b, i) => b.snapshot(checkpoint(i))));
          await Promise.all(before.map((b) => b.dispose()));
          return snaps;
        };

        it('moves the state of 2 instances into 3, each key into exactly the instance owning its key group', async () => {
          const snaps = await snapshotsOf(2, keys);
          const after = [0, 1, 2].map((i) => backendOf(i, 3));
          for (const b of after) expect(isRight(await b.restore(snaps))).to.equal(true);

          for (const [n, k] of keys.entries()) {
            const kg = keyGroupOf(k, 128);
            const owners = after.filter((b) => b.keyGroupRange.start <= kg && kg <= b.keyGroupRange.end);
            expect(owners, `owners of ${String(k)}`).to.have.length(1);
            expect(owners[0]).to.equal(after[operatorIndexForKeyGroup(kg, 3, 128)]);
            await check(under, owners[0], k, n);
          }
          const counted = after.map((b) => b.keyCounts());
          for (const name of ['count', 'events', 'pages', 'total']) {
            expect(counted.reduce((sum, c) => sum + c[name], 0), `keys of '${name}' over all instances`).to.equal(keys.length);
          }
        });

        it('re-assigns whole key groups: every key group lands in one new snapshot with all its entries', async () => {
          const snaps = await snapshotsOf(2, keys);
          const after = [0, 1, 2].map((i) => backendOf(i, 3));
          for (const b of after) await b.restore(snaps);
          // Half of them touched, half not: both paths must keep whole groups.
          after[1].getValueState(count);
          after[2].getListState(events);

          const old = { ...normalized(snaps[0]), ...normalized(snaps[1]) };
          const now = await Promise.all(after.map(async (b) => normalized(await b.snapshot(checkpoint(3)))));
          for (const [kg, states] of Object.entries(old)) {
            const holders = now.filter((s) => kg in s);
            expect(holders, `snapshots holding key group ${kg}`).to.have.length(1);
            expect(holders[0][kg]).to.deep.equal(states);
            expect(holders[0]).to.equal(now[operatorIndexForKeyGroup(Number(kg), 3, 128)]);
          }
          expect(now.reduce((n, s) => n + Object.keys(s).length, 0)).to.equal(Object.keys(old).length);
        });

        it('loses and duplicates no key for any change of parallelism', async () => {
          const writeCount = async (_: KeyedBackendUnderTest, b: KeyedStateBackend, k: Key, n: number) => {
            await under.at(b, k);
            b.getValueState(count).update(n);
          };
          await fc.assert(
            fc.asyncProperty(
              fc.integer({ min: 1, max: 64 }).chain((maxParallelism) =>
                fc.record({
                  maxParallelism: fc.constant(maxParallelism),
                  from: fc.integer({ min: 1, max: Math.min(maxParallelism, 8) }),
                  to: fc.integer({ min: 1, max: Math.min(maxParallelism, 8) }),
                  keys: fc.uniqueArray(fc.oneof(fc.string(), fc.integer()), { maxLength: 60 }),
                }),
              ),
              async ({ maxParallelism, from, to, keys: ks }) => {
                const snaps = await snapshotsOf(from, ks, maxParallelism, writeCount);
                const after = [...Array(to).keys()].map((i) => backendOf(i, to, maxParallelism));
                for (const b of after) await b.restore(snaps);
                for (const [n, k] of ks.entries()) {
                  const b = after[operatorIndexForKeyGroup(keyGroupOf(k, maxParallelism), to, maxParallelism)];
                  await under.at(b, k);
                  expect(b.getValueState(count).value()).to.equal(n);
                }
                expect(after.reduce((sum, b) => sum + (b.keyCounts().count ?? 0), 0)).to.equal(ks.length);
                // Each run's backends go at once: a run opens up to 16 (one connection each on Redis).
                await Promise.all(after.map((b) => b.dispose()));
              },
            ),
            { numRuns: 100 },
          );
        });
      });
    });

    it('holds nothing after dispose', async () => {
      const b = backendOf(0, 1);
      await write(under, b, 'a', 1);
      await b.dispose();
      expect(b.keyCounts()).to.deep.equal({});
      expect(await b.snapshot(checkpoint(1))).to.deep.equal({ keyGroups: {} });
    });
  });
});
