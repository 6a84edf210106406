package sluice.twins.nexmark;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Placeholder until the SQL twins land. */
final class SqlQueries {
  private SqlQueries() {}

  static void query(String id, StreamExecutionEnvironment env, DataStream<Event> events) {
    throw new IllegalArgumentException("no SQL twin of " + id + " yet");
  }
}
