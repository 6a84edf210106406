import { expect } from 'chai';
import type { Admin, Kafka } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import * as v8 from 'v8';
import { Ref, dispatch, spawnStateless, start, stop } from 'nact';
import { BatchSender } from '../../src/cluster/BatchSender';
import { ExchangeError } from '../../src/cluster/ExchangeError';
import { EXCHANGE_READ_AHEAD, ExchangeInlet, spawnInlet } from '../../src/cluster/ExchangeInlet';
import { ExchangeOutlet, spawnOutlet } from '../../src/cluster/ExchangeOutlet';
import { FramePort } from '../../src/cluster/FramePort';
import { crossingChannels } from '../../src/cluster/placement';
import { createKafkaClient } from '../../src/connectors/kafka/kafkaClient';
import { ChannelEvent, TaskMsg, TaskRef } from '../../src/runtime/protocol';
import { KafkaChannelAddress } from '../../src/instances/kafkaChannelAddress';
import { KafkaExchange } from '../../src/cluster/KafkaExchange';
import { ensureExchangeTopic, exchangePartitions, exchangeTopicName, kafkaChannelAddresses, planChannels, readEndOffsets } from '../../src/cluster/exchangeTopic';
import { kafkaBootstrap } from '../support/kafkaService';
import { uniqueTopic } from '../support/kafkaTopics';
import { twoKeyedStagesPlan } from '../support/twoKeyedStagesPlan';
import type { Step } from '../cluster/fixtures/exchangeEnd';
import { joined, timeline } from '../cluster/fixtures/exchangeTimeline';

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('instances: exchange channels through Kafka (KafkaExchange, exchangeTopic)', function () {
  this.timeout(120_000);
  let bootstrap: string;
  let kafka: Kafka;
  let admin: Admin;
  const closing: Array<() => Promise<void> | void> = [];

  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
    kafka = createKafkaClient({ brokers: [bootstrap], clientId: 'sluice-specs-exchange', operationTimeoutMs: 30_000 });
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin?.disconnect();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
  });

  /** An exchange, as an instance has (its own client). */
  async function exchange(clientId: string, operationTimeoutMs = 30_000): Promise<KafkaExchange> {
    const opened = await KafkaExchange.open({ brokers: [bootstrap], clientId, operationTimeoutMs });
    closing.push(() => opened.close());
    return opened;
  }

  /** Two exchanges, as two instances would have, and a fresh topic of `channels` channels. */
  async function setUp(channels: number, operationTimeoutMs = 30_000): Promise<{ topic: string; a: KafkaExchange; b: KafkaExchange }> {
    const { topic } = await ensureExchangeTopic(admin, { applicationId: uniqueTopic('exchange-spec'), partitions: 2 * channels, brokers: [bootstrap], operationTimeoutMs: 30_000 });
    return { topic, a: await exchange('spec-instance-a', operationTimeoutMs), b: await exchange('spec-instance-b', operationTimeoutMs) };
  }

  /** Channel `n`'s two ends: frames in partition 2n, demand in 2n+1, from the partitions' ends now. */
  async function addresses(topic: string, n: number, attempt: number, epoch: number): Promise<{ producer: KafkaChannelAddress; consumer: KafkaChannelAddress }> {
    const ends = await readEndOffsets(admin, topic, [bootstrap], 30_000);
    const frames = 2 * n;
    return {
      producer: { topic, sendPartition: frames, receivePartition: frames + 1, receiveFrom: ends.get(frames + 1)!, attempt, epoch },
      consumer: { topic, sendPartition: frames + 1, receivePartition: frames, receiveFrom: ends.get(frames)!, attempt, epoch },
    };
  }

  const endOffset = async (topic: string, partition: number) => Number((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)!.high);

  /**
   * An ExchangeOutlet on `producerPort` and an ExchangeInlet on `consumerPort`, between a
   * scripted producer that sends records only within the credit its outlet passes on (as a task
   * does) and a consumer that keeps what it gets and grants it back unless told otherwise.
   */
  function channel(producerPort: FramePort, consumerPort: FramePort, script: readonly Step[], capacity: number, regrant = true) {
    const system = start();
    closing.push(() => stop(system));
    const got: Step[] = [];
    const failures: { side: string; error: ExchangeError }[] = [];
    let credit = 0;
    let next = 0;
    let outletRef: TaskRef | undefined;
    const outlet = new ExchangeOutlet(producerPort, 'spec producer', 0, (error) => failures.push({ side: 'outlet', error }));
    const pump = () => {
      while (next < script.length && outletRef !== undefined) {
        const step = script[next];
        if ('records' in step) {
          if (step.records.length > credit) return;
          credit -= step.records.length;
          dispatch(outletRef, { type: 'records', channel: 0, records: step.records, timestamps: step.timestamps });
        } else dispatch(outletRef, { ...step.event, channel: 0 } as TaskMsg);
        next++;
      }
    };
    const producer = spawnStateless(system, (msg: TaskMsg) => {
      if (msg.type !== 'demand') throw new Error(`the producer got ${msg.type}`);
      credit += msg.credits;
      pump();
    }) as TaskRef;
    outletRef = spawnOutlet(system, outlet, 'outlet');
    outlet.attach(producer);
    let inletRef: TaskRef | undefined;
    const consumer = spawnStateless(system, (msg: TaskMsg) => {
      if (msg.type === 'records') {
        got.push({ records: msg.records, timestamps: msg.timestamps });
        if (regrant) dispatch(inletRef!, { type: 'demand', channel: 0, credits: msg.records.length });
      } else {
        const { channel: _, ...event } = msg as TaskMsg & { channel: number };
        got.push({ event: event as ChannelEvent });
      }
    }) as Ref<TaskMsg>;
    const inlet = new ExchangeInlet(consumerPort, 'spec consumer', 0, consumer as TaskRef, { records: EXCHANGE_READ_AHEAD * capacity, handlerCapacity: capacity }, (error) => failures.push({ side: 'inlet', error }));
    inletRef = spawnInlet(system, inlet, 'inlet');
    // A task grants its channel's capacity once wired.
    if (regrant) dispatch(inletRef, { type: 'demand', channel: 0, credits: capacity });
    pump();
    return { got, failures, sent: () => next, grant: (credits: number) => dispatch(inletRef!, { type: 'demand', channel: 0, credits }) };
  }

  it('carries batches, watermarks, barriers, idleness and end of input from an outlet to an inlet in another client, in order, with exact contents', async () => {
    const { topic, a, b } = await setUp(1);
    const { producer, consumer } = await addresses(topic, 0, 1, 1);
    const script = timeline();
    const run = channel(a.port(producer, 'map/0 -> count/1'), b.port(consumer, 'map/0 -> count/1'), script, 64);
    await until(() => run.got.some((s) => 'event' in s && s.event.type === 'endOfInput'), 'end of input through Kafka');
    expect(run.failures).to.deep.equal([]);
    expect(joined(run.got)).to.deep.equal(joined(script));
    // Every batch went as one frame: frames = batches + events.
    expect((await endOffset(topic, 0)) - consumer.receiveFrom).to.equal(script.length);
  });

  it('lets the producer send only what credit allows: the read-ahead and then one batch per batch the consumer takes', async () => {
    const { topic, a, b } = await setUp(1);
    const { producer, consumer } = await addresses(topic, 0, 1, 1);
    const capacity = 10;
    const batches: Step[] = Array.from({ length: 30 }, (_, i) => ({ records: Array.from({ length: capacity }, (_, j) => i * capacity + j), timestamps: Array<number>(capacity).fill(NaN) }));
    // The consumer grants nothing: only the inlet's read-ahead (8 capacities, 80 records) reaches the producer.
    const run = channel(a.port(producer, 'spec'), b.port(consumer, 'spec'), [...batches, { event: { type: 'endOfInput' } }], capacity, false);
    const frames = async () => (await endOffset(topic, 0)) - consumer.receiveFrom;
    await until(async () => (await frames()) >= EXCHANGE_READ_AHEAD, 'the read-ahead sent');
    await sleep(1500);
    expect(await frames()).to.equal(EXCHANGE_READ_AHEAD);
    expect(run.sent()).to.equal(EXCHANGE_READ_AHEAD);
    expect(run.got).to.deep.equal([]);
    // The consumer takes one batch's worth: that credit goes back, and one more batch comes.
    run.grant(capacity);
    await until(() => run.got.length === 1, 'the first batch handed on');
    await until(async () => (await frames()) > EXCHANGE_READ_AHEAD, 'one more batch sent');
    await sleep(1500);
    expect(await frames()).to.equal(EXCHANGE_READ_AHEAD + 1);
    expect(run.got).to.deep.equal([batches[0]]);
    expect(run.failures).to.deep.equal([]);
  });

  it('never shows a second attempt the frames of the first, nor those of an older epoch, on the same partitions', async () => {
    const { topic, a, b } = await setUp(1);
    const first = await addresses(topic, 0, 1, 7);
    // The first attempt's producer, in a process not stopped yet.
    const zombie = (await exchange('spec-zombie')).port(first.producer, 'attempt 1');
    for (let w = 1; w <= 5; w++) zombie.postMessage({ type: 'watermark', watermark: w });
    await until(async () => (await endOffset(topic, 0)) === first.consumer.receiveFrom + 5, 'attempt 1 written');
    const second = await addresses(topic, 0, 2, 7);
    expect(second.consumer.receiveFrom).to.equal(first.consumer.receiveFrom + 5);
    // A master of an older epoch still wires an attempt 2, in another process.
    const olderEpoch = (await exchange('spec-older-epoch')).port({ ...second.producer, epoch: 6 }, 'attempt 2 of epoch 6');
    const current = a.port(second.producer, 'attempt 2');
    const got: unknown[] = [];
    b.port(second.consumer, 'attempt 2').on('message', (frame) => got.push(frame));
    // An end reading from before the second attempt's start (in another process) still skips the first's frames.
    const rereading: unknown[] = [];
    (await exchange('spec-rereading')).port({ ...second.consumer, receiveFrom: first.consumer.receiveFrom }, 'reading from before').on('message', (frame) => rereading.push(frame));
    for (let i = 0; i < 4; i++) {
      zombie.postMessage({ type: 'watermark', watermark: 100 + i });
      olderEpoch.postMessage({ type: 'watermark', watermark: 200 + i });
      current.postMessage({ type: 'watermark', watermark: 300 + i });
    }
    const expected = [300, 301, 302, 303].map((watermark) => ({ type: 'watermark', watermark }));
    await until(() => got.length >= 4, 'attempt 2 read');
    await sleep(1000);
    expect(got).to.deep.equal(expected);
    expect(rereading).to.deep.equal(expected);
  });

  it('fails a channel end that finds a record of its wiring missing (numbered by its producer), rather than go on without its records', async () => {
    const { topic, b } = await setUp(1);
    const { consumer } = await addresses(topic, 0, 1, 3);
    const got: unknown[] = [];
    const errors: string[] = [];
    const into = b.port(consumer, 'spec');
    into.on('message', (frame) => got.push(frame));
    into.on('error', (e: Error) => errors.push(e.message));
    // Records 0 and 2 of a producer of this wiring: record 1 never reached the partition.
    const producer = kafka.producer();
    await producer.connect();
    closing.push(() => producer.disconnect());
    const record = (seq: number, watermark: number) => ({ partition: 0, value: v8.serialize({ type: 'watermark', watermark }), headers: { 'sluice-attempt': '1', 'sluice-epoch': '3', 'sluice-seq': String(seq) } });
    await producer.send({ topic, messages: [record(0, 10), record(2, 12)] });
    await until(() => errors.length > 0, 'the end failed');
    expect(got).to.deep.equal([{ type: 'watermark', watermark: 10 }]);
    expect(errors).to.deep.equal([`record 1 of ${topic}/0 (channel spec) is missing: the next one read (offset ${consumer.receiveFrom + 1}) is record 2 of its producer — lost between the instances, or a second producer of the same wiring`]);
  });

  it('carries a port\'s close to the other end, behind every frame posted before it', async () => {
    const { topic, a, b } = await setUp(1);
    const { producer, consumer } = await addresses(topic, 0, 1, 1);
    const events: string[] = [];
    const out = a.port(producer, 'spec');
    const into = b.port(consumer, 'spec');
    into.on('message', (frame) => events.push(JSON.stringify(frame)));
    into.on('close', () => events.push('close'));
    out.postMessage({ type: 'watermark', watermark: 1 });
    out.postMessage({ type: 'endOfInput' });
    out.close();
    // Posting on a closed port does nothing, as on a MessagePort.
    out.postMessage({ type: 'watermark', watermark: 2 });
    await until(() => events.includes('close'), 'the close seen');
    expect(events).to.deep.equal(['{"type":"watermark","watermark":1}', '{"type":"endOfInput"}', 'close']);
    expect((await endOffset(topic, 0)) - consumer.receiveFrom).to.equal(3);
  });

  it('carries a frame larger than the broker\'s default message size and than a fetch\'s bytes a partition (3 MB of records)', async () => {
    const { topic, a, b } = await setUp(1);
    const { producer, consumer } = await addresses(topic, 0, 1, 1);
    const records = Array.from({ length: 1024 }, (_, i) => `${i}:${'x'.repeat(3000)}`);
    const got: unknown[] = [];
    b.port(consumer, 'spec').on('message', (frame) => got.push(frame));
    const out = a.port(producer, 'spec');
    out.postMessage({ type: 'records', records, timestamps: records.map(() => NaN) });
    out.postMessage({ type: 'endOfInput' });
    await until(() => got.length === 2, 'the large frame and end of input through');
    expect(got).to.deep.equal([{ type: 'records', records, timestamps: records.map(() => NaN) }, { type: 'endOfInput' }]);
  });

  it('closes an end of the same exchange reading the same partition when the channel is wired again, and tells its peer', async () => {
    const { topic, a, b } = await setUp(1);
    const first = await addresses(topic, 0, 1, 1);
    const events: string[] = [];
    const oldConsumer = b.port(first.consumer, 'wiring 1');
    oldConsumer.on('close', () => events.push('old consumer closed'));
    oldConsumer.on('message', () => undefined);
    const oldProducer = a.port(first.producer, 'wiring 1');
    oldProducer.on('close', () => events.push('old producer closed'));
    oldProducer.on('message', () => undefined);
    const second = await addresses(topic, 0, 2, 1);
    // The consumer's task restarted alone: its new end replaces the old, whose close reaches the old producer.
    b.port(second.consumer, 'wiring 2').on('message', () => undefined);
    await until(() => events.length === 2, 'both old ends closed');
    expect(events).to.deep.equal(['old consumer closed', 'old producer closed']);
  });

  it('holds at most a window, a demand and the close marker of a port waiting to be produced: a port posting more fails, and what it queued is dropped', async () => {
    const { topic, a } = await setUp(1);
    const { producer } = await addresses(topic, 0, 1, 1);
    const port = a.port(producer, 'spec');
    const from = await endOffset(topic, 0);
    const errors: string[] = [];
    port.on('error', (e) => errors.push(e.message));
    // The first frame goes into a request at once; the next 66 wait behind it; the 68th is one too many.
    for (let w = 0; w < 68; w++) port.postMessage({ type: 'watermark', watermark: w });
    await until(() => errors.length > 0, 'the port failed');
    expect(errors).to.deep.equal([`66 frames wait to be produced to ${topic}/0 (channel spec), the most a channel may have (its frame window, a demand and the close marker)`]);
    await sleep(1000);
    expect((await endOffset(topic, 0)) - from).to.equal(1);
    // Demand waiting to be produced is merged: a consumer's end never holds more than one.
    const { consumer } = await addresses(topic, 0, 2, 1);
    const before = await endOffset(topic, 1);
    const demand = a.port(consumer, 'demand');
    for (let i = 0; i < 1000; i++) demand.postMessage({ type: 'demand', credits: 1, frames: 0 });
    await until(async () => (await endOffset(topic, 1)) > before, 'demand produced');
    await sleep(500);
    expect((await endOffset(topic, 1)) - before).to.equal(2);
  });

  it('fails a channel end with TransportFailed, naming why, when its exchange is closed', async () => {
    const { topic, a, b } = await setUp(1);
    const { producer, consumer } = await addresses(topic, 0, 1, 1);
    const failures: ExchangeError[] = [];
    const sender = new BatchSender(a.port(producer, 'map/0 -> count/1'), 'map/0 -> count/1', 4, { writable: () => undefined, failed: (e) => failures.push(e) });
    b.port(consumer, 'spec');
    await a.close();
    await until(() => failures.length > 0, 'the sender failed');
    expect(failures).to.deep.equal([{ _tag: 'TransportFailed', channel: 'map/0 -> count/1', reason: 'the Kafka exchange spec-instance-a was closed' }]);
    expect(sender.canSendEvent()).to.equal(false);
    expect(() => a.port(producer, 'late')).to.throw('the Kafka exchange spec-instance-a is closed: no channel late can be opened on it');
  });

  it('fails both ends with TransportFailed, naming the partition, when the topic is gone (produce and fetch), within operationTimeoutMs', async () => {
    const { topic, a, b } = await setUp(1, 4000);
    const { producer, consumer } = await addresses(topic, 0, 1, 1);
    const failures: { side: string; error: ExchangeError }[] = [];
    const sender = new BatchSender(a.port(producer, 'map/0 -> count/1'), 'map/0 -> count/1', 4, { writable: () => undefined, failed: (error) => failures.push({ side: 'sender', error }) });
    const received: unknown[] = [];
    const into = b.port(consumer, 'map/0 -> count/1');
    into.on('message', (frame) => received.push(frame));
    into.on('error', (error) => failures.push({ side: 'receiver', error: { _tag: 'TransportFailed', channel: 'map/0 -> count/1', reason: error.message } }));
    sender.sendEvent({ type: 'watermark', watermark: 1 });
    await until(() => received.length === 1, 'the first frame through');
    await admin.deleteTopics({ topics: [topic] });
    const started = Date.now();
    sender.sendEvent({ type: 'watermark', watermark: 2 });
    await until(() => failures.length === 2, 'both ends failed', 30_000);
    expect(Date.now() - started).to.be.below(15_000);
    const bySide = new Map(failures.map((f) => [f.side, f.error]));
    expect(bySide.get('sender')).to.include({ _tag: 'TransportFailed', channel: 'map/0 -> count/1' });
    expect((bySide.get('sender') as { reason: string }).reason).to.match(new RegExp(`^producing to ${topic}/0 \\(channel map/0 -> count/1\\) failed: `));
    expect((bySide.get('receiver') as { reason: string }).reason).to.match(new RegExp(`^fetching ${topic}/0 \\(channel map/0 -> count/1\\) failed: `));
  });

  it('creates the exchange topic with two partitions per channel of the plan, checks an existing one, grows one made for a smaller plan, and refuses a compacted one', async () => {
    const plan = twoKeyedStagesPlan('exchange');
    // Sources 0-0, 0-1 to Double 1-0, 1-1 (4 channels), Doubles to the sink (2).
    expect([...planChannels(plan)]).to.deep.equal([['0-0/0', 0], ['0-0/1', 1], ['0-1/0', 2], ['0-1/1', 3], ['1-0/0', 4], ['1-1/0', 5]]);
    expect(exchangePartitions(plan)).to.equal(12);
    const applicationId = uniqueTopic('exchange-topic-spec');
    const options = { applicationId, partitions: 12, brokers: [bootstrap], operationTimeoutMs: 30_000 };
    expect(await ensureExchangeTopic(admin, options)).to.deep.equal({ topic: `${applicationId}-exchange`, outcome: 'created' });
    expect(await ensureExchangeTopic(admin, options)).to.deep.equal({ topic: `${applicationId}-exchange`, outcome: 'existed' });
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: `${applicationId}-exchange`, configNames: ['cleanup.policy', 'retention.ms', 'max.message.bytes'] }] });
    expect(Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, e.configValue]))).to.deep.equal({ 'cleanup.policy': 'delete', 'retention.ms': '86400000', 'max.message.bytes': '16777216' });

    // A plan with more channels (a job rescaled) finds the topic grown; one with fewer, unchanged.
    expect(await ensureExchangeTopic(admin, { ...options, partitions: 20 })).to.deep.equal({ topic: `${applicationId}-exchange`, outcome: 'grown' });
    expect(await ensureExchangeTopic(admin, { ...options, partitions: 8 })).to.deep.equal({ topic: `${applicationId}-exchange`, outcome: 'existed' });
    expect((await admin.fetchTopicMetadata({ topics: [`${applicationId}-exchange`] })).topics[0].partitions.length).to.equal(20);

    const other = uniqueTopic('exchange-topic-spec');
    await admin.createTopics({ topics: [{ topic: exchangeTopicName(other), numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    let refused: Error | undefined;
    await ensureExchangeTopic(admin, { ...options, applicationId: other }).catch((e: Error) => (refused = e));
    expect(refused?.message).to.equal(`exchange topic ${other}-exchange does not fit the job: cleanup.policy is "compact", Sluice needs "delete". Delete it (frames in it are worth nothing once their attempt ended) and start again.`);
    expect(() => exchangeTopicName('no spaces')).to.throw("exchange topic 'no spaces-exchange' is not a Kafka topic name");
  });

  it('gives both ends of each crossing channel their partitions, reading from the end offsets read before the deploy', () => {
    const plan = twoKeyedStagesPlan('exchange');
    const crossing = crossingChannels(plan, 2);
    expect(crossing.map((c) => c.name)).to.deep.equal(['Generator Source/0 -> Double/1', 'Generator Source/1 -> Double/0', `Double/1 -> ${plan.tasks[4].name}/0`]);
    const endOffsets = new Map([...Array(12).keys()].map((p) => [p, 100 + p]));
    const ends = kafkaChannelAddresses({ topic: 't', plan, crossing, attempt: 3, epoch: 2, endOffsets });
    expect(ends.map(({ producer, consumer }) => ({ producer, consumer }))).to.deep.equal([
      { producer: { topic: 't', sendPartition: 2, receivePartition: 3, receiveFrom: 103, attempt: 3, epoch: 2 }, consumer: { topic: 't', sendPartition: 3, receivePartition: 2, receiveFrom: 102, attempt: 3, epoch: 2 } },
      { producer: { topic: 't', sendPartition: 4, receivePartition: 5, receiveFrom: 105, attempt: 3, epoch: 2 }, consumer: { topic: 't', sendPartition: 5, receivePartition: 4, receiveFrom: 104, attempt: 3, epoch: 2 } },
      { producer: { topic: 't', sendPartition: 10, receivePartition: 11, receiveFrom: 111, attempt: 3, epoch: 2 }, consumer: { topic: 't', sendPartition: 11, receivePartition: 10, receiveFrom: 110, attempt: 3, epoch: 2 } },
    ]);
    expect(() => kafkaChannelAddresses({ topic: 't', plan, crossing, attempt: 3, epoch: 2, endOffsets: new Map([[0, 0]]) })).to.throw('exchange topic t has no end offset for partition 3: it has fewer partitions than the plan\'s 12 (ensureExchangeTopic checks it)');
  });
});
