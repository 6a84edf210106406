import { expect } from 'chai';
import fc from 'fast-check';
import { Serializers } from '../../src/state/Serializer';
import {
  AggregateFunction,
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../../src/state/StateDescriptor';

import { onEachKeyedBackend } from '../support/keyedBackends';
import { checkpoint } from '../support/checkpointIds';

const average: AggregateFunction<number, { sum: number; count: number }, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, count: acc.count + 1 }),
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

describe('state/keyedStates', () => {
  onEachKeyedBackend((under) => {
    /** A backend owning all 128 key groups, so any key can be current. */
    const backend = () => under.create();

    describe('ValueState', () => {
      it('keeps one value per key', async () => {
        const b = backend();
        const s = b.getValueState(new ValueStateDescriptor('last', Serializers.string));
        await under.at(b, 'a');
        s.update('x');
        await under.at(b, 'b');
        expect(s.value()).to.equal(undefined);
        s.update('y');
        await under.at(b, 'a');
        expect(s.value()).to.equal('x');
        await under.at(b, 'b');
        expect(s.value()).to.equal('y');
      });

      it("returns the descriptor's default for a key without a value, without storing it", async () => {
        const b = backend();
        const s = b.getValueState(new ValueStateDescriptor('count', Serializers.number, 0));
        await under.at(b, 'a');
        expect(s.value()).to.equal(0);
        expect(b.keyCounts()).to.deep.equal({ count: 0 });
        s.update(5);
        expect(s.value()).to.equal(5);
        s.clear();
        expect(s.value()).to.equal(0);
        expect(b.keyCounts()).to.deep.equal({ count: 0 });
      });

      it('clears the key when updated with undefined', async () => {
        const b = backend();
        const s = b.getValueState(new ValueStateDescriptor<number | undefined>('n', Serializers.json<number | undefined>()));
        await under.at(b, 'a');
        s.update(1);
        s.update(undefined);
        expect(s.value()).to.equal(undefined);
        expect(b.keyCounts()).to.deep.equal({ n: 0 });
      });

      it('keeps a value for 0, false and the empty string (they are values, not absence)', async () => {
        const b = backend();
        const n = b.getValueState(new ValueStateDescriptor('n', Serializers.number, 7));
        const f = b.getValueState(new ValueStateDescriptor('f', Serializers.boolean, true));
        const t = b.getValueState(new ValueStateDescriptor('t', Serializers.string, 'default'));
        await under.at(b, 'a');
        n.update(0);
        f.update(false);
        t.update('');
        expect([n.value(), f.value(), t.value()]).to.deep.equal([0, false, '']);
      });
    });

    describe('ListState', () => {
      it('keeps one list per key through add, addAll, update and clear', async () => {
        const b = backend();
        const s = b.getListState(new ListStateDescriptor('seen', Serializers.number));
        await under.at(b, 'a');
        expect(s.get()).to.deep.equal([]);
        s.add(1);
        s.addAll([2, 3]);
        await under.at(b, 'b');
        s.addAll([10]);
        s.add(11);
        await under.at(b, 'a');
        expect(s.get()).to.deep.equal([1, 2, 3]);
        s.update([9, 8]);
        expect(s.get()).to.deep.equal([9, 8]);
        await under.at(b, 'b');
        expect(s.get()).to.deep.equal([10, 11]);
        s.clear();
        expect(s.get()).to.deep.equal([]);
        await under.at(b, 'a');
        expect(s.get()).to.deep.equal([9, 8]);
      });

      it('returns a copy from get(): changing it does not change the state', async () => {
        const b = backend();
        const s = b.getListState(new ListStateDescriptor('seen', Serializers.number));
        await under.at(b, 'a');
        s.addAll([1, 2]);
        const got = s.get();
        got.push(99);
        got[0] = -1;
        expect(s.get()).to.deep.equal([1, 2]);
      });

      it('copies the arrays given to addAll and update: changing them later does not change the state', async () => {
        const b = backend();
        const s = b.getListState(new ListStateDescriptor('seen', Serializers.number));
        await under.at(b, 'a');
        const added = [1, 2];
        s.addAll(added);
        added.push(3);
        expect(s.get()).to.deep.equal([1, 2]);
        const replaced = [7];
        s.update(replaced);
        replaced.push(8);
        expect(s.get()).to.deep.equal([7]);
      });

      it('stores no entry for an empty list (update([]) and addAll([]) on an absent key)', async () => {
        const b = backend();
        const s = b.getListState(new ListStateDescriptor('seen', Serializers.number));
        await under.at(b, 'a');
        s.addAll([]);
        expect(b.keyCounts()).to.deep.equal({ seen: 0 });
        s.add(1);
        s.update([]);
        expect(s.get()).to.deep.equal([]);
        expect(b.keyCounts()).to.deep.equal({ seen: 0 });
      });

      it('behaves like a per-key array under any sequence of operations', async () => {
        type Op =
          | { op: 'key'; key: string }
          | { op: 'add'; v: number }
          | { op: 'addAll'; vs: number[] }
          | { op: 'update'; vs: number[] }
          | { op: 'clear' };
        const op: fc.Arbitrary<Op> = fc.oneof(
          fc.constantFrom('a', 'b', 'c').map((key) => ({ op: 'key' as const, key })),
          fc.integer().map((v) => ({ op: 'add' as const, v })),
          fc.array(fc.integer(), { maxLength: 3 }).map((vs) => ({ op: 'addAll' as const, vs })),
          fc.array(fc.integer(), { maxLength: 3 }).map((vs) => ({ op: 'update' as const, vs })),
          fc.constant({ op: 'clear' as const }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
            const b = backend();
            const s = b.getListState(new ListStateDescriptor('l', Serializers.number));
            const model = new Map<string, number[]>();
            let key = 'a';
            await under.at(b, key);
            for (const o of ops) {
              const cur = model.get(key) ?? [];
              switch (o.op) {
                case 'key':
                  key = o.key;
                  await under.at(b, key);
                  break;
                case 'add':
                  s.add(o.v);
                  model.set(key, [...cur, o.v]);
                  break;
                case 'addAll':
                  s.addAll(o.vs);
                  model.set(key, [...cur, ...o.vs]);
                  break;
                case 'update':
                  s.update(o.vs);
                  model.set(key, [...o.vs]);
                  break;
                case 'clear':
                  s.clear();
                  model.set(key, []);
                  break;
              }
              expect(s.get()).to.deep.equal(model.get(key) ?? []);
            }
            for (const k of ['a', 'b', 'c']) {
              await under.at(b, k);
              expect(s.get()).to.deep.equal(model.get(k) ?? []);
            }
            await b.dispose();
          }),
        );
      });
    });

    describe('MapState', () => {
      it('keeps one map per key through put, putAll, get, contains, remove and clear', async () => {
        const b = backend();
        const s = b.getMapState(new MapStateDescriptor('clicks', Serializers.string, Serializers.number));
        await under.at(b, 'u1');
        expect(s.isEmpty()).to.equal(true);
        s.put('home', 1);
        s.putAll([
          ['cart', 2],
          ['home', 3],
        ]);
        await under.at(b, 'u2');
        expect(s.isEmpty()).to.equal(true);
        expect(s.get('home')).to.equal(undefined);
        s.put('home', 10);
        await under.at(b, 'u1');
        expect(s.get('home')).to.equal(3);
        expect(s.get('cart')).to.equal(2);
        expect(s.get('nope')).to.equal(undefined);
        expect(s.contains('cart')).to.equal(true);
        expect(s.contains('nope')).to.equal(false);
        expect(s.isEmpty()).to.equal(false);
        expect(s.entries()).to.deep.equal([
          ['home', 3],
          ['cart', 2],
        ]);
        expect(s.keys()).to.deep.equal(['home', 'cart']);
        expect(s.values()).to.deep.equal([3, 2]);
        s.remove('home');
        s.remove('nope');
        expect(s.entries()).to.deep.equal([['cart', 2]]);
        s.clear();
        expect(s.isEmpty()).to.equal(true);
        expect(s.entries()).to.deep.equal([]);
        await under.at(b, 'u2');
        expect(s.entries()).to.deep.equal([['home', 10]]);
      });

      it('stores no entry for a key whose map became empty', async () => {
        const b = backend();
        const s = b.getMapState(new MapStateDescriptor('m', Serializers.string, Serializers.number));
        await under.at(b, 'a');
        s.put('x', 1);
        expect(b.keyCounts()).to.deep.equal({ m: 1 });
        s.remove('x');
        expect(s.isEmpty()).to.equal(true);
        expect(b.keyCounts()).to.deep.equal({ m: 0 });
        s.remove('x');
        s.putAll([]);
        expect(b.keyCounts()).to.deep.equal({ m: 0 });
      });

      it('returns copies from entries(), keys() and values(): changing them does not change the state', async () => {
        const b = backend();
        const s = b.getMapState(new MapStateDescriptor('m', Serializers.string, Serializers.number));
        await under.at(b, 'a');
        s.put('x', 1);
        s.entries().push(['y', 2]);
        s.entries()[0][1] = 99;
        s.keys().push('z');
        s.values().push(3);
        expect(s.entries()).to.deep.equal([['x', 1]]);
      });
    });

    describe('ReducingState', () => {
      it("folds added values per key with the descriptor's reduce", async () => {
        const b = backend();
        const s = b.getReducingState(new ReducingStateDescriptor('max', (x: number, y: number) => Math.max(x, y), Serializers.number));
        await under.at(b, 'a');
        expect(s.get()).to.equal(undefined);
        s.add(3);
        s.add(7);
        s.add(5);
        await under.at(b, 'b');
        s.add(-1);
        await under.at(b, 'a');
        expect(s.get()).to.equal(7);
        await under.at(b, 'b');
        expect(s.get()).to.equal(-1);
        s.clear();
        expect(s.get()).to.equal(undefined);
      });

      it('calls reduce with the stored value first and the added value second', async () => {
        const b = backend();
        const s = b.getReducingState(new ReducingStateDescriptor('concat', (x: string, y: string) => `${x}${y}`, Serializers.string));
        await under.at(b, 'a');
        for (const c of ['x', 'y', 'z']) s.add(c);
        expect(s.get()).to.equal('xyz');
      });
    });

    describe('AggregatingState', () => {
      it('keeps an accumulator per key and returns the result of the aggregate', async () => {
        const b = backend();
        const s = b.getAggregatingState(new AggregatingStateDescriptor('avg', average, Serializers.json<{ sum: number; count: number }>()));
        await under.at(b, 'a');
        expect(s.get()).to.equal(undefined);
        s.add(1);
        s.add(2);
        await under.at(b, 'b');
        s.add(10);
        await under.at(b, 'a');
        s.add(6);
        expect(s.get()).to.equal(3);
        await under.at(b, 'b');
        expect(s.get()).to.equal(10);
        s.clear();
        expect(s.get()).to.equal(undefined);
        s.add(4);
        expect(s.get()).to.equal(4);
      });

      it('stores the accumulator, not the result', async () => {
        const b = backend();
        const s = b.getAggregatingState(new AggregatingStateDescriptor('avg', average, Serializers.json<{ sum: number; count: number }>()));
        await under.at(b, 'a');
        s.add(1);
        s.add(2);
        const snap = await b.snapshot(checkpoint(1));
        const entries = Object.values(snap.keyGroups).flatMap((g) => g.avg ?? []);
        expect(entries.map(([, text]) => JSON.parse(text))).to.deep.equal([{ sum: 3, count: 2 }]);
      });
    });

    it('keeps the states of one backend apart: equal keys in different states do not meet', async () => {
      const b = backend();
      const v = b.getValueState(new ValueStateDescriptor('v', Serializers.number));
      const w = b.getValueState(new ValueStateDescriptor('w', Serializers.number));
      await under.at(b, 'a');
      v.update(1);
      w.update(2);
      expect([v.value(), w.value()]).to.deep.equal([1, 2]);
      v.clear();
      expect([v.value(), w.value()]).to.deep.equal([undefined, 2]);
    });
  });
});
