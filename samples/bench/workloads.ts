/**
 * The work the benchmarks measure, shared by the Sluice jobs and their plain-loop baselines so
 * that both do exactly the same per-event work: the same event generation, the same map and
 * filter functions, the same checksum.
 */
import { lowbias32 } from '../common/lowbias32';

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

/** The event at `index`: deterministic, so every run and every parallelism sees the same input. */
export function trade(index: number): Trade {
  const h = lowbias32(index);
  return { id: index, account: h % ACCOUNTS, amount: (lowbias32(h) % 10_000) / 100 };
}

/**
 * `make bench-flink`'s steady-state mark (samples/flink-twins/runSluiceSide.ts): the twin rows'
 * generator calls `reached` once, when it is about to generate event `at`. At -1 (as `make
 * bench` leaves it) it never does.
 */
export const steadyMark: { at: number; reached: () => void } = { at: -1, reached: () => undefined };

/** trade(index), telling the steady mark when its index comes (the rows that have a Flink twin). */
export function markedTrade(index: number): Trade {
  if (index === steadyMark.at) steadyMark.reached();
  return trade(index);
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

// --- the windowed benchmarks -------------------------------------------------------------------

/** Distinct keys of the windowed benchmarks. */
export const WINDOW_ACCOUNTS = 10_000;
/** Trades per second of event time: one per key per second on average, 10 per key per 10 s window. */
export const TRADES_PER_SECOND = 10_000;
/** Trades arrive up to this much after a later one; the watermark's bound, so no trade is ever late. */
export const MAX_DELAY_MS = 1_000;
export const WINDOW_SIZE_MS = 10_000;
export const WINDOW_SLIDE_MS = 2_000;

export interface TimedTrade extends Trade {
  /** Event time, ms: the trade's place in the sequence, less up to MAX_DELAY_MS. */
  readonly at: number;
}

/** The trade at `index` with an event time, out of order by up to MAX_DELAY_MS. */
export function timedTrade(index: number): TimedTrade {
  const h = lowbias32(index);
  return {
    id: index,
    account: h % WINDOW_ACCOUNTS,
    amount: (lowbias32(h) % 10_000) / 100,
    at: Math.floor((index * 1000) / TRADES_PER_SECOND) - (lowbias32(h + 1) % MAX_DELAY_MS),
  };
}

export interface AmountAccumulator {
  sum: number;
  count: number;
}

/**
 * The average amount of a window's trades (an AggregateFunction, as in Flink): the window's
 * result depends on which trades are in it, so the checksum of the results checks the windows.
 */
export const averageAmount = {
  createAccumulator: (): AmountAccumulator => ({ sum: 0, count: 0 }),
  add: (t: TimedTrade, acc: AmountAccumulator): AmountAccumulator => ({ sum: acc.sum + t.amount, count: acc.count + 1 }),
  getResult: (acc: AmountAccumulator): number => acc.sum / acc.count,
  merge: (a: AmountAccumulator, b: AmountAccumulator): AmountAccumulator => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

export function timedAccountOf(t: TimedTrade): number {
  return t.account;
}

/** Start of the window of `size`/`slide` that `t` belongs to last (floor, also below 0). */
function lastWindowStart(t: number, slide: number): number {
  return t - (((t % slide) + slide) % slide);
}

/** Records between two watermarks of the plain loop: the Sluice source's default batch size. */
const LOOP_BATCH = 1024;

/**
 * The windowed benchmarks' baseline: the same trades, windows, watermark and average in a
 * `for` loop, with a Map of open windows by start holding a Map of accumulators by key; a
 * window's results are added to the tally once the watermark passes its end, the rest at the
 * end of input, as the Sluice job does. Throws if a trade would be late (none is, by design).
 */
export function windowLoop(events: number, size: number, slide: number): Tally {
  const tally = emptyTally();
  const open = new Map<number, Map<number, AmountAccumulator>>();
  let maxTimestamp = -Infinity;
  let watermark = -Infinity;
  const fire = (upTo: number) => {
    for (const [start, accumulators] of open) {
      if (start + size - 1 > upTo) continue;
      for (const acc of accumulators.values()) {
        tally.count++;
        tally.checksum += averageAmount.getResult(acc);
      }
      open.delete(start);
    }
  };
  for (let i = 0; i < events; i++) {
    const t = timedTrade(i);
    if (t.at > maxTimestamp) maxTimestamp = t.at;
    for (let start = lastWindowStart(t.at, slide); start > t.at - size; start -= slide) {
      if (start + size - 1 <= watermark) throw new Error(`trade ${i} at ${t.at} is late for window ${start} (watermark ${watermark})`);
      let accumulators = open.get(start);
      if (accumulators === undefined) open.set(start, (accumulators = new Map()));
      accumulators.set(t.account, averageAmount.add(t, accumulators.get(t.account) ?? averageAmount.createAccumulator()));
    }
    if ((i + 1) % LOOP_BATCH === 0 && maxTimestamp - MAX_DELAY_MS - 1 > watermark) {
      watermark = maxTimestamp - MAX_DELAY_MS - 1;
      fire(watermark);
    }
  }
  fire(Infinity);
  return tally;
}
