import { expect } from 'chai';
import fc from 'fast-check';
import { assignSticky } from '../../src/instances/assignSticky';

const names = ['i-a', 'i-b', 'i-c', 'i-d', 'i-e', 'i-f'];

/** Units 0..n-1, a live set, and previous owners drawn from live and departed instances (some units new). */
const rebalance = fc
  .record({
    units: fc.integer({ min: 0, max: 40 }),
    live: fc.subarray(names, { minLength: 1 }),
    previousOwners: fc.array(fc.option(fc.constantFrom(...names, 'i-gone'), { nil: undefined }), { minLength: 40, maxLength: 40 }),
  })
  .map(({ units, live, previousOwners }) => {
    const list = Array.from({ length: units }, (_, i) => i);
    const previous = new Map<number, string>();
    list.forEach((u) => previousOwners[u] !== undefined && previous.set(u, previousOwners[u]!));
    return { units: list, live, previous };
  });

const countsOf = (owners: Map<number, string>, live: readonly string[]) => live.map((m) => [...owners.values()].filter((o) => o === m).length);

/** The most units any balanced assignment keeps with their previous owner: the best choice of the N mod M instances at the ceiling, by trying every choice. */
function mostKept(units: readonly number[], live: readonly string[], previous: Map<number, string>): number {
  const base = Math.floor(units.length / live.length);
  const extra = units.length % live.length;
  const owned = live.map((m) => units.filter((u) => previous.get(u) === m).length);
  let best = 0;
  for (let mask = 0; mask < 1 << live.length; mask++) {
    let bits = 0;
    for (let i = 0; i < live.length; i++) if (mask & (1 << i)) bits++;
    if (bits !== extra) continue;
    const kept = owned.reduce((sum, o, i) => sum + Math.min(o, base + (mask & (1 << i) ? 1 : 0)), 0);
    best = Math.max(best, kept);
  }
  return best;
}

describe('instances/assignSticky', () => {
  it('gives every unit to exactly one live instance', () => {
    fc.assert(
      fc.property(rebalance, ({ units, live, previous }) => {
        const owners = assignSticky(units, live, previous);
        expect([...owners.keys()]).to.deep.equal(units);
        for (const owner of owners.values()) expect(live).to.include(owner);
      }),
    );
  });

  it('balances: every instance owns floor(N/M) or ceil(N/M) units', () => {
    fc.assert(
      fc.property(rebalance, ({ units, live, previous }) => {
        const counts = countsOf(assignSticky(units, live, previous), live);
        for (const c of counts) expect(c).to.be.within(Math.floor(units.length / live.length), Math.ceil(units.length / live.length));
      }),
    );
  });

  it('moves the fewest units that any balanced assignment could move', () => {
    fc.assert(
      fc.property(rebalance, ({ units, live, previous }) => {
        const owners = assignSticky(units, live, previous);
        const moved = units.filter((u) => owners.get(u) !== previous.get(u)).length;
        expect(moved).to.equal(units.length - mostKept(units, live, previous));
      }),
    );
  });

  it('moves nothing when the live set is unchanged, and answers the same whatever the order of the live set', () => {
    fc.assert(
      fc.property(rebalance, ({ units, live, previous }) => {
        const owners = assignSticky(units, live, previous);
        expect(assignSticky(units, [...live].reverse(), previous)).to.deep.equal(owners);
        expect(assignSticky(units, live, owners)).to.deep.equal(owners);
      }),
    );
  });

  it('keeps what the survivors owned when an instance dies and the rest still fits', () => {
    const groups = Array.from({ length: 12 }, (_, i) => i);
    const three = assignSticky(groups, ['i-a', 'i-b', 'i-c'], new Map());
    expect([...three.values()]).to.deep.equal(['i-a', 'i-a', 'i-a', 'i-a', 'i-b', 'i-b', 'i-b', 'i-b', 'i-c', 'i-c', 'i-c', 'i-c']);
    const two = assignSticky(groups, ['i-a', 'i-c'], three);
    expect([...two.values()]).to.deep.equal(['i-a', 'i-a', 'i-a', 'i-a', 'i-a', 'i-a', 'i-c', 'i-c', 'i-c', 'i-c', 'i-c', 'i-c']);
    // A fourth instance takes one unit from each of the others: 3 move, the fewest possible.
    const four = assignSticky(groups, ['i-a', 'i-b', 'i-c', 'i-d'], three);
    expect(groups.filter((g) => four.get(g) !== three.get(g))).to.deep.equal([3, 7, 11]);
  });

  it('refuses an empty live set and a unit listed twice', () => {
    expect(() => assignSticky([1], [], new Map())).to.throw(RangeError, 'no live instance');
    expect(() => assignSticky([1, 1], ['i-a'], new Map())).to.throw(RangeError, 'listed twice');
  });
});
