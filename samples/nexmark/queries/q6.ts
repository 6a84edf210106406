/**
 * Query 6, average selling price by seller: per seller, each time one of its auctions closes,
 * the average final price of its last 10 closed auctions. An auction closes at its expiry; its
 * final price is its highest bid placed within its lifetime (dateTime to expires, both
 * included); an auction without such a bid sells nothing and is left out. Averages of BIGINT
 * prices are truncated to whole cents, as SQL's AVG of a BIGINT.
 *
 * Per auction, its terms and highest valid bid wait for the watermark to pass its expiry;
 * then, per seller, closed auctions are taken in order of expiry (ties by auction id) once the
 * watermark passes it too, since they come from several parallel instances.
 */
import {
  Collector,
  DataStream,
  KeyedCoProcessFunction,
  KeyedProcessContext,
  KeyedProcessFunction,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  OnTimerContext,
  RuntimeContext,
  Serializers,
  ValueState,
  ValueStateDescriptor,
} from '../../../src';
import { Auction, Bid, NexmarkEvent, isAuction, isBid } from '../model';

/** How many of a seller's closed auctions its average covers. */
export const Q6_AUCTIONS = 10;

export interface Q6Result {
  /** The auction whose closing gave this average. */
  readonly auction: number;
  readonly seller: number;
  readonly average: number;
  /** When it closed (its expiry). */
  readonly expires: number;
}

/** An auction that closed with at least one valid bid. */
export interface ClosedAuction {
  readonly auction: number;
  readonly seller: number;
  readonly final: number;
  readonly expires: number;
}

type AuctionTerms = Pick<Auction, 'seller' | 'dateTime' | 'expires'>;
type EarlyBid = Pick<Bid, 'price' | 'dateTime'>;

/**
 * Per auction: its terms and highest valid bid, emitted when the watermark passes its expiry.
 * Bids that come before their auction wait for it until the watermark passes their own time
 * (an auction starting at or before that time has arrived by then).
 */
export class ClosedAuctions extends KeyedCoProcessFunction<number, Auction, Bid, ClosedAuction> {
  private terms!: ValueState<AuctionTerms>;
  private highest!: ValueState<number>;
  private early!: ListState<EarlyBid>;
  open(ctx: RuntimeContext): void {
    this.terms = ctx.getState(new ValueStateDescriptor('auction', Serializers.json<AuctionTerms>()));
    this.highest = ctx.getState(new ValueStateDescriptor('highest bid', Serializers.number));
    this.early = ctx.getListState(new ListStateDescriptor('bids before their auction', Serializers.json<EarlyBid>()));
  }
  processElement1(a: Auction, ctx: KeyedProcessContext<number>): void {
    const terms = { seller: a.seller, dateTime: a.dateTime, expires: a.expires };
    this.terms.update(terms);
    for (const b of this.early.get()) this.offer(terms, b);
    this.early.clear();
    ctx.timerService().registerEventTimeTimer(a.expires);
  }
  processElement2(b: Bid, ctx: KeyedProcessContext<number>): void {
    const terms = this.terms.value();
    if (terms !== undefined) return this.offer(terms, b);
    this.early.add({ price: b.price, dateTime: b.dateTime });
    ctx.timerService().registerEventTimeTimer(b.dateTime);
  }
  private offer(terms: AuctionTerms, b: EarlyBid): void {
    if (b.dateTime < terms.dateTime || b.dateTime > terms.expires) return;
    const highest = this.highest.value();
    if (highest === undefined || b.price > highest) this.highest.update(b.price);
  }
  onTimer(time: number, ctx: OnTimerContext<number>, out: Collector<ClosedAuction>): void {
    const terms = this.terms.value();
    if (terms !== undefined && time === terms.expires) {
      const final = this.highest.value();
      if (final !== undefined) out.collect({ auction: ctx.getCurrentKey(), seller: terms.seller, final, expires: terms.expires });
      this.terms.clear();
      this.highest.clear();
    }
    // Bids of an auction that never came (or came and closed) by their time: none can match now.
    const waiting = this.early.get().filter((b) => b.dateTime > time);
    if (waiting.length === 0) this.early.clear();
    else this.early.update(waiting);
  }
}

/** Per seller: closed auctions in order of expiry, each emitted with the average of the last ten. */
export class AverageOfLastAuctions extends KeyedProcessFunction<number, ClosedAuction, Q6Result> {
  /** Closed auctions waiting for the watermark, by expiry. */
  private pending!: MapState<number, ClosedAuction[]>;
  /** The final prices of the last closed auctions, oldest first. */
  private last!: ValueState<number[]>;
  open(ctx: RuntimeContext): void {
    this.pending = ctx.getMapState(new MapStateDescriptor('closed auctions waiting', Serializers.number, Serializers.json<ClosedAuction[]>()));
    this.last = ctx.getState(new ValueStateDescriptor('last final prices', Serializers.json<number[]>()));
  }
  processElement(c: ClosedAuction, ctx: KeyedProcessContext<number>): void {
    const waiting = this.pending.get(c.expires) ?? [];
    if (waiting.length === 0) ctx.timerService().registerEventTimeTimer(c.expires);
    this.pending.put(c.expires, [...waiting, c]);
  }
  onTimer(time: number, _ctx: OnTimerContext<number>, out: Collector<Q6Result>): void {
    const closed = (this.pending.get(time) ?? []).sort((a, b) => a.auction - b.auction);
    this.pending.remove(time);
    const last = this.last.value() ?? [];
    for (const c of closed) {
      last.push(c.final);
      if (last.length > Q6_AUCTIONS) last.shift();
      out.collect({ auction: c.auction, seller: c.seller, average: Math.trunc(last.reduce((s, p) => s + p, 0) / last.length), expires: c.expires });
    }
    this.last.update(last);
  }
}

export function q6(events: DataStream<NexmarkEvent>): DataStream<Q6Result> {
  return events
    .filter(isAuction)
    .connect(events.filter(isBid))
    .keyBy((a) => a.id, (b) => b.auction)
    .process<ClosedAuction>(new ClosedAuctions())
    .keyBy((c) => c.seller)
    .process(new AverageOfLastAuctions());
}
