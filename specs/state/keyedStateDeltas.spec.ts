import { expect } from 'chai';
import fc from 'fast-check';
import { isRight } from 'fp-ts/Either';
import { KeyedStateSnapshot } from '../../src/state/KeyedStateBackend';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { Serializers } from '../../src/state/Serializer';
import { ListStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { keyGroupRangeForOperator } from '../../src/state/keyGroups';
import { Key } from '../../src/state/keyHash';
import { MAX_DELTA_CHAIN, MAX_DELTA_SHARE, entryCount, foldKeyedSnapshot } from '../../src/state/keyedStateDeltas';
import { normalized } from '../support/keyedStateSamples';

const value = new ValueStateDescriptor<number>('value', Serializers.number);
const list = new ListStateDescriptor<string>('list', Serializers.string);
const ALL = { start: 0, end: 127 };

/** The keys the specs use: strings, numbers and composite keys, spread over the key groups. */
const pool: Key[] = [...[...Array(12).keys()].map((i) => `k${i}`), ...[...Array(12).keys()].map((i) => i * 7), ['eu', 3], { user: 'u1' }];

function backend(range = ALL): MemoryKeyedStateBackend {
  return new MemoryKeyedStateBackend(range, 128);
}

function restored(snapshots: readonly KeyedStateSnapshot[], range = ALL): MemoryKeyedStateBackend {
  const b = backend(range);
  expect(isRight(b.restore(snapshots))).to.equal(true);
  return b;
}

/** Key -> [value, list] of every key of the pool that has state, as `b` holds it. */
function stateOf(b: MemoryKeyedStateBackend, keys: readonly Key[] = pool): Map<string, [number | undefined, string[]]> {
  const out = new Map<string, [number | undefined, string[]]>();
  for (const key of keys) {
    b.setCurrentKey(key);
    const v = b.getValueState(value).value();
    const l = b.getListState(list).get();
    if (v !== undefined || l.length > 0) out.set(JSON.stringify(key), [v, [...l]]);
  }
  return out;
}

/** The pool and the keys writeKeys(b, 200) writes. */
const everyKey: Key[] = [...pool, ...[...Array(200).keys()].map((i) => `user-${i}`)];

function writeKeys(b: MemoryKeyedStateBackend, n: number): void {
  for (let i = 0; i < n; i++) {
    b.setCurrentKey(`user-${i}`);
    b.getValueState(value).update(i);
  }
}

type Op =
  | { readonly type: 'update'; readonly key: number; readonly n: number }
  | { readonly type: 'clear'; readonly key: number }
  | { readonly type: 'add'; readonly key: number; readonly s: string }
  | { readonly type: 'clearList'; readonly key: number }
  | { readonly type: 'checkpoint' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('update' as const), key: fc.nat(pool.length - 1), n: fc.integer() }),
  fc.record({ type: fc.constant('clear' as const), key: fc.nat(pool.length - 1) }),
  fc.record({ type: fc.constant('add' as const), key: fc.nat(pool.length - 1), s: fc.string({ maxLength: 3 }) }),
  fc.record({ type: fc.constant('clearList' as const), key: fc.nat(pool.length - 1) }),
  fc.constant({ type: 'checkpoint' as const }),
);

