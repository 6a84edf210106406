/** Query 2, selection: the bids on auctions whose id is a multiple of 123. */
import { DataStream } from '../../../src';
import { Bid, NexmarkEvent } from '../model';

export interface Q2Result {
  readonly auction: number;
  readonly price: number;
}

export const AUCTION_MODULUS = 123;

export function q2(events: DataStream<NexmarkEvent>): DataStream<Q2Result> {
  return events
    .filter((e): e is Bid => e.kind === 'bid' && e.auction % AUCTION_MODULUS === 0)
    .map((b) => ({ auction: b.auction, price: b.price }));
}
