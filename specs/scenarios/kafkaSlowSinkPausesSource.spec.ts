/**
 * A Kafka source feeding a slow sink while records keep arriving: the source takes only what
 * the sink makes room for, so the consumer lag — the topic's end offsets minus the job's
 * position, as the consumer group shows it through the Kafka admin API — grows, while the
 * records the job holds, and the process's memory, stay bounded (docs/internals.md, invariant 2).
 */
import { expect } from 'chai';
import * as t from 'io-ts';
import { Kafka, logLevel } from 'kafkajs';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Sink, StreamEnvironment } from '../../src';
import { KafkaSource } from '../../src/connectors/kafka/KafkaSource';
import { fromKafka } from '../../src/api/fromKafka';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, eventually, produce, uniqueTopic } from '../support/kafkaTopics';

const EventCodec = t.type({ id: t.number, key: t.number });
/** Records of about 4 KB, so that holding the lag in memory would show: 20 MB a round. */
const PADDING = 'x'.repeat(4000);
const RECORDS_PER_ROUND = 5000;
const ROUNDS = 6;
const BATCH_SIZE = 32;
const CHANNEL_CAPACITY = 64;
const SINK_MS_PER_BATCH = 40;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/**
 * Heap and buffers (Kafka values are Buffers) after full collections: the backing stores of
 * collected Buffers are released after the collection, so collect, yield, collect again.
 */
async function liveBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A sink that takes SINK_MS_PER_BATCH for each batch and keeps nothing. */
class SlowCountingSink implements Sink<unknown> {
  readonly name = 'Slow Counting Sink';
  written = 0;
  createWriter() {
    return {
      write: (records: readonly unknown[]) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            this.written += records.length;
            resolve();
          }, SINK_MS_PER_BATCH),
        ),
    };
  }
}

describe('scenario: a slow sink pauses the Kafka source (docs/internals.md, invariant 2, real broker)', function () {
  this.timeout(180_000);
  let bootstrap: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
  });

  it('the consumer lag grows round after round while the records in flight and the memory stay bounded', async () => {
    const topic = uniqueTopic('slow-sink');
    const groupId = `${topic}-group`;
    await createTopic(bootstrap, topic, 2);
    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const lag = async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return ends.reduce((sum, end) => sum + Number(end.high) - Math.max(0, Number(committed.partitions.find((p) => p.partition === end.partition)!.offset)), 0);
    };

    const env = StreamEnvironment.create({ parallelism: 1, batchSize: BATCH_SIZE, channelCapacity: CHANNEL_CAPACITY });
    env.enableCheckpointing(100, 'exactly-once');
    const sink = new SlowCountingSink();
    let taken = 0;
    let maxInFlight = 0;
    fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, groupId, bufferSize: 500, fetchMaxBytesPerPartition: 64 * 1024 }))
      .map((e) => {
        maxInFlight = Math.max(maxInFlight, ++taken - sink.written);
        return e.id;
      })
      .rebalance()
      .sinkTo(sink);
    const job = env.execute('kafka-slow-sink');
    const lags: number[] = [];
    const memory: number[] = [];
    try {
      let produced = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await produce(
          bootstrap,
          topic,
          Array.from({ length: RECORDS_PER_ROUND }, (_, i) => ({ key: String(i % 13), value: JSON.stringify({ id: produced + i, key: i % 13, padding: PADDING }) })),
          200,
        );
        produced += RECORDS_PER_ROUND;
        // Two checkpoints complete after the round's records are in: the group holds a position taken since.
        const { completed } = await job.checkpointStats();
        await eventually(() => job.checkpointStats(), (s) => s.completed >= completed + 2);
        lags.push(await lag());
        memory.push(await liveBytes());
      }
    } finally {
      await job.cancel();
      await admin.disconnect();
    }
    const growth = memory.map((m) => Math.round((m - memory[0]) / 1024 / 1024));
    console.log(`      lag after each round: ${lags.join(', ')} records; live memory vs round 1: ${growth.join(', ')} MB; at most ${maxInFlight} records between source and sink; ${sink.written} written`);
    for (let i = 1; i < ROUNDS; i++) expect(lags[i], `lag after round ${i + 1}`).to.be.above(lags[i - 1]);
    // Each round adds 5000 records (20 MB) to Kafka; the job reads far fewer.
    expect(lags[ROUNDS - 1] - lags[0]).to.be.above((ROUNDS - 1) * RECORDS_PER_ROUND * 0.5);
    // Held in the job: what the credits allow (channel capacity plus a batch either side).
    expect(maxInFlight).to.be.at.most(CHANNEL_CAPACITY + 2 * BATCH_SIZE);
    // Held in memory: the reader's buffer (500 records, 2 MB) plus a fetch per partition, not
    // the lag (100 MB more by the last round). Buffers are released in a sawtooth (up to
    // about 15 MB above round 1 over nine rounds, then back down): hence the margin.
    expect(Math.max(...memory) - memory[0]).to.be.below(32 * 1024 * 1024);
  });
});
