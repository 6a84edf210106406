import { expect } from 'chai';
import type { Admin, Kafka } from 'kafkajs';
import { createKafkaClient } from '../../src/connectors/kafka/kafkaClient';
import { RepartitionCut, RepartitionSnapshot } from '../../src/instances/repartitionCut';
import { RepartitionReader } from '../../src/instances/RepartitionReader';
import { ensureRepartitionTopic, repartitionTopicName } from '../../src/instances/repartitionTopic';
import { RepartitionWriter } from '../../src/instances/RepartitionWriter';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, produce, uniqueTopic } from '../support/kafkaTopics';

const KEY_GROUPS = 8;

/** A reader under test: what it passed on, its snapshots with how much it had passed on at each, and its failure. */
interface Read {
  readonly cut: RepartitionCut;
  readonly passed: string[];
  readonly snapshots: Map<number, { snapshot: RepartitionSnapshot; passed: number }>;
  failure?: Error;
  reader?: RepartitionReader;
}

/** Records `${producer}-${i}` for i in [from, to), into key group i mod KEY_GROUPS. */
const records = (producer: number, from: number, to: number) => [...Array(to - from).keys()].map((j) => ({ keyGroup: (from + j) % KEY_GROUPS, value: `${producer}-${from + j}` }));

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('instances: the repartition exchange on a real broker (RepartitionWriter, RepartitionReader)', function () {
  this.timeout(120_000);
  let bootstrap: string;
  let kafka: Kafka;
  let admin: Admin;
  const closing: Array<() => Promise<void>> = [];

  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
    kafka = createKafkaClient({ brokers: [bootstrap], clientId: 'sluice-specs-repartition', operationTimeoutMs: 30_000 });
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin?.disconnect();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close().catch(() => undefined);
  });

  async function writer(topic: string, epoch: number, producer: number): Promise<RepartitionWriter> {
    const w = await RepartitionWriter.open(kafka, { topic, keyGroups: KEY_GROUPS, epoch, producer });
    closing.push(() => w.close());
    return w;
  }

  async function read(topic: string, cut: RepartitionCut): Promise<Read> {
    const r: Read = { cut, passed: [], snapshots: new Map() };
    r.reader = await RepartitionReader.start(kafka, {
      topic,
      cut,
      onRecord: (_kg, value) => void r.passed.push(value!.toString()),
      onSnapshot: (snapshot) => void r.snapshots.set(snapshot.checkpointId, { snapshot, passed: r.passed.length }),
      onFailure: (e) => (r.failure = e),
    });
    closing.push(() => r.reader!.stop());
    return r;
  }

  /** Whether `r` read every partition of its cut to the end of the topic. */
  async function caughtUp(topic: string, r: Read): Promise<boolean> {
    if (r.failure !== undefined) throw r.failure;
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    return [...r.cut.offsets()].every(([p, offset]) => BigInt(offset) >= ends.get(p)!);
  }

  it('creates the topic with one partition per key group, and refuses one of another size', async () => {
    const app = uniqueTopic('app');
    const topic = repartitionTopicName(app, 'count');
    expect(topic).to.equal(`${app}-count-repartition`);
    expect(await ensureRepartitionTopic(admin, topic, KEY_GROUPS)).to.equal('created');
    expect(await ensureRepartitionTopic(admin, topic, KEY_GROUPS)).to.equal('existed');
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions).to.have.length(KEY_GROUPS);
    let refused: unknown;
    await ensureRepartitionTopic(admin, topic, 16).catch((e: unknown) => (refused = e));
    expect((refused as Error).message).to.equal(
      `repartition topic ${topic} has 8 partitions, the job needs 16 (one per key group, maxParallelism): it was made for another maxParallelism; delete it (the job must then start without its checkpoints) or keep the former maxParallelism`,
    );
    expect(() => repartitionTopicName('a b', 'count')).to.throw("repartition topic 'a b-count-repartition' is not a Kafka topic name");
  });

  it('passes every record on exactly once across a failure: 2 producers and 2 readers, then restored producers, a zombie writing on, and 1 reader over all key groups', async () => {
    const topic = repartitionTopicName(uniqueTopic('app'), 'count');
    await ensureRepartitionTopic(admin, topic, KEY_GROUPS);
    const start = new Map([...Array(KEY_GROUPS).keys()].map((p) => [p, '0']));

    // Epoch 1: producer 0 writes 50 records and barrier 1 first; producer 1's last 10 records before its barrier come after it in the partitions.
    const [p0, p1] = [await writer(topic, 1, 0), await writer(topic, 1, 1)];
    await p0.write(records(0, 0, 50));
    await p1.write(records(1, 0, 40));
    await p0.barrier(1);
    await p1.write(records(1, 40, 50));
    await p1.barrier(1);
    await p0.write(records(0, 50, 80));
    await p1.write(records(1, 50, 80));
    // Read once all is written, so that each reader snapshots at producer 0's barrier with producer 1's last records still ahead.
    const halves = [[0, 2, 4, 6], [1, 3, 5, 7]];
    const readers = await Promise.all(halves.map((ps) => read(topic, new RepartitionCut(1, 2, ps, { offsets: new Map(ps.map((p) => [p, '0'])) }))));
    for (const r of readers) await until(() => caughtUp(topic, r), 'the readers of epoch 1 read everything');
    const cuts = readers.map((r) => r.snapshots.get(1)!);
    // Each snapshot was taken at producer 0's barrier: producer 1's records up to its barrier are in flight in every partition.
    for (const { snapshot } of cuts) for (const p of snapshot.partitions) expect(p.keep).to.deep.include({ epoch: 1, producer: 1, untilBarrier: 1 });
    // Checkpoint 1 is complete (both snapshots, both barriers in every partition). Epoch 1 fails.
    const covered = readers.flatMap((r, i) => r.passed.slice(0, cuts[i].passed));
    expect(readers.reduce((n, r) => n + r.passed.length, 0)).to.equal(160);
    for (const r of readers) await r.reader!.stop();

    // Epoch 2: producer 1 of epoch 1 is a zombie and writes on; the restored producers write again what followed their barrier 1, and more.
    const zombie = p1;
    await zombie.write(records(1, 80, 90));
    await zombie.barrier(2);
    const [q0, q1] = [await writer(topic, 2, 0), await writer(topic, 2, 1)];
    const reader = await read(topic, new RepartitionCut(2, 2, [...start.keys()], { snapshots: cuts.map((c) => c.snapshot) }));
    await q0.write(records(0, 50, 100));
    await zombie.write(records(1, 90, 95));
    await q1.write(records(1, 50, 100));
    await q0.barrier(2);
    await q1.barrier(2);
    await until(() => caughtUp(topic, reader), 'the restored reader read everything');

    const expected = [0, 1].flatMap((p) => records(p, 0, 100).map((r) => r.value)).sort();
    const seen = [...covered, ...reader.passed].sort();
    expect(seen.length).to.equal(expected.length);
    expect(seen).to.deep.equal(expected);
    expect([...reader.snapshots.keys()]).to.deep.equal([2]);
  });

  it('fails the reader on a record another writer put in the topic, naming where it is', async () => {
    const topic = uniqueTopic('foreign-repartition');
    await createTopic(bootstrap, topic, 1);
    await produce(bootstrap, topic, [{ value: 'not ours', partition: 0 }]);
    const r = await read(topic, new RepartitionCut(1, 1, [0], { offsets: new Map([[0, '0']]) }));
    await until(() => r.failure !== undefined, 'the reader failed');
    expect(r.failure!.message).to.equal(`offset 0 of ${topic}/0 is not a repartition record of Sluice: header 'sluice-epoch' is null, not a number`);
    expect(r.passed).to.deep.equal([]);
  });
});
