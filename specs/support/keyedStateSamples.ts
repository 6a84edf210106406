/**
 * The sample state the backend specs write and check: four states of every kind, with values
 * derived from a number per key, so that any key's state can be checked after a snapshot,
 * a restore or a rescale.
 */
import { expect } from 'chai';
import { KeyedStateBackend, KeyedStateSnapshot } from '../../src/state/KeyedStateBackend';
import { Serializers } from '../../src/state/Serializer';
import { ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { Key } from '../../src/state/keyHash';
import { foldKeyedSnapshot } from '../../src/state/keyedStateDeltas';

export const count = new ValueStateDescriptor('count', Serializers.number, 0);
export const events = new ListStateDescriptor('events', Serializers.string);
export const pages = new MapStateDescriptor('pages', Serializers.string, Serializers.number);
export const total = new ReducingStateDescriptor('total', (a: number, b: number) => a + b, Serializers.number);

/** Makes `key` current and gives it the sample state of number `n`. */
export function writeSample(b: KeyedStateBackend, key: Key, n: number): void {
  b.setCurrentKey(key);
  b.getValueState(count).update(n);
  b.getListState(events).addAll([`e${n}`, `f${n}`]);
  b.getMapState(pages).put(`p${n % 3}`, n);
  b.getReducingState(total).add(n);
  b.getReducingState(total).add(1);
}

/** Makes `key` current and checks that it holds the sample state of number `n`. */
export function checkSample(b: KeyedStateBackend, key: Key, n: number): void {
  b.setCurrentKey(key);
  expect(b.getValueState(count).value(), `count of ${String(key)}`).to.equal(n);
  expect(b.getListState(events).get(), `events of ${String(key)}`).to.deep.equal([`e${n}`, `f${n}`]);
  expect(b.getMapState(pages).entries(), `pages of ${String(key)}`).to.deep.equal([[`p${n % 3}`, n]]);
  expect(b.getReducingState(total).get(), `total of ${String(key)}`).to.equal(n + 1);
}

/**
 * Key group -> state -> entries sorted (empty states left out), to compare snapshots whatever
 * the order of entries; a chain of deltas is compared by the state it restores to.
 */
export function normalized(snapshot: KeyedStateSnapshot): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const [kg, states] of Object.entries(foldKeyedSnapshot(snapshot).keyGroups)) {
    for (const [name, entries] of Object.entries(states)) if (entries.length > 0) (out[kg] ??= {})[name] = entries.map((e) => JSON.stringify(e)).sort();
  }
  return out;
}
