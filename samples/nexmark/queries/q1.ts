/** Query 1, currency conversion: every bid with its price in euros (0.908 × dollars). */
import { DataStream } from '../../../src';
import { NexmarkEvent, isBid } from '../model';
import { Q0Result } from './q0';

export const DOLLAR_TO_EURO = 0.908;

export function q1(events: DataStream<NexmarkEvent>): DataStream<Q0Result> {
  return events.filter(isBid).map((b) => ({ auction: b.auction, bidder: b.bidder, price: DOLLAR_TO_EURO * b.price, dateTime: b.dateTime, extra: b.extra }));
}
