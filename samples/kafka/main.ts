/**
 * Kafka to Kafka, exactly-once: clicks are read from a topic, counted per page with keyed
 * state, and each running count is written to another topic in Kafka transactions, one per
 * checkpoint. Records that are not valid clicks go to the dead-letter output, printed here.
 *
 *   clicks topic (4 partitions) -> KafkaSource (2 instances, offsets in checkpoints)
 *     -> decode with an io-ts codec; bad records -> dead-letter side output -> console
 *     -> keyBy(page) -> count per page (keyed state)
 *     -> KafkaSink.exactlyOnce -> counts topic (read it with read_committed)
 *
 * Run against the project's broker (see README.md):
 *   node build/samples/kafka/main.js $(specs/services/kafka.sh start) [clicks]
 */
import * as t from 'io-ts';
import { Kafka, logLevel } from 'kafkajs';
import { StreamEnvironment, showProgress } from '../../src';
import { KafkaSink, KafkaSource, fromKafka, kafkaDeadLetters } from '../../src/kafka';

const ClickCodec = t.type({ page: t.string, user: t.number });
type Click = t.TypeOf<typeof ClickCodec>;
interface PageCount {
  page: string;
  count: number;
}

async function prepare(bootstrap: string, input: string, output: string, clicks: number): Promise<void> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'sluice-sample', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input, numPartitions: 4 }, { topic: output, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < clicks; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, clicks - i) }, (_, j) => {
      const n = i + j;
      // One record in 10,000 is not a click: it lands in the dead-letter output.
      return { value: n % 10_000 === 9_999 ? `garbage ${n}` : JSON.stringify({ page: `/page/${n % 50}`, user: n % 997 }) };
    });
    await producer.send({ topic: input, acks: -1, messages });
  }
  await producer.disconnect();
}

async function main(): Promise<void> {
  const [bootstrap, clicksText = '100000'] = process.argv.slice(2);
  if (bootstrap === undefined) throw new Error('usage: node build/samples/kafka/main.js <bootstrap host:port> [clicks]; start a broker with specs/services/kafka.sh start');
  const clicks = Number(clicksText);
  const run = Date.now().toString(36);
  const input = `clicks-${run}`;
  const output = `page-counts-${run}`;
  await prepare(bootstrap, input, output, clicks);

  const env = StreamEnvironment.create({ parallelism: 2, logging: { pretty: true } }); // log lines on stderr, one readable line each
  env.enableCheckpointing(200, 'exactly-once');
  const source = new KafkaSource<Click>({ brokers: [bootstrap], topics: [input], format: { codec: ClickCodec }, boundedness: 'bounded' });
  const records = fromKafka(env, source, 'clicks-source');
  records.getSideOutput(kafkaDeadLetters).map((d) => `dead letter ${d.topic}/${d.partition}@${d.offset}: ${d.reason}`).print();
  records
    .map((c): PageCount => ({ page: c.page, count: 1 }))
    .keyBy((c) => c.page)
    .sum('count')
    .sinkTo(
      KafkaSink.exactlyOnce<PageCount>({
        brokers: [bootstrap],
        topic: output,
        transactionalIdPrefix: `page-counts-${run}`,
        serialize: (c) => ({ key: c.page, value: JSON.stringify(c) }),
      }),
    );
  const started = Date.now();
  const job = env.execute('kafka-page-counts');
  // On a terminal, a line on stderr says how far it got while it runs.
  showProgress(job, { expectedRecords: clicks });
  const result = await job;
  const seconds = (Date.now() - started) / 1000;
  console.log(`read ${clicks} records from ${input}, wrote running counts to ${output} in ${seconds.toFixed(1)} s (${Math.round(clicks / seconds)} records/s), ${result.checkpoints?.completed ?? 0} checkpoints`);
  console.log(`read the output with read_committed, e.g.:\n  java -cp '.cache/kafka/libs/*' org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server ${bootstrap} --topic ${output} --from-beginning --isolation-level read_committed`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
