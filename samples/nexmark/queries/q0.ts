/** Query 0, pass-through: every bid, its fields copied (measures the cost of moving events). */
import { DataStream } from '../../../src';
import { NexmarkEvent, isBid } from '../model';

export interface Q0Result {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

export function q0(events: DataStream<NexmarkEvent>): DataStream<Q0Result> {
  return events.filter(isBid).map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }));
}
