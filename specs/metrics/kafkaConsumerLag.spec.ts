import { expect } from 'chai';
import * as t from 'io-ts';
import { Sink, StreamEnvironment } from '../../src';
import { KafkaSource } from '../../src/connectors/kafka/KafkaSource';
import { fromKafka } from '../../src/api/fromKafka';
import { JobMetricsSnapshot, TaskMetrics } from '../../src/metrics/JobMetrics';
import { MetricNames } from '../../src/metrics/metricNames';
import { renderPrometheus } from '../../src/metrics/prometheus';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, produce, uniqueTopic } from '../support/kafkaTopics';

const quiet = { logging: { level: 'silent' as const } };
const EventCodec = t.type({ id: t.number });
const PRODUCED = [600, 400];

/** A sink whose writes wait until it is opened: the job stalls, and the source with it. */
class GatedSink implements Sink<unknown> {
  readonly name = 'Gated Sink';
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  createWriter() {
    return { write: () => this.opened };
  }
  release(): void {
    this.open();
  }
}

const sourceTask = (m: JobMetricsSnapshot): TaskMetrics => m.tasks.find((t) => t.partitionLag.length > 0)!;
const lagOf = (task: TaskMetrics) => task.partitionLag.reduce((n, p) => n + p.lag, 0);

describe('metrics: the Kafka consumer lag per partition (real broker)', function () {
  this.timeout(120_000);

  it("is each partition's records the source has not emitted yet: the records produced minus those it read", async function () {
    const bootstrap = await kafkaBootstrap(this);
    const topic = uniqueTopic('consumer-lag');
    await createTopic(bootstrap, topic, 2);
    await produce(bootstrap, topic, PRODUCED.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ value: JSON.stringify({ id: i }), partition }))));
    const env = StreamEnvironment.create({ metrics: true, batchSize: 16, channelCapacity: 32, ...quiet });
    const sink = new GatedSink();
    // Rebalanced, so the sink runs in a task of its own: the source's task, held back by credit, still answers.
    fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, bufferSize: 100 }))
      .rebalance()
      .sinkTo(sink);
    const job = env.execute('consumer lag');
    try {
      // Stalled behind the closed sink: what the source read is what it emitted, the rest is lag.
      let stalled: JobMetricsSnapshot | undefined;
      const stallDeadline = Date.now() + 30_000;
      for (let last = -1; stalled === undefined; ) {
        const m = await job.metrics();
        const source = sourceTask(m);
        if (source !== undefined && source.recordsIn > 0 && source.recordsIn === last) stalled = m;
        else last = source?.recordsIn ?? -1;
        if (Date.now() > stallDeadline) throw new Error(`the source never stalled: ${JSON.stringify(m.tasks.map((t) => [t.name, t.recordsIn, t.partitionLag]))}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const source = sourceTask(stalled);
      expect(source.partitionLag.map((p) => [p.topic, p.partition])).to.deep.equal([
        [topic, 0],
        [topic, 1],
      ]);
      expect(lagOf(source)).to.equal(1000 - source.recordsIn);
      source.partitionLag.forEach((p) => expect(p.lag).to.be.within(0, PRODUCED[p.partition]));

      sink.release();
      let caughtUp: TaskMetrics | undefined;
      const deadline = Date.now() + 30_000;
      while (caughtUp === undefined) {
        const m = await job.metrics();
        if (sourceTask(m).recordsIn === 1000) caughtUp = sourceTask(m);
        else if (Date.now() > deadline) throw new Error(`the source read ${sourceTask(m).recordsIn} of 1000 records`);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(caughtUp.partitionLag.map((p) => p.lag)).to.deep.equal([0, 0]);
      const text = await renderPrometheus('consumer lag', await job.metrics());
      for (const partition of [0, 1]) {
        expect(text).to.include(`${MetricNames.kafkaConsumerLag}{job="consumer lag",vertex="${caughtUp.name}",subtask="0",topic="${topic}",partition="${partition}"} 0`);
      }
    } finally {
      sink.release();
      await job.cancel();
    }
  });
});
