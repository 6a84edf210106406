package sluice.twins;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Workloads.trade with the steady-state mark of runSluiceSide.ts: the process's CPU and wall
 * time once `markAt` events have been generated. fromSequence gives each subtask an equal
 * range, so each counts its own events (no shared counter on the hot path) and the mark is
 * taken when the last subtask has generated its share.
 */
public final class MarkedTrade extends RichMapFunction<Long, Workloads.Trade> {
  static volatile long markCpuNanos = -1;
  static volatile long markNanos;
  private static final AtomicInteger SUBTASKS_PAST = new AtomicInteger();

  private final long markAt;
  private final int parallelism;
  private transient long share;
  private transient long generated;

  MarkedTrade(long markAt, int parallelism) {
    this.markAt = markAt;
    this.parallelism = parallelism;
  }

  @Override
  public void open(OpenContext context) {
    share = markAt / parallelism;
    generated = 0;
  }

  @Override
  public Workloads.Trade map(Long index) {
    if (generated++ == share && SUBTASKS_PAST.incrementAndGet() == parallelism) {
      markCpuNanos = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      markNanos = System.nanoTime();
    }
    return Workloads.trade(index);
  }
}
