package sluice.twins.nexmark;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * The SQL twins: the text of samples/nexmark/sql.ts (NEXMARK_SQL, passed by the driver) run by
 * Flink SQL over the table `bid` made from the event stream, with the same columns and
 * watermark as registerNexmarkTables (`dateTime` a TIMESTAMP_LTZ(3) of the bid's time, UTC,
 * watermark 4 s behind). Outputs are tallied as the DataStream twins' (updates counted with
 * their sign, so an updating plan tallies its final rows).
 */
final class SqlQueries {
  private SqlQueries() {}

  /** A bid as the table sees it: price in whole cents (BIGINT), time in epoch milliseconds. */
  public static final class SqlBid {
    public long auction;
    public long bidder;
    public long price;
    public long epochMillis;
    public String extra;

    public SqlBid() {}
  }

  private static final int MOD = 1_000_003;

  static void query(String id, String sql, StreamExecutionEnvironment env, DataStream<Event> events) {
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    tEnv.getConfig().setLocalTimeZone(ZoneOffset.UTC);
    DataStream<SqlBid> bids = events.filter(e -> e.bid != null).map(e -> {
      SqlBid b = new SqlBid();
      b.auction = e.bid.auction;
      b.bidder = e.bid.bidder;
      b.price = (long) e.bid.price;
      b.epochMillis = e.bid.dateTime;
      b.extra = e.bid.extra;
      return b;
    }).returns(SqlBid.class);
    tEnv.createTemporaryView("bid", tEnv.fromDataStream(bids, Schema.newBuilder()
        .columnByExpression("dateTime", "TO_TIMESTAMP_LTZ(epochMillis, 3)")
        .watermark("dateTime", "`dateTime` - INTERVAL '4' SECOND")
        .build()));
    ChecksumSink.Measure<Row> measure;
    switch (id) {
      case "q0":
      case "q1":
        measure = r -> number(r.getField(0)) + number(r.getField(1)) + number(r.getField(2)) + millis(r.getField(3)) % MOD + ((String) r.getField(4)).length();
        break;
      case "q2":
        measure = r -> number(r.getField(0)) + number(r.getField(1));
        break;
      case "q5":
        measure = r -> number(r.getField(0)) + number(r.getField(1)) + millis(r.getField(2)) % MOD + millis(r.getField(3)) % MOD;
        break;
      default:
        throw new IllegalArgumentException("no SQL twin of " + id + "; there are of q0, q1, q2 and q5");
    }
    ChecksumSink.Measure<Row> signed = r -> (r.getKind() == RowKind.INSERT || r.getKind() == RowKind.UPDATE_AFTER ? 1 : -1) * measure.of(r);
    tEnv.toChangelogStream(tEnv.sqlQuery(sql)).sinkTo(ChecksumSink.signed(r -> r.getKind() == RowKind.INSERT || r.getKind() == RowKind.UPDATE_AFTER, signed));
  }

  private static double number(Object v) {
    return v instanceof BigDecimal ? ((BigDecimal) v).doubleValue() : ((Number) v).doubleValue();
  }

  private static long millis(Object v) {
    if (v instanceof Instant) return ((Instant) v).toEpochMilli();
    return ((LocalDateTime) v).toInstant(ZoneOffset.UTC).toEpochMilli();
  }
}
