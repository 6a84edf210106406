package sluice.twins;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Locale;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the Flink twin of one row of samples/bench in this JVM on a local MiniCluster and prints
 * its figures as one JSON line, as samples/flink-twins/runSluiceSide.ts does for the Sluice job:
 * `java -cp ... sluice.twins.BenchTwin <stateless|keyed|keyed-checkpointed> <events>`.
 * Heap state and checkpoints kept by the JobManager, as Sluice's memory state and store.
 */
public final class BenchTwin {
  private BenchTwin() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) throw new IllegalArgumentException("usage: BenchTwin <stateless|keyed|keyed-checkpointed> <events>");
    String id = args[0];
    long events = Long.parseLong(args[1]);
    if (events < 1) throw new IllegalArgumentException("events must be a positive integer, got " + args[1]);

    int parallelism = id.equals("stateless") ? 1 : 2;
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "jobmanager");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    long markAt = events / 4;
    DataStream<Workloads.Trade> trades = env.fromSequence(0, events - 1).map(new MarkedTrade(markAt, parallelism)).returns(Workloads.Trade.class);
    switch (id) {
      case "stateless":
        trades.map(Workloads::price).returns(Workloads.PricedTrade.class)
            .filter(Workloads::isLarge)
            .map(Workloads::net).returns(Types.DOUBLE)
            .sinkTo(new TallySink());
        break;
      case "keyed-checkpointed":
        env.enableCheckpointing(1000, CheckpointingMode.EXACTLY_ONCE);
        // fall through: the same job
      case "keyed":
        trades.keyBy(t -> t.account, Types.INT).process(new CountPerKey()).uid("count-per-key").returns(Types.DOUBLE).sinkTo(new TallySink());
        break;
      default:
        throw new IllegalArgumentException("unknown benchmark '" + id + "'; known: stateless, keyed, keyed-checkpointed");
    }

    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long started = System.nanoTime();
    env.execute("bench-" + id);
    long ended = System.nanoTime();
    double jobSeconds = (ended - started) / 1e9;
    long cpuAfter = os.getProcessCpuTime();
    if (MarkedTrade.markCpuNanos < 0) throw new IllegalStateException("the generator never reached event " + markAt);
    System.out.println(String.format(Locale.ROOT,
        "{\"side\":\"flink\",\"benchmark\":\"%s\",\"events\":%d,\"count\":%d,\"checksum\":%.6f,\"jobSeconds\":%.4f,\"jobCpuSeconds\":%.4f,\"processCpuSeconds\":%.4f,\"peakRssMb\":%.1f,"
            + "\"steady\":{\"events\":%d,\"seconds\":%.4f,\"cpuSeconds\":%.4f}}",
        id, events, TallySink.COUNT.sum(), TallySink.CHECKSUM.sum(), jobSeconds, (cpuAfter - cpuBefore) / 1e9, cpuAfter / 1e9, peakRssMb(),
        events - markAt, (ended - MarkedTrade.markNanos) / 1e9, (cpuAfter - MarkedTrade.markCpuNanos) / 1e9));
    // The MiniCluster's threads would keep the JVM alive a while; the figures are out.
    System.exit(0);
  }

  /** VmHWM of /proc/self/status: the process's peak resident set, as Node's maxRSS is. */
  public static double peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return -1;
  }
}
