/**
 * `make run-kafka`: the article's example end to end (see README.md). The broker's address is
 * the first argument; run.sh starts the project's broker when none runs.
 *
 *   node build/samples/kafka-windows/main.js 127.0.0.1:9092
 *
 * KAFKA_WINDOWS_SENSORS (default 8), KAFKA_WINDOWS_SECONDS (of event time, a multiple of 10;
 * default 60), KAFKA_WINDOWS_PERIOD_MS (between two readings of a sensor; default 20) and
 * KAFKA_WINDOWS_SPEED (event time per wall-clock time; default 10) set another size.
 * Exits with 1 when the check fails.
 */
import { DEFAULT_SIZE } from './readings';
import { runExample } from './example';

const numberFrom = (name: string, fallback: number): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!(n > 0)) throw new Error(`${name} must be a positive number, got '${text}'`);
  return n;
};

async function main(): Promise<void> {
  const [bootstrap] = process.argv.slice(2);
  if (bootstrap === undefined) throw new Error('usage: node build/samples/kafka-windows/main.js <bootstrap host:port> (or make run-kafka, which starts a broker)');
  const report = await runExample({
    bootstrap,
    size: {
      sensors: numberFrom('KAFKA_WINDOWS_SENSORS', DEFAULT_SIZE.sensors),
      seconds: numberFrom('KAFKA_WINDOWS_SECONDS', DEFAULT_SIZE.seconds),
      periodMs: numberFrom('KAFKA_WINDOWS_PERIOD_MS', DEFAULT_SIZE.periodMs),
    },
    speed: numberFrom('KAFKA_WINDOWS_SPEED', 10),
  });
  console.log(`Read the output with Kafka's console consumer, from the repository's folder, while the broker runs (see docs/quickstart.md):`);
  console.log(
    `  java -Dlog4j.configuration=file:specs/services/kafka/log4j.properties -Dkafka.logs.dir=/tmp -cp '.cache/kafka/libs/*' ` +
      `org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server ${bootstrap} --topic ${report.topics.averages} ` +
      `--from-beginning --isolation-level read_committed --property print.key=true --timeout-ms 5000`,
  );
  process.exitCode = report.passed ? 0 : 1;
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
