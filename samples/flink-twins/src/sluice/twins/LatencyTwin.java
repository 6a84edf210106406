package sluice.twins;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The twin of samples/latency/runLatency.ts: a paced source (parallelism 1) -> keyBy -> a count
 * per key in ValueState (parallelism 2) -> a sink that records, per record, now minus the time
 * the schedule offered it; with Flink's defaults otherwise (buffer timeout 100 ms).
 * `java -cp ... sluice.twins.LatencyTwin <events per second | max> <none|exactly-once> <seconds>`
 * prints one JSON line. The MiniCluster runs in this JVM, so System.nanoTime() is one clock for
 * the source and the sinks.
 */
public final class LatencyTwin {
  private LatencyTwin() {}

  static final int KEYS = 10_000;
  static final double WARMUP_SHARE = 0.2;
  static final long MAX_RUN_EVENTS = 1_000_000;

  /** The schedule's start: the first record generated. */
  static final AtomicLong STARTED_AT = new AtomicLong(0);
  static long[] latencies = new long[0];
  static final AtomicInteger RECORDED = new AtomicInteger();
  static final AtomicLong ARRIVED = new AtomicLong();
  static final AtomicLong LAST_ARRIVAL = new AtomicLong(Long.MIN_VALUE);
  static long warmup;
  static final Set<Long> COMPLETED = ConcurrentHashMap.newKeySet();

  /** One event; public fields, so Flink serializes it as a POJO. */
  public static final class Paced {
    public long id;
    public int key;
    public long dueAtNanos;

    public Paced() {}

    Paced(long id, int key, long dueAtNanos) {
      this.id = id;
      this.key = key;
      this.dueAtNanos = dueAtNanos;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) throw new IllegalArgumentException("usage: LatencyTwin <events per second | max> <none|exactly-once> <seconds>");
    boolean max = args[0].equals("max");
    double rate = max ? Double.POSITIVE_INFINITY : Double.parseDouble(args[0]);
    String checkpoints = args[1];
    double seconds = Double.parseDouble(args[2]);
    if (!(rate > 0)) throw new IllegalArgumentException("rate must be positive or 'max', got " + args[0]);
    if (!checkpoints.equals("none") && !checkpoints.equals("exactly-once")) throw new IllegalArgumentException("checkpoints must be none or exactly-once, got " + checkpoints);
    long events = max ? MAX_RUN_EVENTS : Math.round(rate * seconds);
    warmup = (long) Math.floor(events * WARMUP_SHARE);
    latencies = new long[(int) (events - warmup)];
    double nanosPerEvent = max ? 0 : 1e9 / rate;

    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "jobmanager");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    if (checkpoints.equals("exactly-once")) env.enableCheckpointing(1000, CheckpointingMode.EXACTLY_ONCE);
    // Paced by the generator itself, not by RateLimiterStrategy: Flink's rate-limited reader
    // asks its limiter for a permit per record and hands out one record per mailbox action,
    // which held it near 70,000 events/s on this machine (unpaced: 400,000 and more). Here a
    // record is made once its due time has come, the source thread parked until then.
    DataGeneratorSource<Paced> source = new DataGeneratorSource<>(
        i -> {
          long now = System.nanoTime();
          STARTED_AT.compareAndSet(0, now);
          if (nanosPerEvent == 0) return new Paced(i, (int) (i % KEYS), now);
          long due = STARTED_AT.get() + (long) (i * nanosPerEvent);
          while (now < due) {
            LockSupport.parkNanos(due - now);
            now = System.nanoTime();
          }
          return new Paced(i, (int) (i % KEYS), due);
        },
        events,
        RateLimiterStrategy.noOp(),
        TypeInformation.of(Paced.class));
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "Paced Source").setParallelism(1)
        .keyBy(e -> e.key, Types.INT)
        .process(new CountPerKey()).uid("count-per-key").returns(TypeInformation.of(Paced.class))
        .sinkTo(new LatencySink());

    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    env.execute("latency " + args[0] + " " + checkpoints);
    double span = (LAST_ARRIVAL.get() - STARTED_AT.get()) / 1e9;
    long cpuAfter = os.getProcessCpuTime();
    int n = Math.min(RECORDED.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    System.out.println(String.format(Locale.ROOT,
        "{\"side\":\"flink\",\"rate\":%s,\"checkpoints\":\"%s\",\"records\":%d,\"p50\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f,\"achievedPerSecond\":%.1f,\"completedCheckpoints\":%d,\"peakRssMb\":%.1f,\"cpuSeconds\":%.4f}",
        max ? "\"max\"" : String.valueOf(rate), checkpoints, n, at(sorted, 0.5), at(sorted, 0.99), at(sorted, 0.999), at(sorted, 1), ARRIVED.get() / span,
        COMPLETED.size(), peakRssMb(), (cpuAfter - cpuBefore) / 1e9));
    System.exit(0);
  }

  /** The q-quantile in milliseconds, as LatencyRecorder.ts takes it. */
  private static double at(long[] sorted, double q) {
    if (sorted.length == 0) return Double.NaN;
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
  }

  /** Counts per key and passes the event on; counts the checkpoints that completed. */
  static final class CountPerKey extends KeyedProcessFunction<Integer, Paced, Paced> implements CheckpointListener {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Integer> count;

    @Override
    public void open(OpenContext context) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Integer.class));
    }

    @Override
    public void processElement(Paced e, Context context, Collector<Paced> out) throws Exception {
      Integer previous = count.value();
      count.update((previous == null ? 0 : previous) + 1);
      out.collect(e);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      COMPLETED.add(checkpointId);
    }
  }

  /** Records each record's latency as it reaches the sink. */
  static final class LatencySink implements Sink<Paced> {
    private static final long serialVersionUID = 1L;

    @Override
    public SinkWriter<Paced> createWriter(WriterInitContext context) {
      return new SinkWriter<Paced>() {
        @Override
        public void write(Paced e, Context context) {
          long now = System.nanoTime();
          ARRIVED.incrementAndGet();
          LAST_ARRIVAL.accumulateAndGet(now, Math::max);
          if (e.id < warmup) return;
          int i = RECORDED.getAndIncrement();
          if (i < latencies.length) latencies[i] = now - e.dueAtNanos;
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }

  /** VmHWM of /proc/self/status: the process's peak resident set, as Node's maxRSS is. */
  private static double peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return -1;
  }
}
