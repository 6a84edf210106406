package sluice.twins;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * The twin of samples/bench/DiscardingSink.ts: drops what it receives, counting the records and
 * summing their values. Each writer tallies on its own and adds its tally to the process-wide
 * totals when it closes: the MiniCluster runs in this JVM, so main() reads them after the job.
 */
public final class TallySink implements Sink<Double> {
  private static final long serialVersionUID = 1L;
  static final LongAdder COUNT = new LongAdder();
  static final DoubleAdder CHECKSUM = new DoubleAdder();

  @Override
  public SinkWriter<Double> createWriter(WriterInitContext context) {
    return new SinkWriter<Double>() {
      private long count;
      private double checksum;

      @Override
      public void write(Double value, Context context) {
        count++;
        checksum += value;
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {
        COUNT.add(count);
        CHECKSUM.add(checksum);
        count = 0;
        checksum = 0;
      }
    };
  }
}
