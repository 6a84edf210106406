import { expect } from 'chai';
import { EvictionOrder } from '../../src/state/EvictionOrder';
import { CacheEntry } from '../../src/state/cacheEntry';

/** Entries with only what the order reads (its links); the rest is not its business. */
const entryNamed = (keyString: string): CacheEntry => ({ keyString, older: undefined, newer: undefined }) as unknown as CacheEntry;

function walk(order: EvictionOrder): string[] {
  const keys: string[] = [];
  for (let entry = order.first(); entry !== undefined; entry = entry.newer) keys.push(entry.keyString);
  return keys;
}

describe('state/EvictionOrder', () => {
  it('keeps entries oldest first as a Set keeps insertion order: add of a listed entry, delete of an unlisted one change nothing', () => {
    const order = new EvictionOrder();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entryNamed);
    for (const entry of [a, b, c]) order.add(entry);
    order.add(a);
    order.delete(d);
    expect([walk(order), order.size]).to.deep.equal([['a', 'b', 'c'], 3]);
    order.delete(b);
    expect([walk(order), order.size, order.has(b), order.has(a), order.has(c)]).to.deep.equal([['a', 'c'], 2, false, true, true]);
    order.moveToNewest(a);
    order.add(d);
    order.moveToNewest(d);
    expect(walk(order)).to.deep.equal(['c', 'a', 'd']);
    order.delete(c);
    order.delete(d);
    order.delete(a);
    expect([walk(order), order.size, order.has(a)]).to.deep.equal([[], 0, false]);
    order.add(b);
    expect(walk(order)).to.deep.equal(['b']);
  });

  it('walks only live entries after many removals, and unlinks every entry when cleared', () => {
    const order = new EvictionOrder();
    const entries = Array.from({ length: 1000 }, (_, i) => entryNamed(`k${i}`));
    for (const entry of entries) order.add(entry);
    for (let i = 0; i < 1000; i++) if (i % 10 !== 0) order.delete(entries[i]);
    expect(walk(order)).to.deep.equal(Array.from({ length: 100 }, (_, i) => `k${i * 10}`));
    order.clear();
    expect([walk(order), order.size, entries.some((e) => order.has(e) || e.older !== undefined || e.newer !== undefined)]).to.deep.equal([[], 0, false]);
  });
});
