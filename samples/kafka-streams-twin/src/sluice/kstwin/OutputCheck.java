package sluice.kstwin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads output topics to their end with a read_committed consumer (no group) and says whether
 * they hold the same records: per key, the same values in the same order (the order within a
 * partition; both sides partition by key with Kafka's default partitioner). Prints one JSON
 * line: each topic's record count and whether all are equal, with the first difference.
 *
 * Usage: OutputCheck bootstrap topic topic...
 */
public final class OutputCheck {
  public static void main(String[] args) {
    if (args.length < 3) throw new IllegalArgumentException("usage: OutputCheck bootstrap topic topic...");
    String bootstrap = args[0];
    List<Map<String, List<String>>> outputs = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      Map<String, List<String>> byKey = new TreeMap<>();
      counts.add(read(bootstrap, args[i], byKey));
      outputs.add(byKey);
    }
    String difference = "";
    for (int i = 1; i < outputs.size() && difference.isEmpty(); i++) difference = firstDifference(args[1], outputs.get(0), args[i + 1], outputs.get(i));
    StringBuilder json = new StringBuilder("{\"counts\":[");
    for (int i = 0; i < counts.size(); i++) json.append(i == 0 ? "" : ",").append(counts.get(i));
    json.append("],\"equal\":").append(difference.isEmpty()).append(",\"difference\":\"").append(difference.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"}");
    System.out.println(json);
  }

  private static long read(String bootstrap, String topic, Map<String, List<String>> byKey) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    long count = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(info -> new TopicPartition(topic, info.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // read_committed: the end is the last stable offset, past every committed record.
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          byKey.computeIfAbsent(r.key() == null ? "" : r.key(), k -> new ArrayList<>()).add(r.value());
          count++;
        }
      }
    }
    return count;
  }

  private static String firstDifference(String topicA, Map<String, List<String>> a, String topicB, Map<String, List<String>> b) {
    if (!a.keySet().equals(b.keySet())) return topicA + " has " + a.size() + " keys, " + topicB + " " + b.size();
    for (String key : a.keySet()) {
      List<String> x = a.get(key), y = b.get(key);
      for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
        String vx = i < x.size() ? x.get(i) : "(none)", vy = i < y.size() ? y.get(i) : "(none)";
        if (!vx.equals(vy)) return "key " + key + ", record " + i + ": " + topicA + " " + vx + ", " + topicB + " " + vy;
      }
    }
    return "";
  }
}
