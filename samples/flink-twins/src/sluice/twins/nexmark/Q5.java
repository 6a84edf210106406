package sluice.twins.nexmark;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * q5 of samples/nexmark/queries/q5.ts, hot items: bids counted per auction in sliding windows
 * (10 s, every 2 s), then per window (keyed by its end) the highest counts, emitted by an
 * event-time timer once the window's end passes.
 */
public final class Q5 {
  private Q5() {}

  public static final class Result {
    public long auction;
    public long num;
    public long start;
    public long end;

    public Result() {}
  }

  static final class CountBids implements AggregateFunction<Bid, Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Bid b, Long n) {
      return n + 1;
    }

    @Override
    public Long getResult(Long n) {
      return n;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  static final class WithWindow extends ProcessWindowFunction<Long, Result, Long, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(Long auction, Context ctx, Iterable<Long> counts, Collector<Result> out) {
      Result r = new Result();
      r.auction = auction;
      r.num = counts.iterator().next();
      r.start = ctx.window().getStart();
      r.end = ctx.window().getEnd();
      out.collect(r);
    }
  }

  /** HottestInWindow of q5.ts. */
  public static final class HottestInWindow extends KeyedProcessFunction<Long, Result, Result> {
    private static final long serialVersionUID = 1L;
    private transient ListState<Result> hottest;

    @Override
    public void open(OpenContext context) {
      hottest = getRuntimeContext().getListState(new ListStateDescriptor<>("hottest", Result.class));
    }

    @Override
    public void processElement(Result r, Context ctx, Collector<Result> out) throws Exception {
      Result first = null;
      Iterable<Result> current = hottest.get();
      if (current != null) for (Result h : current) {
        first = h;
        break;
      }
      if (first == null) ctx.timerService().registerEventTimeTimer(r.end - 1);
      if (first == null || r.num > first.num) hottest.update(List.of(r));
      else if (r.num == first.num) hottest.add(r);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Result> out) throws Exception {
      Iterable<Result> current = hottest.get();
      if (current != null) for (Result r : current) out.collect(r);
      hottest.clear();
    }
  }

  public static DataStream<Result> build(DataStream<Event> events) {
    return events.filter(e -> e.bid != null).map(e -> e.bid).returns(Bid.class)
        .keyBy(b -> b.auction, Types.LONG)
        .window(SlidingEventTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(2)))
        .aggregate(new CountBids(), new WithWindow(), Types.LONG, Types.LONG, TypeInformation.of(Result.class))
        .keyBy(r -> r.end, Types.LONG)
        .process(new HottestInWindow(), TypeInformation.of(Result.class));
  }
}
