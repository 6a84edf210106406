package sluice.twins.nexmark;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * q4 of samples/nexmark/queries/q4.ts, average price per category: per auction its highest valid
 * bid, each change sent to its category with the previous one to retract; per category a running
 * sum and count of winning bids.
 */
public final class Q4 {
  private Q4() {}

  public static final class Result {
    public long category;
    public double average;

    public Result() {}
  }

  /** A change of an auction's winning bid (hasPrevious false: its first). */
  public static final class WinningBidChange {
    public long category;
    public boolean hasPrevious;
    public double previous;
    public double price;

    public WinningBidChange() {}
  }

  public static final class AuctionTerms {
    public long category;
    public long dateTime;
    public long expires;

    public AuctionTerms() {}
  }

  public static final class EarlyBid {
    public double price;
    public long dateTime;

    public EarlyBid() {}
  }

  public static final class WinningBids extends KeyedCoProcessFunction<Long, Auction, Bid, WinningBidChange> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<AuctionTerms> terms;
    private transient ValueState<Double> highest;
    private transient ListState<EarlyBid> early;

    @Override
    public void open(OpenContext context) {
      terms = getRuntimeContext().getState(new ValueStateDescriptor<>("auction", AuctionTerms.class));
      highest = getRuntimeContext().getState(new ValueStateDescriptor<>("highest bid", Types.DOUBLE));
      early = getRuntimeContext().getListState(new ListStateDescriptor<>("bids before their auction", EarlyBid.class));
    }

    @Override
    public void processElement1(Auction a, Context ctx, Collector<WinningBidChange> out) throws Exception {
      AuctionTerms t = new AuctionTerms();
      t.category = a.category;
      t.dateTime = a.dateTime;
      t.expires = a.expires;
      terms.update(t);
      Iterable<EarlyBid> waiting = early.get();
      if (waiting != null) for (EarlyBid b : waiting) offer(t, b.price, b.dateTime, out);
      early.clear();
    }

    @Override
    public void processElement2(Bid b, Context ctx, Collector<WinningBidChange> out) throws Exception {
      AuctionTerms t = terms.value();
      if (t == null) {
        EarlyBid e = new EarlyBid();
        e.price = b.price;
        e.dateTime = b.dateTime;
        early.add(e);
      } else {
        offer(t, b.price, b.dateTime, out);
      }
    }

    private void offer(AuctionTerms t, double price, long dateTime, Collector<WinningBidChange> out) throws Exception {
      if (dateTime < t.dateTime || dateTime > t.expires) return;
      Double previous = highest.value();
      if (previous != null && previous >= price) return;
      highest.update(price);
      WinningBidChange c = new WinningBidChange();
      c.category = t.category;
      c.hasPrevious = previous != null;
      c.previous = previous == null ? 0 : previous;
      c.price = price;
      out.collect(c);
    }
  }

  public static final class AveragePerCategory extends KeyedProcessFunction<Long, WinningBidChange, Result> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Double> sum;
    private transient ValueState<Long> count;

    @Override
    public void open(OpenContext context) {
      sum = getRuntimeContext().getState(new ValueStateDescriptor<>("sum", Types.DOUBLE));
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void processElement(WinningBidChange c, Context ctx, Collector<Result> out) throws Exception {
      Double s0 = sum.value();
      Long n0 = count.value();
      double s = (s0 == null ? 0 : s0) - c.previous + c.price;
      long n = (n0 == null ? 0 : n0) + (c.hasPrevious ? 0 : 1);
      sum.update(s);
      count.update(n);
      Result r = new Result();
      r.category = c.category;
      r.average = s / n;
      out.collect(r);
    }
  }

  public static DataStream<Result> build(DataStream<Event> events) {
    DataStream<Auction> auctions = events.filter(e -> e.auction != null).map(e -> e.auction).returns(Auction.class);
    DataStream<Bid> bids = events.filter(e -> e.bid != null).map(e -> e.bid).returns(Bid.class);
    return auctions.connect(bids)
        .keyBy(a -> a.id, b -> b.auction, Types.LONG)
        .process(new WinningBids(), TypeInformation.of(WinningBidChange.class))
        .keyBy(c -> c.category, Types.LONG)
        .process(new AveragePerCategory(), TypeInformation.of(Result.class));
  }
}
