import { expect } from 'chai';
import * as t from 'io-ts';
import { Kafka, Transaction, logLevel } from 'kafkajs';
import { CollectSink, StreamEnvironment } from '../../../src';
import { fromKafka, kafkaDeadLetters } from '../../../src/api/fromKafka';
import { KafkaDeadLetter } from '../../../src/connectors/kafka/kafkaFormat';
import { KafkaSource } from '../../../src/connectors/kafka/KafkaSource';
import { RecordingSink } from '../../support/RecordingSink';
import { kafkaBootstrap } from '../../support/kafkaService';
import { createTopic, eventually, groupOffsets, produce, uniqueTopic, waitForStableOffset } from '../../support/kafkaTopics';

const EventCodec = t.type({ id: t.number, key: t.number });
type Event = t.TypeOf<typeof EventCodec>;

const events = (n: number, partitions: number) =>
  Array.from({ length: n }, (_, id) => ({ key: String(id % 97), value: JSON.stringify({ id, key: id % 97 }), partition: id % partitions }));

describe('connectors/kafka/KafkaSource (real broker)', function () {
  this.timeout(120_000);
  let bootstrap: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
  });

  describe('in bounded mode, with 3 partitions over 2 instances', () => {
    it('reads every record of the topic exactly once and ends', async () => {
      const topic = uniqueTopic('source-exact');
      await createTopic(bootstrap, topic, 3);
      await produce(bootstrap, topic, events(5000, 3));
      const env = StreamEnvironment.create({ parallelism: 2 });
      const read = await env.fromKafka(new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded' })).executeAndCollect();
      expect(read.length).to.equal(5000);
      expect(new Set(read.map((e) => e.id)).size).to.equal(5000);
      expect(read.every((e) => e.key === e.id % 97)).to.equal(true);
    });

    it('keeps the order of each partition', async () => {
      const topic = uniqueTopic('source-order');
      await createTopic(bootstrap, topic, 2);
      await produce(bootstrap, topic, events(2000, 2));
      const env = StreamEnvironment.create({ parallelism: 2 });
      const read = await fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded' })).executeAndCollect();
      for (const partition of [0, 1]) {
        const ids = read.filter((e) => e.id % 2 === partition).map((e) => e.id);
        expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
      }
    });
  });

  describe('on a topic written in transactions', () => {
    it('reads committed records only, also when aborted transactions of several producers interleave', async () => {
      const topic = uniqueTopic('source-aborted');
      await createTopic(bootstrap, topic, 1);
      const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
      const producer = (id: string) => kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
      const [p1, p2, p3] = [producer('p1'), producer('p2'), producer('p3')];
      await Promise.all([p1.connect(), p2.connect(), p3.connect()]);
      const send = (txn: Transaction, id: number) => txn.send({ topic, messages: [{ value: JSON.stringify({ id, key: 0 }) }] });
      const t1 = await p1.transaction();
      const t2 = await p2.transaction();
      const t3 = await p3.transaction();
      await send(t1, 1);
      await send(t2, 2);
      await send(t3, 3);
      await send(t1, 4);
      await send(t2, 5);
      // Aborted in another order than they began: the broker lists them by their end.
      await t2.abort();
      await t1.abort();
      await send(t3, 6);
      await t3.commit();
      await Promise.all([p1.disconnect(), p2.disconnect(), p3.disconnect()]);
      // 6 records and 3 markers.
      await waitForStableOffset(bootstrap, topic, 9);
      const env = StreamEnvironment.create({ parallelism: 1 });
      const read = await fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded' })).executeAndCollect();
      expect(read.map((e) => e.id)).to.deep.equal([3, 6]);
    });
  });

  describe('when the job takes records slowly', () => {
    it('stops fetching once its buffer is full: memory stays bounded while the lag grows', async () => {
      const topic = uniqueTopic('source-backpressure');
      await createTopic(bootstrap, topic, 2);
      await produce(bootstrap, topic, events(40_000, 2));
      const source = new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, bufferSize: 500, fetchMaxBytesPerPartition: 4096 });
      const reader = source.createReader({ index: 0, parallelism: 1 }) as ReturnType<typeof source.createReader> & { buffered(): number };
      await reader.open?.();
      let taken = 0;
      let maxBuffered = 0;
      try {
        for (let round = 0; round < 40; round++) {
          // A slow consumer: 50 records every 10 ms.
          let result = reader.poll(50, () => taken++);
          if (typeof result !== 'string') result = await result;
          await new Promise((r) => setTimeout(r, 10));
          maxBuffered = Math.max(maxBuffered, reader.buffered());
        }
      } finally {
        await reader.close?.();
      }
      // At most the buffer plus one fetch per partition; a fetch returns at least one whole
      // record batch, and the records were produced 2000 at a time (1000 per partition).
      expect(maxBuffered).to.be.at.most(500 + 2 * 1000);
      expect(taken).to.be.at.least(1000);
      const lag = 40_000 - taken - maxBuffered;
      expect(lag, 'records left in Kafka').to.be.above(35_000);
    });
  });

  describe('when records fail to decode', () => {
    it('sends each to the dead-letter output with its reason and goes on', async () => {
      const topic = uniqueTopic('source-dlq');
      await createTopic(bootstrap, topic, 2);
      const good = events(1000, 2);
      const bad = [
        { value: 'not json at all', partition: 0 },
        { value: JSON.stringify({ id: 'seven', key: 1 }), partition: 1 },
        { value: null, partition: 0 },
      ];
      await produce(bootstrap, topic, [...good.slice(0, 500), ...bad, ...good.slice(500)]);
      const env = StreamEnvironment.create({ parallelism: 2 });
      const records = fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded' }));
      const dead = new CollectSink<KafkaDeadLetter>();
      records.getSideOutput(kafkaDeadLetters).sinkTo(dead);
      const read = await records.executeAndCollect();
      expect(read.length).to.equal(1000);
      const letters = dead.records().sort((a, b) => a.offset - b.offset || a.partition - b.partition);
      expect(letters.map((l) => l.value)).to.have.members(['not json at all', JSON.stringify({ id: 'seven', key: 1 }), null]);
      expect(letters.find((l) => l.value === 'not json at all')!.reason).to.match(/^not JSON/);
      expect(letters.find((l) => l.value !== null && l.value.includes('seven'))!.reason).to.match(/Invalid value "seven" supplied to .*\/id: number/);
      expect(letters.find((l) => l.value === null)!.reason).to.equal('no value (tombstone)');
      expect(letters.every((l) => l.topic === topic)).to.equal(true);
    });

    it('uses a custom deserializer and its Left as the reason', async () => {
      const topic = uniqueTopic('source-deserializer');
      await createTopic(bootstrap, topic, 1);
      await produce(bootstrap, topic, ['1', '2', 'x', '4'].map((value) => ({ value })));
      const env = StreamEnvironment.create({ parallelism: 1 });
      const source = new KafkaSource<number>({
        brokers: [bootstrap],
        topics: [topic],
        boundedness: 'bounded',
        format: {
          deserialize: (r) => {
            const n = Number(r.value?.toString());
            return Number.isFinite(n) ? { _tag: 'Right', right: n } : { _tag: 'Left', left: `not a number: ${r.value?.toString()}` };
          },
        },
      });
      const records = fromKafka(env, source);
      const dead = new CollectSink<KafkaDeadLetter>();
      records.getSideOutput(kafkaDeadLetters).sinkTo(dead);
      expect(await records.executeAndCollect()).to.deep.equal([1, 2, 4]);
      expect(dead.records()).to.deep.equal([{ topic, partition: 0, offset: 2, key: null, value: 'x', reason: 'not a number: x' }]);
    });
  });

  describe('when its task crashes mid-stream with exactly-once checkpoints', () => {
    it('restores the offsets from the checkpoint: nothing lost, nothing repeated', async () => {
      const topic = uniqueTopic('source-restore');
      const n = 20_000;
      await createTopic(bootstrap, topic, 4);
      await produce(bootstrap, topic, events(n, 4));
      const env = StreamEnvironment.create({ parallelism: 2, batchSize: 128 });
      env.enableCheckpointing(20, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 10, delayMs: 0 });
      const sink = new CollectSink<Event>();
      const crashAt = new Set([3_000, 9_000, 15_000]);
      let seen = 0;
      let handle: { crashTask(v: string, i: number): void } | undefined;
      fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded' }))
        .map((e) => {
          if (crashAt.delete(++seen)) handle!.crashTask('Kafka Source', seen % 2);
          return e;
        })
        .sinkTo(sink);
      const job = env.execute('kafka-source-restore');
      handle = job;
      const result = await job;
      expect(result.restarts).to.be.at.least(1);
      const ids = sink.records().map((e) => e.id);
      const unique = new Set(ids);
      expect({ lost: n - unique.size, duplicated: ids.length - unique.size }).to.deep.equal({ lost: 0, duplicated: 0 });
    });
  });

  describe('given options with several problems', () => {
    it('refuses them up front, listing every problem', () => {
      expect(() => new KafkaSource({ brokers: [], topics: [], format: { codec: EventCodec }, startFrom: 'committed' })).to.throw(
        "KafkaSource: name at least one topic, or a pattern; name at least one broker; startFrom 'committed' reads a consumer group's offsets: set groupId",
      );
    });
  });

  describe('with a topic pattern', () => {
    it('reads every partition of the topics whose names match, and no other topic', async () => {
      const prefix = uniqueTopic('pattern');
      await createTopic(bootstrap, `${prefix}-a`, 2);
      await createTopic(bootstrap, `${prefix}-b`, 1);
      await createTopic(bootstrap, `other-${prefix}`, 1);
      await produce(bootstrap, `${prefix}-a`, events(300, 2));
      await produce(bootstrap, `${prefix}-b`, Array.from({ length: 50 }, (_, i) => ({ value: JSON.stringify({ id: 1000 + i, key: 0 }) })));
      await produce(bootstrap, `other-${prefix}`, [{ value: JSON.stringify({ id: -1, key: 0 }) }]);
      const env = StreamEnvironment.create({ parallelism: 2 });
      const pattern = new RegExp(`^${prefix}-[ab]$`);
      const read = await fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: pattern, format: { codec: EventCodec }, boundedness: 'bounded' })).executeAndCollect();
      const expected = [...Array.from({ length: 300 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 1000 + i)];
      expect(read.map((e) => e.id).sort((a, b) => a - b)).to.deep.equal(expected);
    });
  });

  describe('startFrom', () => {
    it("'latest' reads only records written after the job started", async () => {
      const topic = uniqueTopic('source-latest');
      await createTopic(bootstrap, topic, 2);
      await produce(bootstrap, topic, events(1000, 2));
      const env = StreamEnvironment.create({ parallelism: 2 });
      // A completed checkpoint shows every source instance has opened its reader.
      env.enableCheckpointing(50, 'exactly-once');
      const sink = new RecordingSink<Event>();
      fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, startFrom: 'latest' })).sinkTo(sink);
      const job = env.execute('kafka-source-latest');
      await eventually(() => job.checkpointStats(), (s) => s.completed > 0);
      const later = events(1500, 2).slice(1000);
      await produce(bootstrap, topic, later);
      await eventually(async () => sink.all().length, (n) => n >= 500);
      await job.cancel();
      expect(sink.all().map((e) => e.id).sort((a, b) => a - b)).to.deep.equal(later.map((e) => (JSON.parse(e.value) as Event).id));
    });

    it('{ timestamp } starts each partition at its first record at or after that time', async () => {
      const topic = uniqueTopic('source-timestamp');
      await createTopic(bootstrap, topic, 2);
      const now = Date.now();
      const stamped = (from: number, timestamp: number) => events(from + 400, 2).slice(from).map((e) => ({ ...e, timestamp }));
      await produce(bootstrap, topic, [...stamped(0, now - 60_000), ...stamped(400, now - 30_000), ...stamped(800, now - 10_000)]);
      const env = StreamEnvironment.create({ parallelism: 2 });
      const read = await fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded', startFrom: { timestamp: now - 45_000 } })).executeAndCollect();
      expect(read.map((e) => e.id).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 800 }, (_, i) => 400 + i));
    });

    it("'committed' resumes from the consumer group's offsets, which the previous job committed at its last checkpoint", async () => {
      const topic = uniqueTopic('source-committed');
      const groupId = `${topic}-group`;
      await createTopic(bootstrap, topic, 2);
      await produce(bootstrap, topic, events(1000, 2));
      const first = StreamEnvironment.create({ parallelism: 2 });
      first.enableCheckpointing(50, 'exactly-once');
      const source = (startFrom: KafkaSource<Event>['options']['startFrom']) =>
        new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded', groupId, startFrom });
      expect((await fromKafka(first, source('earliest')).executeAndCollect()).length).to.equal(1000);
      expect(await groupOffsets(bootstrap, groupId, topic)).to.deep.equal([500, 500]);

      await produce(bootstrap, topic, events(1600, 2).slice(1000));
      const second = StreamEnvironment.create({ parallelism: 2 });
      const read = await fromKafka(second, source('committed')).executeAndCollect();
      expect(read.map((e) => e.id).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 600 }, (_, i) => 1000 + i));
    });

    it("'committed' refuses to start where the group has no offset, naming it; { committedOrElse } starts there instead", async () => {
      const topic = uniqueTopic('source-uncommitted');
      const groupId = `${topic}-group`;
      await createTopic(bootstrap, topic, 1);
      await produce(bootstrap, topic, events(100, 1));
      const source = (startFrom: KafkaSource<Event>['options']['startFrom']) =>
        new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness: 'bounded', groupId, startFrom });
      const refused = await fromKafka(StreamEnvironment.create({ parallelism: 1 }), source('committed')).executeAndCollect().then(
        () => 'started',
        (e: Error) => e.message,
      );
      expect(refused).to.include(`consumer group '${groupId}' has no committed offset for ${topic}/0`);
      const read = await fromKafka(StreamEnvironment.create({ parallelism: 1 }), source({ committedOrElse: 'earliest' })).executeAndCollect();
      expect(read.length).to.equal(100);
    });
  });

  describe('with a groupId', () => {
    it('commits its offsets to the group when a checkpoint completes, and not before', async () => {
      const topic = uniqueTopic('source-commit');
      const groupId = `${topic}-group`;
      await createTopic(bootstrap, topic, 2);
      await produce(bootstrap, topic, events(1000, 2));
      const env = StreamEnvironment.create({ parallelism: 2 });
      // Checkpoints only when the spec triggers them.
      env.enableCheckpointing(3_600_000, 'exactly-once');
      const sink = new RecordingSink<Event>();
      fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, groupId })).sinkTo(sink);
      const job = env.execute('kafka-source-commit');
      try {
        await eventually(async () => sink.all().length, (n) => n === 1000);
        expect(await groupOffsets(bootstrap, groupId, topic), 'before any checkpoint').to.deep.equal([-1, -1]);
        await job.triggerCheckpoint();
        expect(await eventually(() => groupOffsets(bootstrap, groupId, topic), (o) => o[0] === 500 && o[1] === 500)).to.deep.equal([500, 500]);

        await produce(bootstrap, topic, events(2000, 2).slice(1000));
        await eventually(async () => sink.all().length, (n) => n === 2000);
        expect(await groupOffsets(bootstrap, groupId, topic), 'read on, no checkpoint since').to.deep.equal([500, 500]);
        await job.triggerCheckpoint();
        expect(await eventually(() => groupOffsets(bootstrap, groupId, topic), (o) => o[0] === 1000 && o[1] === 1000)).to.deep.equal([1000, 1000]);
      } finally {
        await job.cancel();
      }
    });
  });

  describe('restored from a checkpoint with another parallelism', () => {
    for (const [before, after] of [[2, 3], [3, 1]] as const) {
      it(`deals the partitions out anew from every former position (${before} → ${after}): nothing lost, nothing repeated`, async () => {
        const topic = uniqueTopic(`source-rescale-${before}-${after}`);
        const n = 12_000;
        await createTopic(bootstrap, topic, 5);
        await produce(bootstrap, topic, events(n, 5));
        const jobId = `${topic}-job`;
        // One sink across both runs: like an external store, it takes each committed transaction once.
        const sink = new CollectSink<Event>();
        const run = (parallelism: number, boundedness: 'bounded' | 'unbounded') => {
          const env = StreamEnvironment.create({ parallelism, batchSize: 64, jobId });
          // Checkpoints only when the spec asks for one.
          env.enableCheckpointing(3_600_000, 'exactly-once');
          fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [topic], format: { codec: EventCodec }, boundedness }), 'kafka-in').sinkTo(sink);
          return env.execute(`kafka-source-rescale-${parallelism}`);
        };
        // Unbounded first, so that it is still running when the checkpoint is taken.
        const first = run(before, 'unbounded');
        await eventually(async () => (await first.counters()).operators[`Kafka Source (${topic})`]?.recordsOut ?? 0, (out) => out >= n / 4);
        await first.triggerCheckpoint();
        // The sink commits when its task hears of the completion, which may come after the trigger's answer.
        await eventually(async () => sink.records().length, (committed) => committed > 0);
        expect((await first.cancel()).status).to.equal('cancelled');
        const partial = sink.records().length;
        // Partitions that move start where the checkpoint left them, not from startFrom ('earliest'): a moved partition read again would show as repeats.
        expect(partial, 'committed before the rescale').to.be.within(1, n);

        expect((await run(after, 'bounded')).status).to.equal('finished');
        const ids = sink.records().map((e) => e.id);
        const unique = new Set(ids);
        expect({ lost: n - unique.size, duplicated: ids.length - unique.size }).to.deep.equal({ lost: 0, duplicated: 0 });
      });
    }
  });
});
