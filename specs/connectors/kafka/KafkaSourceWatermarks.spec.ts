import { expect } from 'chai';
import * as t from 'io-ts';
import { Collector, CollectSink, OutputTag, ProcessWindowFunction, StreamEnvironment, Time, TimeWindow, TumblingEventTimeWindows, WatermarkStrategy, WindowContext } from '../../../src';
import { fromKafka } from '../../../src/api/fromKafka';
import { KafkaSource } from '../../../src/connectors/kafka/KafkaSource';
import { RecordingSink } from '../../support/RecordingSink';
import { kafkaBootstrap } from '../../support/kafkaService';
import { createTopic, eventually, produce, uniqueTopic } from '../../support/kafkaTopics';

/**
 * Per-partition watermarks of the Kafka source (issue 21), on a real broker: one source
 * instance reads two partitions whose event times are ten seconds apart. With the strategy on
 * the source (each partition its own generator, the minimum over them) no record is late;
 * with the same strategy applied after the source (one generator for the instance), the
 * partition read behind the other is late.
 */
const ReadingCodec = t.type({ id: t.number, at: t.number });
type Reading = t.TypeOf<typeof ReadingCodec>;

/** Partition 0: event times 10 000–19 990 ms; partition 1: 0–9 990 ms; 1000 each, in time order per partition. */
const readings = () => [
  ...Array.from({ length: 1000 }, (_, i) => ({ value: JSON.stringify({ id: i, at: 10_000 + i * 10 }), partition: 0 })),
  ...Array.from({ length: 1000 }, (_, i) => ({ value: JSON.stringify({ id: 1000 + i, at: i * 10 }), partition: 1 })),
];

/** A window's start and how many records it counted. */
class Counted extends ProcessWindowFunction<number, string, number, TimeWindow> {
  process(_key: number, ctx: WindowContext<TimeWindow>, counts: readonly number[], out: Collector<string>): void {
    out.collect(`[${ctx.window.start},${ctx.window.end}) ${counts[0]}`);
  }
}
const count = { createAccumulator: () => 0, add: (_r: Reading, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b };
/** Window w (one second) with n records. */
const windowOf = (w: number, n: number) => `[${w * 1000},${(w + 1) * 1000}) ${n}`;
/** Twenty one-second windows of 100 records each (sorted as text, as results are compared). */
const allWindows = Array.from({ length: 20 }, (_, w) => windowOf(w, 100)).sort();

const bounded = WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.milliseconds(0)).withTimestampAssigner((r) => r.at);

