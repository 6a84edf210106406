/**
 * Query 7, highest bid: every 10 seconds, the bids with the highest price in those 10
 * seconds. Two steps, as a user would write it to keep the work parallel: the highest bids per
 * auction and window, then over all auctions of the window (one instance: a global maximum).
 */
import { Collector, DataStream } from '../../../src';
import { NexmarkTumbling } from './common';
import { Bid, NexmarkEvent, isBid } from '../model';

export interface Q7Result {
  readonly auction: number;
  readonly price: number;
  readonly bidder: number;
  readonly dateTime: number;
  readonly extra: string;
}

/** The highest-priced bids of a window (several when prices tie). */
const highest = {
  createAccumulator: (): Q7Result[] => [],
  add: (b: Q7Result, acc: Q7Result[]): Q7Result[] => (acc.length === 0 || b.price > acc[0].price ? [b] : b.price === acc[0].price ? [...acc, b] : acc),
  getResult: (acc: Q7Result[]) => acc,
  merge: (a: Q7Result[], b: Q7Result[]): Q7Result[] => (a.length === 0 ? b : b.length === 0 ? a : a[0].price === b[0].price ? [...a, ...b] : a[0].price > b[0].price ? a : b),
};

/** Flattens a window's list of highest bids. */
const each = (list: readonly Q7Result[], out: Collector<Q7Result>) => list.forEach((t) => out.collect(t));

export function q7(events: DataStream<NexmarkEvent>): DataStream<Q7Result> {
  return events
    .filter(isBid)
    .map((b: Bid): Q7Result => ({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra }))
    .keyBy((b) => b.auction)
    .window(NexmarkTumbling())
    .aggregate(highest)
    .flatMap<Q7Result>(each)
    .windowAll(NexmarkTumbling())
    .aggregate(highest)
    .flatMap<Q7Result>(each);
}
