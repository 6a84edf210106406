/**
 * Spreads units of work (source splits, key groups) over the live instances of a job, sticky:
 * a rebalance moves the fewest units that any balanced assignment could move. Pure and
 * deterministic (the same live set and previous owners give the same answer whatever their
 * order), so the leader that computes it can be replaced by any other.
 *
 * Balanced: every instance owns floor(N/M) or ceil(N/M) of the N units (M instances). Of all
 * balanced assignments, this one keeps the most units with their previous owner: a balanced
 * assignment has `N mod M` instances at the ceiling; giving the ceiling to the instances that
 * owned the most before keeps sum(min(previous_m, quota_m)) units, the most any can keep
 * (specs/instances/assignSticky.spec.ts checks it against every choice of those instances).
 */

/**
 * The owner of each unit, in the order of `units`.
 *
 * @example
 * assignSticky(['a', 'b', 'c', 'd'], ['i-1', 'i-2'], new Map()); // i-1 owns a, b; i-2 owns c, d
 * assignSticky(['a', 'b', 'c', 'd'], ['i-1', 'i-3'], new Map([['c', 'i-2'], ['d', 'i-3']])); // d stays with i-3
 */
export function assignSticky<U>(units: readonly U[], members: readonly string[], previous: ReadonlyMap<U, string>): Map<U, string> {
  const live = [...new Set(members)].sort();
  if (live.length === 0) throw new RangeError('assignSticky: no live instance to assign work to; an instance always assigns at least to itself');
  if (new Set(units).size !== units.length) throw new RangeError('assignSticky: a unit of work is listed twice; each split and key group must appear once');

  const previousCount = new Map(live.map((m) => [m, 0]));
  for (const unit of units) {
    const owner = previous.get(unit);
    if (owner !== undefined && previousCount.has(owner)) previousCount.set(owner, previousCount.get(owner)! + 1);
  }
  // The N mod M instances at the ceiling: those that owned the most (ties by name), so they keep the most.
  const base = Math.floor(units.length / live.length);
  const extra = units.length % live.length;
  const byPreviousCount = [...live].sort((a, b) => previousCount.get(b)! - previousCount.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  const room = new Map(byPreviousCount.map((m, i) => [m, base + (i < extra ? 1 : 0)]));

  const owners = new Map<U, string>();
  const orphans: U[] = [];
  for (const unit of units) {
    const owner = previous.get(unit);
    if (owner !== undefined && (room.get(owner) ?? 0) > 0) {
      owners.set(unit, owner);
      room.set(owner, room.get(owner)! - 1);
    } else orphans.push(unit);
  }
  // Members in name order fill their room from the orphans in unit order: a fresh assignment
  // gives each instance a contiguous run of key groups.
  let next = 0;
  for (const member of live) {
    for (let r = room.get(member)!; r > 0; r--) owners.set(orphans[next++], member);
  }
  return new Map(units.map((u) => [u, owners.get(u)!]));
}
