package sluice.twins.nexmark;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import sluice.twins.BenchTwin;

/**
 * Runs the Flink twin of one Nexmark query of samples/nexmark/queries in this JVM on a local
 * MiniCluster and prints its figures as one JSON line, as runNexmarkSide.ts does for Sluice:
 * `java -cp ... sluice.twins.nexmark.NexmarkTwin <q0..q8> <heap|rocksdb> <events>`, or
 * `... NexmarkTwin <q0|q1|q2|q5> sql <events> <the query's text in samples/nexmark/sql.ts>`.
 * As samples/nexmark/bench.ts: parallelism 1, exactly-once checkpoints every 250 ms, the
 * generator's events (seed 42, 10,000 per event-time second) with Nexmark's watermark (event
 * time − 4 s), every output tallied (ChecksumSink). heap: the HashMap state backend (as
 * Sluice's memory state), full snapshots; rocksdb: RocksDB with incremental checkpoints (as
 * Sluice's Redis state, incremental); checkpoints to files in a temporary directory.
 * sql: the query in Flink SQL (SqlQueries) on heap state. Object reuse is on, as in the Nexmark
 * project's Flink configuration: chained operators pass records without copying them.
 */
public final class NexmarkTwin {
  private NexmarkTwin() {}

  static final long CHECKPOINT_INTERVAL_MS = 250;
  static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(4);

  /** The process's CPU and wall time when the source was about to generate event `markAt` (runNexmarkSide.ts's mark): steady state is what follows. */
  static volatile long markCpuNanos = -1;
  static volatile long markNanos;

  /** Event n of the benchmark's generator; one generator per instance. */
  static final class Generate extends RichMapFunction<Long, Event> {
    private static final long serialVersionUID = 1L;
    private final long markAt;
    private transient NexmarkGenerator generator;

    Generate(long markAt) {
      this.markAt = markAt;
    }

    @Override
    public void open(OpenContext context) {
      generator = NexmarkGenerator.forBenchmark();
    }

    @Override
    public Event map(Long n) {
      if (n == markAt) {
        markCpuNanos = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        markNanos = System.nanoTime();
      }
      return generator.event(n);
    }
  }

  /** The Nexmark events with their event times and Nexmark's watermark (NexmarkSource.ts). */
  public static DataStream<Event> events(StreamExecutionEnvironment env, long events) {
    return env.fromSequence(0, events - 1).name("Nexmark Source")
        .map(new Generate(events / 4)).returns(Event.class)
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Event>forBoundedOutOfOrderness(OUT_OF_ORDERNESS).withTimestampAssigner((e, t) -> e.dateTime()));
  }

  private static final int MOD = 1_000_003;

  /** The query's pipeline ending in its sink: the same tally per output as nexmarkChecksums.ts. */
  static void query(String id, DataStream<Event> events) {
    switch (id) {
      case "q0":
      case "q1":
        (id.equals("q0") ? Stateless.q0(events) : Stateless.q1(events)).sinkTo(ChecksumSink.everyRecord(NexmarkTwin::bidMeasure));
        break;
      case "q2":
        Stateless.q2(events).sinkTo(ChecksumSink.everyRecord(r -> r.auction + r.price));
        break;
      case "q3":
        Q3.build(events).sinkTo(ChecksumSink.everyRecord(r -> r.id + r.name.length() + r.city.length() + r.state.charAt(0)));
        break;
      case "q4":
        Q4.build(events).sinkTo(ChecksumSink.lastPerKey(r -> r.category, r -> r.category + r.average));
        break;
      case "q5":
        Q5.build(events).sinkTo(ChecksumSink.everyRecord(r -> r.auction + r.num + r.start % MOD + r.end % MOD));
        break;
      case "q6":
        Q6.build(events).sinkTo(ChecksumSink.everyRecord(r -> r.auction + r.seller + r.average + r.expires % MOD));
        break;
      case "q7":
        Q7.build(events).sinkTo(ChecksumSink.everyRecord(NexmarkTwin::bidMeasure));
        break;
      case "q8":
        Q8.build(events).sinkTo(ChecksumSink.everyRecord(r -> r.id + r.name.length() + r.starttime % MOD));
        break;
      default:
        throw new IllegalArgumentException("unknown query '" + id + "'; known: q0 to q8");
    }
  }

  static double bidMeasure(Bid b) {
    return b.auction + b.bidder + b.price + b.dateTime % MOD + b.extra.length();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3 && !(args.length == 4 && args[1].equals("sql"))) throw new IllegalArgumentException("usage: NexmarkTwin <q0..q8> <heap|rocksdb> <events>, or NexmarkTwin <query> sql <events> <its SQL text>");
    String id = args[0];
    String backend = args[1];
    long events = Long.parseLong(args[2]);
    if (events < 1) throw new IllegalArgumentException("events must be a positive integer, got " + args[2]);

    Configuration conf = new Configuration();
    conf.set(PipelineOptions.OBJECT_REUSE, true);
    // A failure ends the run (no restarts): a twin that fails must not loop until the driver's timeout.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    if (!backend.equals("heap") && !backend.equals("rocksdb") && !backend.equals("sql")) {
      throw new IllegalArgumentException("backend must be heap, rocksdb or sql, got '" + backend + "'");
    }
    // Checkpoints go to files in a temporary directory: the JobManager's in-memory storage
    // refuses snapshots over 5 MB, which q4's and q3's growing state pass within a few seconds.
    Path checkpoints = Files.createTempDirectory("nexmark-twin-");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.resolve("checkpoints").toUri().toString());
    if (backend.equals("rocksdb")) {
      conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
      conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
      conf.setString("state.backend.rocksdb.localdir", checkpoints.resolve("db").toString());
    } else {
      conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    env.enableCheckpointing(CHECKPOINT_INTERVAL_MS, CheckpointingMode.EXACTLY_ONCE);
    if (backend.equals("sql")) SqlQueries.query(id, args[3], env, events(env, events));
    else query(id, events(env, events));

    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long started = System.nanoTime();
    try {
      env.execute("nexmark " + id + " " + backend);
    } finally {
      deleteTree(checkpoints);
    }
    long ended = System.nanoTime();
    double jobSeconds = (ended - started) / 1e9;
    long cpuAfter = os.getProcessCpuTime();
    if (markCpuNanos < 0) throw new IllegalStateException("the source never generated event " + events / 4);
    System.out.println(String.format(Locale.ROOT,
        "{\"side\":\"flink\",\"benchmark\":\"%s %s\",\"events\":%d,\"count\":%d,\"checksum\":%.6f,\"jobSeconds\":%.4f,\"jobCpuSeconds\":%.4f,\"processCpuSeconds\":%.4f,\"peakRssMb\":%.1f,"
            + "\"steady\":{\"events\":%d,\"seconds\":%.4f,\"cpuSeconds\":%.4f}}",
        id, backend, events, ChecksumSink.COUNT.sum(), ChecksumSink.CHECKSUM.sum(), jobSeconds, (cpuAfter - cpuBefore) / 1e9, cpuAfter / 1e9, BenchTwin.peakRssMb(),
        events - events / 4, (ended - markNanos) / 1e9, (cpuAfter - markCpuNanos) / 1e9));
    // The MiniCluster's threads would keep the JVM alive a while; the figures are out.
    System.exit(0);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
