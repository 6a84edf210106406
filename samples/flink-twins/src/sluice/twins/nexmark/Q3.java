package sluice.twins.nexmark;

import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/** q3 of samples/nexmark/queries/q3.ts, local item suggestion: a keyed join of persons and auctions on seller = person id. */
public final class Q3 {
  private Q3() {}

  static final Set<String> STATES = Set.of("OR", "ID", "CA");
  static final long CATEGORY = 10;

  public static final class Result {
    public String name;
    public String city;
    public String state;
    public long id;

    public Result() {}

    Result(Seller s, long id) {
      this.name = s.name;
      this.city = s.city;
      this.state = s.state;
      this.id = id;
    }
  }

  public static final class Seller {
    public String name;
    public String city;
    public String state;

    public Seller() {}
  }

  /** LocalItemSuggestion of q3.ts: the seller once known; auctions that come before it wait. */
  public static final class LocalItemSuggestion extends KeyedCoProcessFunction<Long, Person, Auction, Result> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Seller> seller;
    private transient ListState<Long> waiting;

    @Override
    public void open(OpenContext context) {
      seller = getRuntimeContext().getState(new ValueStateDescriptor<>("seller", Seller.class));
      waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting auction ids", Types.LONG));
    }

    @Override
    public void processElement1(Person p, Context ctx, Collector<Result> out) throws Exception {
      Seller s = new Seller();
      s.name = p.name;
      s.city = p.city;
      s.state = p.state;
      seller.update(s);
      Iterable<Long> ids = waiting.get();
      if (ids != null) for (long id : ids) out.collect(new Result(s, id));
      waiting.clear();
    }

    @Override
    public void processElement2(Auction a, Context ctx, Collector<Result> out) throws Exception {
      Seller s = seller.value();
      if (s == null) waiting.add(a.id);
      else out.collect(new Result(s, a.id));
    }
  }

  public static DataStream<Result> build(DataStream<Event> events) {
    DataStream<Person> persons = events.filter(e -> e.person != null && STATES.contains(e.person.state)).map(e -> e.person).returns(Person.class);
    DataStream<Auction> auctions = events.filter(e -> e.auction != null && e.auction.category == CATEGORY).map(e -> e.auction).returns(Auction.class);
    return persons.connect(auctions)
        .keyBy(p -> p.id, a -> a.seller, Types.LONG)
        .process(new LocalItemSuggestion(), TypeInformation.of(Result.class));
  }
}
