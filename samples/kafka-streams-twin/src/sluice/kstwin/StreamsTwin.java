package sluice.kstwin;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams twin of the Sluice jobs of `make bench-kafka-streams`
 * (samples/kafka-streams-twin/main.ts): the same input topic, the same map or keyed count,
 * the same output records (key and value, byte for byte), exactly-once (exactly_once_v2,
 * commits every second as Sluice checkpoints every second), 2 stream threads as Sluice runs
 * parallelism 2, no record cache (every update of a count is written, as Sluice's reduce
 * writes one per record). It runs until the application's committed offsets reach the
 * input's end (EOS commits offsets in the transaction that holds the output: the output is
 * then committed too), and prints one JSON line: seconds from start to that point, the JVM's
 * CPU seconds, its peak RSS.
 *
 * Usage: StreamsTwin bootstrap input output map|count applicationId
 */
public final class StreamsTwin {
  public static void main(String[] args) throws Exception {
    if (args.length != 5) throw new IllegalArgumentException("usage: StreamsTwin bootstrap input output map|count applicationId");
    String bootstrap = args[0], input = args[1], output = args[2], job = args[3], applicationId = args[4];
    long started = System.nanoTime();
    long cpuStarted = cpuNanos();

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> payments = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()));
    switch (job) {
      case "map" -> payments.mapValues(StreamsTwin::toCents).to(output, Produced.with(Serdes.String(), Serdes.String()));
      // The input's key is the user, as Sluice's keyBy: no repartition.
      case "count" -> payments.groupByKey().count().toStream()
          .mapValues((user, count) -> "{\"user\":" + user + ",\"count\":" + count + "}")
          .to(output, Produced.with(Serdes.String(), Serdes.String()));
      default -> throw new IllegalArgumentException("job must be map or count, got " + job);
    }

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("kstwin-").toString());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    Properties adminProperties = new Properties();
    adminProperties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(adminProperties); KafkaStreams streams = new KafkaStreams(builder.build(), p)) {
      Set<TopicPartition> partitions = admin.describeTopics(List.of(input)).allTopicNames().get().get(input).partitions().stream()
          .map(info -> new TopicPartition(input, info.partition())).collect(Collectors.toSet());
      Map<TopicPartition, Long> end = admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get()
          .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      streams.start();
      while (true) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
        boolean done = end.entrySet().stream().allMatch(e -> committed.containsKey(e.getKey()) && committed.get(e.getKey()).offset() >= e.getValue());
        if (done) break;
        Thread.sleep(50);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      double cpuSeconds = (cpuNanos() - cpuStarted) / 1e9;
      long events = end.values().stream().mapToLong(Long::longValue).sum();
      System.out.println(String.format(java.util.Locale.ROOT,
          "{\"side\":\"kafka-streams\",\"job\":\"%s\",\"events\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"peakRssMb\":%.1f}", job, events, seconds, cpuSeconds, peakRssMb()));
    }
  }

  /** {"id":I,"user":U,"amount":A} → {"id":I,"user":U,"cents":round(A*100)}, as the Sluice job's map writes it. */
  static String toCents(String json) {
    long id = (long) number(json, "id");
    long user = (long) number(json, "user");
    // Math.round of a double rounds half up in Java as in JavaScript.
    long cents = Math.round(number(json, "amount") * 100);
    return "{\"id\":" + id + ",\"user\":" + user + ",\"cents\":" + cents + "}";
  }

  /** The number of a top-level field of the flat JSON object the bench writes. */
  private static double number(String json, String field) {
    int at = json.indexOf("\"" + field + "\":");
    if (at < 0) throw new IllegalArgumentException("no field " + field + " in " + json);
    int from = at + field.length() + 3;
    int to = from;
    while (to < json.length() && ",}".indexOf(json.charAt(to)) < 0) to++;
    return Double.parseDouble(json.substring(from, to));
  }

  /** CPU time of the whole JVM (JIT and GC threads included). */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** VmHWM of /proc/self/status, in MB (0 where there is none). */
  private static double peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    } catch (Exception e) {
      return 0;
    }
    return 0;
  }
}