describe('connectors/kafka/KafkaSource: watermarks per partition (real broker)', function () {
  this.timeout(120_000);
  let bootstrap: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
  });

  async function windows(topic: string, onSource: boolean): Promise<{ windows: string[]; late: number[] }> {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const source = new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: ReadingCodec }, boundedness: 'bounded', ...(onSource ? { watermarkStrategy: bounded } : {}) });
    const read = fromKafka(env, source);
    const timed = onSource ? read : read.assignTimestampsAndWatermarks(bounded);
    const lateTag = new OutputTag<Reading>('late');
    const counted = timed.windowAll(TumblingEventTimeWindows.of(Time.seconds(1))).sideOutputLateData(lateTag).aggregate(count, new Counted());
    const late = new CollectSink<Reading>();
    counted.getSideOutput(lateTag).sinkTo(late);
    const emitted = await counted.executeAndCollect('partition-watermarks');
    return { windows: emitted.sort(), late: late.records().map((r) => r.id).sort((a, b) => a - b) };
  }

  it('with the strategy on the source, a partition read behind another makes no record late: every window exact', async () => {
    const topic = uniqueTopic('source-partition-watermarks');
    await createTopic(bootstrap, topic, 2);
    await produce(bootstrap, topic, readings());
    expect(await windows(topic, true)).to.deep.equal({ windows: allWindows, late: [] });
  });

  it('with the same strategy after the source (one generator for both partitions), records of the partition behind are late', async () => {
    const topic = uniqueTopic('source-instance-watermarks');
    await createTopic(bootstrap, topic, 2);
    await produce(bootstrap, topic, readings());
    const { windows: emitted, late } = await windows(topic, false);
    // Partition 0 comes first in a fetch: its watermark (≥ 10 s) passes all of partition 1.
    expect(late.length, 'late records').to.be.greaterThan(0);
    expect(late.every((id) => id >= 1000), 'only partition 1 is late').to.equal(true);
    // Each record is counted in its window or late, once.
    const counted = emitted.reduce((n, w) => n + Number(w.split(' ')[1]), 0);
    expect(counted + late.length).to.equal(2000);
  });

  it('while the job runs, the watermark is the minimum over the partitions: windows fire up to the partition behind, then on as it catches up', async () => {
    const topic = uniqueTopic('source-partition-minimum');
    await createTopic(bootstrap, topic, 2);
    await produce(bootstrap, topic, readings());
    const env = StreamEnvironment.create({ parallelism: 1 });
    const lateTag = new OutputTag<Reading>('late');
    const counted = fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: ReadingCodec }, watermarkStrategy: bounded }))
      .windowAll(TumblingEventTimeWindows.of(Time.seconds(1)))
      .sideOutputLateData(lateTag)
      .aggregate(count, new Counted());
    const fired = new RecordingSink<string>();
    const late = new RecordingSink<Reading>();
    counted.sinkTo(fired);
    counted.getSideOutput(lateTag).sinkTo(late);
    const job = env.execute('partition-minimum');
    const windowsFired = () => [...fired.byInstance.values()].flat().sort();
    // Partition 1 is at 9990 ms: the watermark 9989 closes the first nine windows only, though partition 0 is at 19 990.
    await eventually(async () => windowsFired(), (w) => w.length >= 9);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(windowsFired()).to.deep.equal(Array.from({ length: 9 }, (_, w) => windowOf(w, 100)).sort());
    // Partition 1 catches up to 19 990 ms: the watermark 19 989 closes all but the last window.
    await produce(bootstrap, topic, Array.from({ length: 1000 }, (_, i) => ({ value: JSON.stringify({ id: 2000 + i, at: 10_000 + i * 10 }), partition: 1 })));
    await eventually(async () => windowsFired(), (w) => w.length >= 19);
    await job.cancel();
    expect(windowsFired()).to.deep.equal(Array.from({ length: 19 }, (_, w) => windowOf(w, w < 10 ? 100 : 200)).sort());
    expect([...late.byInstance.values()].flat()).to.deep.equal([]);
  });

  it('refuses a strategy that makes no watermarks when the source is built', () => {
    expect(() => new KafkaSource({ brokers: [bootstrap], topics: ['t'], format: { codec: ReadingCodec }, watermarkStrategy: WatermarkStrategy.noWatermarks<Reading>() })).to.throw(
      'KafkaSource: watermarkStrategy: noWatermarks() makes no watermarks; give forBoundedOutOfOrderness or forMonotonousTimestamps, or leave it out',
    );
  });

  it('an idle partition holds the watermark back until its idleness timeout, then no longer', async () => {
    const topic = uniqueTopic('source-idle-partition');
    await createTopic(bootstrap, topic, 2);
    // Only partition 0 has records: 0–1990 ms.
    await produce(bootstrap, topic, Array.from({ length: 200 }, (_, i) => ({ value: JSON.stringify({ id: i, at: i * 10 }), partition: 0 })));
    const run = async (idleness: Time | undefined) => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const strategy = idleness === undefined ? bounded : bounded.withIdleness(idleness);
      const sink = new RecordingSink<string>();
      fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: ReadingCodec }, watermarkStrategy: strategy }))
        .windowAll(TumblingEventTimeWindows.of(Time.seconds(1)))
        .aggregate(count, new Counted())
        .sinkTo(sink);
      const job = env.execute('idle-partition');
      return { job, fired: () => [...sink.byInstance.values()].flat().sort() };
    };
    const held = await run(undefined);
    const idle = await run(Time.milliseconds(300));
    // The watermark after partition 0's records is 1989: the first window ends at 1000 ms.
    const fired = await eventually(async () => idle.fired(), (w) => w.length >= 1, 30_000);
    await idle.job.cancel();
    expect(fired).to.deep.equal(['[0,1000) 100']);
    // Meanwhile, without idleness, partition 1 (no records yet) has held every window back.
    expect(held.fired()).to.deep.equal([]);
    await held.job.cancel();
  });
});