describe('state/keyedStateDeltas: incremental snapshots of the memory backend', () => {
  it('restores, from any chain taken after any sequence of updates, removals and checkpoints, exactly the state it was taken of', () => {
    let chains = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        // Keys beside the pool, so the full copy outweighs the deltas of a run and chains grow.
        const b = backend();
        writeKeys(b, 200);
        b.snapshot();
        const taken: Array<{ snapshot: KeyedStateSnapshot; state: Map<string, [number | undefined, string[]]> }> = [];
        const take = () => taken.push({ snapshot: b.snapshot(), state: stateOf(b, everyKey) });
        for (const o of ops) {
          if (o.type === 'checkpoint') {
            take();
            continue;
          }
          b.setCurrentKey(pool[o.key]);
          if (o.type === 'update') b.getValueState(value).update(o.n);
          else if (o.type === 'clear') b.getValueState(value).clear();
          else if (o.type === 'add') b.getListState(list).add(o.s);
          else b.getListState(list).clear();
        }
        take();
        for (const { snapshot, state } of taken) {
          if ((snapshot.increments?.length ?? 0) > 1) chains++;
          expect(stateOf(restored([snapshot]), everyKey)).to.deep.equal(state);
          // The chain folded is the full copy a backend holding that state takes.
          const again = restored([snapshot]);
          stateOf(again, everyKey); // asks for both states, so their entries are decoded and encoded afresh
          expect(normalized(again.snapshot())).to.deep.equal(normalized(foldKeyedSnapshot(snapshot)));
        }
      }),
      { numRuns: 200 },
    );
    // The runs did exercise chains of several deltas, not only full copies.
    expect(chains).to.be.above(10);
  });

  it('encodes only the entries written or removed since the last snapshot, chained to it', () => {
    const b = backend();
    writeKeys(b, 100);
    const first = b.snapshot();
    expect(first.increments).to.equal(undefined);
    expect(entryCount(first.keyGroups)).to.equal(100);
    b.setCurrentKey('user-3');
    b.getValueState(value).update(-3);
    b.getValueState(value).update(-33);
    b.setCurrentKey('user-4');
    b.getValueState(value).clear();
    b.setCurrentKey('new');
    b.getValueState(value).update(1);
    const second = b.snapshot();
    // The full copy is the same object: shared, not encoded again.
    expect(second.keyGroups).to.equal(first.keyGroups);
    expect(second.increments).to.have.length(1);
    const [delta] = second.increments!;
    expect(Object.values(delta.keyGroups).flatMap((s) => s.value).sort()).to.deep.equal([['new', '1'], ['user-3', '-33']].sort());
    expect(Object.values(delta.removed).flatMap((s) => s.value)).to.deep.equal(['user-4']);
    expect(Object.isFrozen(delta)).to.equal(true);
    // Nothing changed since: the same chain again.
    const third = b.snapshot();
    expect(third.keyGroups).to.equal(first.keyGroups);
    expect(third.increments).to.deep.equal(second.increments);
    expect(third.increments![0]).to.equal(delta);
  });

  it(`takes a full copy again once the chain reaches ${MAX_DELTA_CHAIN} links`, () => {
    const b = backend();
    writeKeys(b, 1000);
    const base = b.snapshot().keyGroups;
    for (let i = 1; i < MAX_DELTA_CHAIN; i++) {
      b.setCurrentKey(`user-${i}`);
      b.getValueState(value).update(-i);
      const s = b.snapshot();
      expect(s.keyGroups).to.equal(base);
      expect(s.increments).to.have.length(i);
    }
    b.setCurrentKey('user-0');
    b.getValueState(value).update(-1000);
    const compacted = b.snapshot();
    expect(compacted.keyGroups).not.to.equal(base);
    expect(compacted.increments).to.equal(undefined);
    expect(entryCount(compacted.keyGroups)).to.equal(1000);
    expect(stateOf(restored([compacted]), ['user-0', 'user-1', 'user-999'])).to.deep.equal(
      new Map([
        ['"user-0"', [-1000, []]],
        ['"user-1"', [-1, []]],
        ['"user-999"', [999, []]],
      ]),
    );
  });

  it(`takes a full copy when more keys changed than ${MAX_DELTA_SHARE * 100}% of the full copy`, () => {
    const b = backend();
    writeKeys(b, 100);
    b.snapshot();
    writeKeys(b, 24);
    expect(b.snapshot().increments).to.have.length(1);
    writeKeys(b, 25);
    const full = b.snapshot();
    expect(full.increments).to.equal(undefined);
    expect(entryCount(full.keyGroups)).to.equal(100);
  });

  it('takes a full copy again once the deltas would hold as many entries as the full copy', () => {
    const b = backend();
    writeKeys(b, 100);
    b.snapshot();
    for (let i = 1; i <= 4; i++) {
      writeKeys(b, 20);
      expect(b.snapshot().increments).to.have.length(i);
    }
    writeKeys(b, 20);
    expect(b.snapshot().increments).to.equal(undefined);
  });

  it('restores a chain at another parallelism: each instance takes the keys of its key groups', () => {
    const b = backend();
    writeKeys(b, 200);
    b.snapshot();
    for (let i = 0; i < 50; i += 5) {
      b.setCurrentKey(`user-${i}`);
      if (i % 10 === 0) b.getValueState(value).clear();
      else b.getValueState(value).update(-i);
    }
    const chain = b.snapshot();
    expect(chain.increments).to.have.length(1);
    const keys = [...Array(200).keys()].map((i) => `user-${i}`);
    const whole = stateOf(b, keys);
    const parts = [0, 1, 2].map((index) => restored([chain], keyGroupRangeForOperator(index, 3, 128)));
    const merged = new Map<string, [number | undefined, string[]]>();
    for (const part of parts) {
      for (const [kg, states] of Object.entries(foldKeyedSnapshot(part.snapshot()).keyGroups)) {
        expect(Number(kg)).to.be.within(part.keyGroupRange.start, part.keyGroupRange.end);
        for (const [key, text] of states.value ?? []) merged.set(JSON.stringify(key), [JSON.parse(text), []]);
      }
    }
    expect(merged).to.deep.equal(whole);
  });

  it('starts afresh with a full copy after a restore', () => {
    const b = backend();
    writeKeys(b, 20);
    b.snapshot();
    writeKeys(b, 2);
    const chain = b.snapshot();
    const again = restored([chain]);
    expect(again.snapshot().increments).to.equal(undefined);
  });
});
