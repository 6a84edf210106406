/**
 * The work the benchmarks measure, shared by the Sluice jobs and their plain-loop baselines so
 * that both do exactly the same per-event work: the same event generation, the same map and
 * filter functions, the same checksum.
 */

export interface Trade {
  readonly id: number;
  readonly account: number;
  /** 0.00 .. 99.99 */
  readonly amount: number;
}

export interface PricedTrade extends Trade {
  readonly fee: number;
}

/** Distinct keys of the keyed benchmark. */
export const ACCOUNTS = 50_000;

/** A 32-bit integer hash (lowbias32). */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The event at `index`: deterministic, so every run and every parallelism sees the same input. */
export function trade(index: number): Trade {
  const h = mix(index);
  return { id: index, account: h % ACCOUNTS, amount: (mix(h) % 10_000) / 100 };
}

/** map #1: adds a 1% fee (allocates a new record, as a real enrichment would). */
export function price(t: Trade): PricedTrade {
  return { id: t.id, account: t.account, amount: t.amount, fee: t.amount * 0.01 };
}

/** filter: keeps trades of 20.00 and more (about 80%). */
export function isLarge(t: PricedTrade): boolean {
  return t.amount >= 20;
}

/** map #2: the net amount. */
export function net(t: PricedTrade): number {
  return t.amount - t.fee;
}

/** The key of the keyed benchmark. */
export function accountOf(t: Trade): number {
  return t.account;
}

/** What a benchmark's sink saw: how many records and a checksum of their values. */
export interface Tally {
  count: number;
  checksum: number;
}

export const emptyTally = (): Tally => ({ count: 0, checksum: 0 });

export function addTallies(tallies: readonly Tally[]): Tally {
  const total = emptyTally();
  for (const t of tallies) {
    total.count += t.count;
    total.checksum += t.checksum;
  }
  return total;
}
