/**
 * Query 4, average price per category: the average of the winning bids (the highest bid
 * placed between an auction's start and its expiry) over the auctions of each category. As
 * the Nexmark SQL, it is continuous: an auction's highest bid is updated as bids come, and the
 * category's average with it (the old highest bid retracted, the new one added).
 */
import {
  Collector,
  DataStream,
  KeyedCoProcessFunction,
  KeyedProcessContext,
  KeyedProcessFunction,
  ListState,
  ListStateDescriptor,
  RuntimeContext,
  Serializers,
  ValueState,
  ValueStateDescriptor,
} from '../../../src';
import { Auction, Bid, NexmarkEvent, isAuction, isBid } from '../model';

export interface Q4Result {
  readonly category: number;
  readonly average: number;
}

/** A change of an auction's winning bid: `previous` is retracted from its category, `price` added. */
interface WinningBidChange {
  readonly category: number;
  readonly previous: number | undefined;
  readonly price: number;
}

type AuctionTerms = Pick<Auction, 'category' | 'dateTime' | 'expires'>;
type EarlyBid = Pick<Bid, 'price' | 'dateTime'>;

/** Per auction: its terms and the highest valid bid so far; bids that come before the auction wait for it. */
export class WinningBids extends KeyedCoProcessFunction<number, Auction, Bid, WinningBidChange> {
  private terms!: ValueState<AuctionTerms>;
  private highest!: ValueState<number>;
  private early!: ListState<EarlyBid>;
  open(ctx: RuntimeContext): void {
    this.terms = ctx.getState(new ValueStateDescriptor('auction', Serializers.json<AuctionTerms>()));
    this.highest = ctx.getState(new ValueStateDescriptor('highest bid', Serializers.number));
    this.early = ctx.getListState(new ListStateDescriptor('bids before their auction', Serializers.json<EarlyBid>()));
  }
  processElement1(a: Auction, _ctx: KeyedProcessContext<number>, out: Collector<WinningBidChange>): void {
    const terms = { category: a.category, dateTime: a.dateTime, expires: a.expires };
    this.terms.update(terms);
    for (const b of this.early.get()) this.offer(terms, b, out);
    this.early.clear();
  }
  processElement2(b: Bid, _ctx: KeyedProcessContext<number>, out: Collector<WinningBidChange>): void {
    const terms = this.terms.value();
    if (terms === undefined) this.early.add({ price: b.price, dateTime: b.dateTime });
    else this.offer(terms, b, out);
  }
  private offer(terms: AuctionTerms, b: EarlyBid, out: Collector<WinningBidChange>): void {
    if (b.dateTime < terms.dateTime || b.dateTime > terms.expires) return;
    const previous = this.highest.value();
    if (previous !== undefined && previous >= b.price) return;
    this.highest.update(b.price);
    out.collect({ category: terms.category, previous, price: b.price });
  }
}

/** Per category: the sum and count of its auctions' winning bids; emits the average on each change. */
export class AveragePerCategory extends KeyedProcessFunction<number, WinningBidChange, Q4Result> {
  private sum!: ValueState<number>;
  private count!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.sum = ctx.getState(new ValueStateDescriptor('sum', Serializers.number, 0));
    this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(c: WinningBidChange, _ctx: KeyedProcessContext<number>, out: Collector<Q4Result>): void {
    const sum = this.sum.value()! - (c.previous ?? 0) + c.price;
    const count = this.count.value()! + (c.previous === undefined ? 1 : 0);
    this.sum.update(sum);
    this.count.update(count);
    out.collect({ category: c.category, average: sum / count });
  }
}

export function q4(events: DataStream<NexmarkEvent>): DataStream<Q4Result> {
  return events
    .filter(isAuction)
    .connect(events.filter(isBid))
    .keyBy((a) => a.id, (b) => b.auction)
    .process(new WinningBids())
    .keyBy((c) => c.category)
    .process(new AveragePerCategory());
}
