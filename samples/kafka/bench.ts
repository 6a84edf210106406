/**
 * Kafka to Kafka throughput with a simple map, beside a plain kafkajs consume-transform-produce
 * loop on the same broker in the same run:
 *
 *   node build/samples/kafka/bench.js "$(specs/services/kafka.sh start)" [records]
 *
 * Cases: kafkajs loop (consumer group, eachBatch, sendBatch acks=all, at-least-once); Sluice
 * at-least-once; Sluice exactly-once (transactions, checkpoints every second). Each reads the
 * same input topic (4 partitions) into its own output topic; parallelism 2.
 */
import * as t from 'io-ts';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaSink, KafkaSource, StreamEnvironment, fromKafka } from '../../src';

const EventCodec = t.type({ id: t.number, user: t.number, amount: t.number });
type Event = t.TypeOf<typeof EventCodec>;
const enrich = (e: Event) => ({ id: e.id, user: e.user, cents: Math.round(e.amount * 100) });

async function main(): Promise<void> {
  const [bootstrap, recordsText = '200000'] = process.argv.slice(2);
  if (bootstrap === undefined) throw new Error('usage: node build/samples/kafka/bench.js <bootstrap host:port> [records]');
  const records = Number(recordsText);
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'sluice-bench', logLevel: logLevel.NOTHING });
  const run = Date.now().toString(36);
  const topic = (name: string) => `bench-${name}-${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: ['in', 'kafkajs', 'alo', 'eo'].map((n) => ({ topic: topic(n), numPartitions: n === 'in' ? 4 : 2 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < records; i += 5000) {
    const messages = Array.from({ length: Math.min(5000, records - i) }, (_, j) => ({ value: JSON.stringify({ id: i + j, user: (i + j) % 1000, amount: ((i + j) % 997) / 7 }) }));
    await producer.send({ topic: topic('in'), acks: -1, messages });
  }
  await producer.disconnect();

  const figures: [string, number][] = [];
  const time = async (name: string, f: () => Promise<void>) => {
    const started = Date.now();
    await f();
    const perSecond = Math.round(records / ((Date.now() - started) / 1000));
    figures.push([name, perSecond]);
    console.log(`${name}: ${perSecond} records/s`);
  };

  await time('kafkajs consume-transform-produce (at-least-once)', async () => {
    const out = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await out.connect();
    const consumer = kafka.consumer({ groupId: `bench-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic('in')], fromBeginning: true });
    let seen = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const messages = batch.messages.map((m) => ({ value: JSON.stringify(enrich(JSON.parse(m.value!.toString()) as Event)) }));
        await out.sendBatch({ acks: -1, topicMessages: [{ topic: topic('kafkajs'), messages }] });
        seen += messages.length;
        if (seen >= records) done();
      },
    });
    await finished;
    await consumer.disconnect();
    await out.disconnect();
  });

  for (const mode of ['at-least-once', 'exactly-once'] as const) {
    await time(`Sluice ${mode}`, async () => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      env.enableCheckpointing(1000, mode);
      const mapped = fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic('in')], format: { codec: EventCodec }, boundedness: 'bounded' })).map(enrich);
      const serialize = (r: ReturnType<typeof enrich>) => ({ value: JSON.stringify(r) });
      if (mode === 'exactly-once') mapped.sinkTo(KafkaSink.exactlyOnce({ brokers: [bootstrap], topic: topic('eo'), transactionalIdPrefix: topic('eo'), serialize }));
      else mapped.sinkTo(KafkaSink.atLeastOnce({ brokers: [bootstrap], topic: topic('alo'), serialize }));
      await env.execute(`bench-${mode}`);
    });
  }
  console.log(JSON.stringify({ records, figures: Object.fromEntries(figures) }));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
