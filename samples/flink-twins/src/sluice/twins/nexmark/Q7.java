package sluice.twins.nexmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.Collector;

/**
 * q7 of samples/nexmark/queries/q7.ts, highest bid: the highest-priced bids per auction and
 * 10-second tumbling window, then over all auctions of the window (windowAll).
 */
public final class Q7 {
  private Q7() {}

  static final Duration WINDOW = Duration.ofSeconds(10);

  /** The highest-priced bids of a window (several when prices tie): `highest` of q7.ts. */
  static final class Highest implements AggregateFunction<Bid, List<Bid>, List<Bid>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<Bid> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<Bid> add(Bid b, List<Bid> acc) {
      if (acc.isEmpty() || b.price > acc.get(0).price) {
        List<Bid> only = new ArrayList<>();
        only.add(b);
        return only;
      }
      if (b.price == acc.get(0).price) acc.add(b);
      return acc;
    }

    @Override
    public List<Bid> getResult(List<Bid> acc) {
      return acc;
    }

    @Override
    public List<Bid> merge(List<Bid> a, List<Bid> b) {
      if (a.isEmpty()) return b;
      if (b.isEmpty()) return a;
      if (a.get(0).price == b.get(0).price) {
        List<Bid> both = new ArrayList<>(a);
        both.addAll(b);
        return both;
      }
      return a.get(0).price > b.get(0).price ? a : b;
    }
  }

  private static void each(List<Bid> list, Collector<Bid> out) {
    for (Bid b : list) out.collect(b);
  }

  public static DataStream<Bid> build(DataStream<Event> events) {
    TypeInformation<List<Bid>> listOfBids = Types.LIST(TypeInformation.of(Bid.class));
    return events.filter(e -> e.bid != null)
        .map(e -> new Bid(e.bid.auction, e.bid.bidder, e.bid.price, e.bid.dateTime, e.bid.extra)).returns(Bid.class)
        .keyBy(b -> b.auction, Types.LONG)
        .window(TumblingEventTimeWindows.of(WINDOW))
        .aggregate(new Highest(), listOfBids, listOfBids)
        .flatMap(Q7::each).returns(Bid.class)
        .windowAll(TumblingEventTimeWindows.of(WINDOW))
        .aggregate(new Highest(), listOfBids, listOfBids)
        .flatMap(Q7::each).returns(Bid.class);
  }
}
