package sluice.twins.nexmark;

import java.time.Duration;
import org.apache.flink.api.common.functions.CoGroupFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.Collector;

/** q8 of samples/nexmark/queries/q8.ts, monitor new users: a 10-second window co-group of persons and auctions on person id = seller. */
public final class Q8 {
  private Q8() {}

  static final long WINDOW_MS = 10_000;

  public static final class Result {
    public long id;
    public String name;
    public long starttime;

    public Result() {}
  }

  static final class NewSellers implements CoGroupFunction<Person, Auction, Result> {
    private static final long serialVersionUID = 1L;

    @Override
    public void coGroup(Iterable<Person> persons, Iterable<Auction> auctions, Collector<Result> out) {
      if (!auctions.iterator().hasNext()) return;
      for (Person p : persons) {
        Result r = new Result();
        r.id = p.id;
        r.name = p.name;
        r.starttime = p.dateTime - p.dateTime % WINDOW_MS;
        out.collect(r);
      }
    }
  }

  public static DataStream<Result> build(DataStream<Event> events) {
    DataStream<Person> persons = events.filter(e -> e.person != null).map(e -> e.person).returns(Person.class);
    DataStream<Auction> auctions = events.filter(e -> e.auction != null).map(e -> e.auction).returns(Auction.class);
    return persons.coGroup(auctions)
        .where(p -> p.id, Types.LONG)
        .equalTo(a -> a.seller, Types.LONG)
        .window(TumblingEventTimeWindows.of(Duration.ofMillis(WINDOW_MS)))
        .apply(new NewSellers(), TypeInformation.of(Result.class));
  }
}
