package sluice.twins.nexmark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * q6 of samples/nexmark/queries/q6.ts, average selling price by seller: per auction its highest
 * valid bid until an event-time timer at its expiry; then per seller the closed auctions in order
 * of expiry (ties by id), each with the average (truncated) of the last ten final prices.
 */
public final class Q6 {
  private Q6() {}

  static final int AUCTIONS = 10;

  public static final class Result {
    public long auction;
    public long seller;
    public double average;
    public long expires;

    public Result() {}
  }

  public static final class ClosedAuction {
    public long auction;
    public long seller;
    public double fin;
    public long expires;

    public ClosedAuction() {}
  }

  public static final class AuctionTerms {
    public long seller;
    public long dateTime;
    public long expires;

    public AuctionTerms() {}
  }

  /** ClosedAuctions of q6.ts. */
  public static final class ClosedAuctions extends KeyedCoProcessFunction<Long, Auction, Bid, ClosedAuction> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<AuctionTerms> terms;
    private transient ValueState<Double> highest;
    private transient ListState<Q4.EarlyBid> early;

    @Override
    public void open(OpenContext context) {
      terms = getRuntimeContext().getState(new ValueStateDescriptor<>("auction", AuctionTerms.class));
      highest = getRuntimeContext().getState(new ValueStateDescriptor<>("highest bid", Types.DOUBLE));
      early = getRuntimeContext().getListState(new ListStateDescriptor<>("bids before their auction", Q4.EarlyBid.class));
    }

    @Override
    public void processElement1(Auction a, Context ctx, Collector<ClosedAuction> out) throws Exception {
      AuctionTerms t = new AuctionTerms();
      t.seller = a.seller;
      t.dateTime = a.dateTime;
      t.expires = a.expires;
      terms.update(t);
      Iterable<Q4.EarlyBid> waiting = early.get();
      if (waiting != null) for (Q4.EarlyBid b : waiting) offer(t, b.price, b.dateTime);
      early.clear();
      ctx.timerService().registerEventTimeTimer(a.expires);
    }

    @Override
    public void processElement2(Bid b, Context ctx, Collector<ClosedAuction> out) throws Exception {
      AuctionTerms t = terms.value();
      if (t != null) {
        offer(t, b.price, b.dateTime);
        return;
      }
      Q4.EarlyBid e = new Q4.EarlyBid();
      e.price = b.price;
      e.dateTime = b.dateTime;
      early.add(e);
      ctx.timerService().registerEventTimeTimer(b.dateTime);
    }

    private void offer(AuctionTerms t, double price, long dateTime) throws Exception {
      if (dateTime < t.dateTime || dateTime > t.expires) return;
      Double h = highest.value();
      if (h == null || price > h) highest.update(price);
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<ClosedAuction> out) throws Exception {
      AuctionTerms t = terms.value();
      if (t != null && time == t.expires) {
        Double fin = highest.value();
        if (fin != null) {
          ClosedAuction c = new ClosedAuction();
          c.auction = ctx.getCurrentKey();
          c.seller = t.seller;
          c.fin = fin;
          c.expires = t.expires;
          out.collect(c);
        }
        terms.clear();
        highest.clear();
      }
      List<Q4.EarlyBid> waiting = new ArrayList<>();
      Iterable<Q4.EarlyBid> current = early.get();
      if (current != null) for (Q4.EarlyBid b : current) if (b.dateTime > time) waiting.add(b);
      if (waiting.isEmpty()) early.clear();
      else early.update(waiting);
    }
  }

  /** AverageOfLastAuctions of q6.ts. */
  public static final class AverageOfLastAuctions extends KeyedProcessFunction<Long, ClosedAuction, Result> {
    private static final long serialVersionUID = 1L;
    private transient MapState<Long, List<ClosedAuction>> pending;
    private transient ValueState<List<Double>> last;

    @Override
    public void open(OpenContext context) {
      pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("closed auctions waiting", Types.LONG, Types.LIST(TypeInformation.of(ClosedAuction.class))));
      last = getRuntimeContext().getState(new ValueStateDescriptor<>("last final prices", Types.LIST(Types.DOUBLE)));
    }

    @Override
    public void processElement(ClosedAuction c, Context ctx, Collector<Result> out) throws Exception {
      List<ClosedAuction> waiting = pending.get(c.expires);
      if (waiting == null) {
        waiting = new ArrayList<>();
        ctx.timerService().registerEventTimeTimer(c.expires);
      }
      waiting.add(c);
      pending.put(c.expires, waiting);
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<Result> out) throws Exception {
      List<ClosedAuction> closed = pending.get(time);
      pending.remove(time);
      if (closed == null) return;
      closed.sort(Comparator.comparingLong(c -> c.auction));
      List<Double> prices = last.value();
      if (prices == null) prices = new ArrayList<>();
      for (ClosedAuction c : closed) {
        prices.add(c.fin);
        if (prices.size() > AUCTIONS) prices.remove(0);
        double sum = 0;
        for (double p : prices) sum += p;
        Result r = new Result();
        r.auction = c.auction;
        r.seller = c.seller;
        r.average = (double) (long) (sum / prices.size());
        r.expires = c.expires;
        out.collect(r);
      }
      last.update(prices);
    }
  }

  public static DataStream<Result> build(DataStream<Event> events) {
    DataStream<Auction> auctions = events.filter(e -> e.auction != null).map(e -> e.auction).returns(Auction.class);
    DataStream<Bid> bids = events.filter(e -> e.bid != null).map(e -> e.bid).returns(Bid.class);
    return auctions.connect(bids)
        .keyBy(a -> a.id, b -> b.auction, Types.LONG)
        .process(new ClosedAuctions(), TypeInformation.of(ClosedAuction.class))
        .keyBy(c -> c.seller, Types.LONG)
        .process(new AverageOfLastAuctions(), TypeInformation.of(Result.class));
  }
}
