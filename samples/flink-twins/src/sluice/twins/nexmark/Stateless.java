package sluice.twins.nexmark;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/** q0, q1 and q2 of samples/nexmark/queries: filter and map, no state. */
public final class Stateless {
  private Stateless() {}

  public static final double DOLLAR_TO_EURO = 0.908;
  public static final long AUCTION_MODULUS = 123;

  /** q2's output: a bid's auction and price. */
  public static final class Q2Result {
    public long auction;
    public double price;

    public Q2Result() {}

    Q2Result(long auction, double price) {
      this.auction = auction;
      this.price = price;
    }
  }

  /** Pass-through: every bid, its fields copied. */
  public static DataStream<Bid> q0(DataStream<Event> events) {
    return events.filter(e -> e.bid != null)
        .map(e -> new Bid(e.bid.auction, e.bid.bidder, e.bid.price, e.bid.dateTime, e.bid.extra)).returns(Bid.class);
  }

  /** Currency conversion: every bid with its price in euros. */
  public static DataStream<Bid> q1(DataStream<Event> events) {
    return events.filter(e -> e.bid != null)
        .map(e -> new Bid(e.bid.auction, e.bid.bidder, DOLLAR_TO_EURO * e.bid.price, e.bid.dateTime, e.bid.extra)).returns(Bid.class);
  }

  /** Selection: the bids on auctions whose id is a multiple of 123. */
  public static DataStream<Q2Result> q2(DataStream<Event> events) {
    return events.filter(e -> e.bid != null && e.bid.auction % AUCTION_MODULUS == 0)
        .map(e -> new Q2Result(e.bid.auction, e.bid.price)).returns(TypeInformation.of(Q2Result.class));
  }
}
