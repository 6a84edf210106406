import { expect } from 'chai';
import fc from 'fast-check';
import { isRight } from 'fp-ts/Either';
import { KeyedStateSnapshot } from '../../src/state/KeyedStateBackend';
import { MAX_RECORDED_SHARE, MemoryKeyedStateBackend, RECORDED_KEYS_FLOOR } from '../../src/state/MemoryKeyedStateBackend';
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

/**
 * Runs random histories of updates, removals and checkpoints over `baseKeys` keys written
 * first, checks that every snapshot restores exactly the state it was taken of and folds to the
 * full copy a fresh backend takes of it; returns how many snapshots were chains of several
 * deltas and how many full copies followed the first.
 */
function checkRandomHistories(baseKeys: number): { chains: number; fullCopies: number } {
  let chains = 0;
  let fullCopies = 0;
  const everyKey: Key[] = [...pool, ...[...Array(baseKeys).keys()].map((i) => `user-${i}`)];
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const b = backend();
      writeKeys(b, baseKeys);
      const first = b.snapshot();
      let base = first.keyGroups;
      const taken: Array<{ snapshot: KeyedStateSnapshot; state: Map<string, [number | undefined, string[]]> }> = [];
      const take = () => {
        const snapshot = b.snapshot();
        if (snapshot.keyGroups !== base) fullCopies++;
        base = snapshot.keyGroups;
        taken.push({ snapshot, state: stateOf(b, everyKey) });
      };
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
  return { chains, fullCopies };
}

/** Every entry of a snapshot's full copy, by key text. */
function entriesByKey(snapshot: KeyedStateSnapshot): Map<string, readonly [string, string]> {
  const out = new Map<string, readonly [string, string]>();
  for (const states of Object.values(snapshot.keyGroups)) for (const entry of states.value ?? []) out.set(entry[0], entry);
  return out;
}

describe('state/keyedStateDeltas: incremental snapshots of the memory backend', () => {
  it('restores, from any chain taken after any sequence of updates, removals and checkpoints, exactly the state it was taken of', () => {
    // Keys beside the pool, so the full copy outweighs the deltas of a run and chains grow.
    const { chains } = checkRandomHistories(200);
    // The runs did exercise chains of several deltas, not only full copies.
    expect(chains).to.be.above(10);
  });

  it('restores exactly from full copies that reused the entries of the keys unchanged since the snapshot before', () => {
    // Few keys beside the pool: most checkpoints change more than a quarter of them, so full copies follow each other.
    const { fullCopies } = checkRandomHistories(8);
    expect(fullCopies).to.be.above(50);
  });

  it('encodes in a full copy only the keys changed since the last snapshot, and reuses the entries of the others', () => {
    const b = backend();
    writeKeys(b, 100);
    const first = entriesByKey(b.snapshot());
    writeKeys(b, 30); // more than a quarter: the next snapshot is a full copy
    b.setCurrentKey('user-99');
    b.getValueState(value).clear();
    const full = b.snapshot();
    expect(full.increments).to.equal(undefined);
    const second = entriesByKey(full);
    expect(second.size).to.equal(99);
    for (let i = 0; i < 99; i++) {
      const key = `user-${i}`;
      // The same objects as the snapshot before's for the keys unchanged since; new ones for the others.
      expect(second.get(key) === first.get(key)).to.equal(i >= 30, key);
    }
    expect(stateOf(restored([full]), ['user-0', 'user-30', 'user-99'])).to.deep.equal(
      new Map([
        ['"user-0"', [0, []]],
        ['"user-30"', [30, []]],
      ]),
    );
  });

  it(`encodes every entry of a full copy again once more keys changed than ${MAX_RECORDED_SHARE * 100}% of all (or ${RECORDED_KEYS_FLOOR})`, () => {
    const keys = 4 * RECORDED_KEYS_FLOOR;
    const b = backend();
    writeKeys(b, keys);
    const first = entriesByKey(b.snapshot());
    writeKeys(b, keys * MAX_RECORDED_SHARE + 1); // recording stops: every entry is encoded anew
    const second = entriesByKey(b.snapshot());
    expect([...second].filter(([key, entry]) => first.get(key) === entry)).to.deep.equal([]);
    writeKeys(b, keys * MAX_RECORDED_SHARE - 1); // no mirror kept after such a copy: encoded anew again
    const third = entriesByKey(b.snapshot());
    expect([...third].filter(([key, entry]) => second.get(key) === entry)).to.deep.equal([]);
    writeKeys(b, keys * MAX_RECORDED_SHARE - 1); // recorded, and the copy before was kept: the rest reused
    const fourth = entriesByKey(b.snapshot());
    expect([...fourth].filter(([key, entry]) => third.get(key) === entry)).to.have.length(keys * (1 - MAX_RECORDED_SHARE) + 1);
    expect(stateOf(restored([b.snapshot()]), ['user-0', `user-${keys - 1}`])).to.deep.equal(
      new Map([
        ['"user-0"', [0, []]],
        [`"user-${keys - 1}"`, [keys - 1, []]],
      ]),
    );
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
