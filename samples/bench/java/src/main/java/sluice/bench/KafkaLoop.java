package sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka benchmarks' Java side: the Apache Kafka Java client's consume → map → produce loop
 * over the same input, with the same map, as the kafkajs loop of samples/bench/kafkaCases.ts.
 * At-least-once: each poll's records are sent and flushed (acknowledged by all in-sync
 * replicas) before the next poll, whose auto-commit then commits them. Exactly-once:
 * transactions carrying the consumed offsets (sendOffsetsToTransaction), each committed once
 * it is COMMIT_INTERVAL_MS old, as Sluice's side checkpoints every second; read_committed. Client settings are the client's defaults otherwise. Prints one JSON line,
 * the figures of samples/bench/runCase.ts's RunResult.
 *
 * Usage: KafkaLoop bootstrap input output events at-least-once|exactly-once benchmarkId
 */
public final class KafkaLoop {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A transaction is committed after the first poll that finds it this old (and at the end). */
  private static final long COMMIT_INTERVAL_MS = 1000;

  public static void main(String[] args) throws Exception {
    if (args.length != 6) throw new IllegalArgumentException("usage: KafkaLoop bootstrap input output events at-least-once|exactly-once benchmarkId");
    String bootstrap = args[0], input = args[1], output = args[2], mode = args[4], benchmark = args[5];
    long events = Long.parseLong(args[3]);
    if (!mode.equals("at-least-once") && !mode.equals("exactly-once")) throw new IllegalArgumentException("mode must be at-least-once or exactly-once, got " + mode);
    boolean transactional = mode.equals("exactly-once");
    String groupId = output + "-java-" + UUID.randomUUID();

    long started = System.nanoTime();
    long cpuStarted = cpuNanos();
    long count = 0;
    double checksum = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties(bootstrap, groupId, transactional));
        KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(bootstrap, transactional ? groupId : null))) {
      if (transactional) producer.initTransactions();
      consumer.subscribe(List.of(input));
      long transactionBegun = -1;
      Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
      while (count < events) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
        if (records.isEmpty()) continue;
        if (transactional && transactionBegun < 0) {
          producer.beginTransaction();
          transactionBegun = System.nanoTime();
        }
        for (ConsumerRecord<String, String> record : records) {
          JsonNode payment = JSON.readTree(record.value());
          long id = payment.get("id").asLong();
          long user = payment.get("user").asLong();
          // Math.round of a double rounds half up in Java as in JavaScript.
          long cents = Math.round(payment.get("amount").asDouble() * 100);
          count++;
          checksum += cents;
          producer.send(new ProducerRecord<>(output, Long.toString(user), "{\"id\":" + id + ",\"user\":" + user + ",\"cents\":" + cents + "}"));
          consumed.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
        }
        if (!transactional) {
          producer.flush();
        } else if (count >= events || System.nanoTime() - transactionBegun >= COMMIT_INTERVAL_MS * 1_000_000) {
          producer.sendOffsetsToTransaction(consumed, consumer.groupMetadata());
          producer.commitTransaction();
          consumed.clear();
          transactionBegun = -1;
        }
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double cpuSeconds = (cpuNanos() - cpuStarted) / 1e9;
    System.out.println(String.format(java.util.Locale.ROOT,
        "{\"benchmark\":\"%s\",\"side\":\"reference\",\"events\":%d,\"seconds\":%.6f,\"eventsPerSecond\":%.3f,\"peakRssMb\":%.1f,\"cpuSeconds\":%.6f,\"count\":%d,\"checksum\":%.1f}",
        benchmark, events, seconds, events / seconds, peakRssMb(), cpuSeconds, count, checksum));
  }

  private static Properties consumerProperties(String bootstrap, String groupId, boolean transactional) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, Boolean.toString(!transactional));
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, transactional ? "read_committed" : "read_uncommitted");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return p;
  }

  private static Properties producerProperties(String bootstrap, String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    if (transactionalId != null) p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return p;
  }

  /** CPU time of the whole JVM (JIT and GC threads included), as runCase.ts counts Node's. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Peak resident set (VmHWM), as runCase.ts reports Node's maxRSS. */
  private static double peakRssMb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return 0;
  }
}
