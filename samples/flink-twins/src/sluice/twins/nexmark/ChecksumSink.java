package sluice.twins.nexmark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * The twin of the Sluice side's tally (samples/flink-twins/nexmarkChecksums.ts): counts a query's
 * outputs and sums a number per output, the same number for the same record on both sides; or,
 * for an updating result (q4), keeps each key's last output and tallies those. Each writer adds
 * its tally to the process-wide totals when it closes: main() reads them after the job.
 */
public final class ChecksumSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;
  static final LongAdder COUNT = new LongAdder();
  static final DoubleAdder CHECKSUM = new DoubleAdder();

  /** The number an output adds to the checksum. */
  public interface Measure<T> extends Serializable {
    double of(T record);
  }

  /** The key whose last output counts (updating results). */
  public interface KeyOf<T> extends Serializable {
    Object of(T record);
  }

  /** Whether a record adds to the result (an insert) or takes a row back (a retraction). */
  public interface Adds<T> extends Serializable {
    boolean of(T record);
  }

  private final Measure<T> measure;
  private final KeyOf<T> lastPerKey;
  private final Adds<T> adds;

  private ChecksumSink(Measure<T> measure, KeyOf<T> lastPerKey, Adds<T> adds) {
    this.measure = measure;
    this.lastPerKey = lastPerKey;
    this.adds = adds;
  }

  /** Every output counts. */
  public static <T> ChecksumSink<T> everyRecord(Measure<T> measure) {
    return new ChecksumSink<>(measure, null, null);
  }

  /** Only the last output of each key counts: count is the number of keys. */
  public static <T> ChecksumSink<T> lastPerKey(KeyOf<T> key, Measure<T> measure) {
    return new ChecksumSink<>(measure, key, null);
  }

  /** A changelog: a retraction counts -1 (its measure, already signed, is added as it is). */
  public static <T> ChecksumSink<T> signed(Adds<T> adds, Measure<T> signedMeasure) {
    return new ChecksumSink<>(signedMeasure, null, adds);
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) {
    return new SinkWriter<T>() {
      private long count;
      private double checksum;
      private final Map<Object, Double> last = new HashMap<>();

      @Override
      public void write(T record, Context context) {
        if (lastPerKey != null) {
          last.put(lastPerKey.of(record), measure.of(record));
        } else {
          count += adds == null || adds.of(record) ? 1 : -1;
          checksum += measure.of(record);
        }
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {
        for (double value : last.values()) {
          count++;
          checksum += value;
        }
        COUNT.add(count);
        CHECKSUM.add(checksum);
        count = 0;
        checksum = 0;
        last.clear();
      }
    };
  }
}
