package sluice.twins;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The twin of samples/state-bytes/runStateBytes.ts on Flink's heap state (hashmap backend):
 * the keys 0..keys-1, each once, at parallelism 1 -> keyBy -> a count per key in
 * ValueState<Integer>. The keyed function measures the JVM's used heap after full garbage
 * collections when it has taken half the keys and all of them (the MiniCluster runs in this
 * JVM); bytes per key = the growth between the two ÷ the keys added.
 * `java -cp ... sluice.twins.StateBytesTwin <keys>` prints one JSON line.
 */
public final class StateBytesTwin {
  private StateBytesTwin() {}

  static volatile long heapAtHalf = -1;
  static volatile long heapAtAll = -1;

  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: StateBytesTwin <keys>");
    long keys = Long.parseLong(args[0]);
    if (keys < 2) throw new IllegalArgumentException("keys must be at least 2, got " + args[0]);
    long half = keys / 2;
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "jobmanager");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    env.fromSequence(0, keys - 1)
        .map(Long::intValue).returns(Types.INT)
        .keyBy(k -> k, Types.INT)
        .process(new CountPerKey(half, keys)).uid("count-per-key").returns(Types.INT)
        .sinkTo(new Discard());
    env.execute("state bytes");
    if (heapAtHalf < 0 || heapAtAll < 0) throw new IllegalStateException("the keyed function did not measure both stops");
    System.out.println(String.format(Locale.ROOT, "{\"side\":\"flink\",\"backend\":\"hashmap\",\"keys\":%d,\"heapBytesPerKey\":%.3f}",
        keys, (heapAtAll - heapAtHalf) / (double) (keys - half)));
    System.exit(0);
  }

  static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Counts per key; measures the heap once it holds `half` keys and once it holds `all`. */
  static final class CountPerKey extends KeyedProcessFunction<Integer, Integer, Integer> {
    private static final long serialVersionUID = 1L;
    private final long half;
    private final long all;
    private transient ValueState<Integer> count;
    private transient long seen;

    CountPerKey(long half, long all) {
      this.half = half;
      this.all = all;
    }

    @Override
    public void open(OpenContext context) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Integer.class));
    }

    @Override
    public void processElement(Integer key, Context context, Collector<Integer> out) throws Exception {
      Integer previous = count.value();
      count.update((previous == null ? 0 : previous) + 1);
      seen++;
      if (seen == half) heapAtHalf = usedHeapAfterGc();
      if (seen == all) heapAtAll = usedHeapAfterGc();
    }
  }

  /** Drops what it receives: the keyed function emits nothing. */
  static final class Discard implements Sink<Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public SinkWriter<Integer> createWriter(WriterInitContext context) {
      return new SinkWriter<Integer>() {
        @Override
        public void write(Integer value, Context context) {}

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
