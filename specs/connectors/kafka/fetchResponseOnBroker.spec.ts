import { expect } from 'chai';
import { CompressionTypes, Producer } from 'kafkajs';
import { fetchPartitions } from '../../../src/connectors/kafka/kafkajsInternals';
import { connectedBrokerCluster } from '../../support/brokerCluster';
import { kafkajsReadCommitted, ReferenceRecord } from '../../support/kafkajsFetchReference';
import { createTopic, readCommitted, uniqueTopic, waitForStableOffset } from '../../support/kafkaTopics';

/**
 * The source's own Fetch decoding (src/connectors/kafka/fetchResponse.ts) against kafkajs's on
 * the same responses of a real broker: a topic with plain, idempotent, gzip-compressed and
 * transactional batches (transactions of three producers interleaved, two of them aborted),
 * headers, null keys and tombstones, read from offset 0 in small fetches (batches cut off at
 * the byte limit, fetch offsets inside batches). Every kept record and every next offset must
 * be the same; the kept records must be those Kafka's Java read_committed consumer reads.
 */
describe('connectors/kafka/fetchResponse on a real broker: the same records and offsets as kafkajs\'s decoder', function () {
  this.timeout(120_000);
  const broker = connectedBrokerCluster();

  /** Writes the mixed log, its last record plain with the value 'end'. */
  async function writeMixedLog(topic: string): Promise<void> {
    const plain = broker.kafka.producer({ allowAutoTopicCreation: false });
    const idempotent = broker.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const txn = (n: number) => broker.kafka.producer({ transactionalId: `${topic}-p${n}`, idempotent: true, maxInFlightRequests: 1 });
    const [p1, p2, p3] = [txn(1), txn(2), txn(3)];
    const producers: Producer[] = [plain, idempotent, p1, p2, p3];
    await Promise.all(producers.map((p) => p.connect()));
    try {
      const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: i % 3 === 0 ? null : `${prefix}-k${i}`, value: `${prefix}-${i}-${'x'.repeat(i % 40)}`, headers: i % 4 === 0 ? { h: `${prefix}${i}`, r: ['a', 'b'] } : undefined }));
      await plain.send({ topic, acks: 1, messages: values('plain', 30) });
      await plain.send({ topic, acks: 1, messages: [{ key: 'tomb', value: null }] });
      await idempotent.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: values('gzip', 50) });
      for (let round = 0; round < 3; round++) {
        const [t1, t2, t3] = [await p1.transaction(), await p2.transaction(), await p3.transaction()];
        await t1.send({ topic, messages: values(`r${round}-p1a`, 7) });
        await t2.send({ topic, messages: values(`r${round}-p2a`, 5) });
        await t3.send({ topic, compression: CompressionTypes.GZIP, messages: values(`r${round}-p3a`, 9) });
        await t1.send({ topic, messages: values(`r${round}-p1b`, 4) });
        await t2.send({ topic, messages: values(`r${round}-p2b`, 6) });
        await idempotent.send({ topic, acks: -1, messages: values(`r${round}-idem`, 3) });
        // p2 aborts, then p1 (round 1: commits), p3 commits.
        await t2.abort();
        if (round === 1) await t1.commit();
        else await t1.abort();
        await t3.commit();
      }
      await plain.send({ topic, acks: 1, messages: [...values('tail', 10), { key: null, value: 'end' }] });
    } finally {
      await Promise.all(producers.map((p) => p.disconnect()));
    }
  }

  /** One fetch at `offset`, decoded by both; what ours kept when they agree. */
  async function compareAt(topic: string, offset: number, maxBytesPerPartition: number): Promise<{ decoded: ReferenceRecord[]; nextOffset: number }> {
    let payload: { payload: Buffer; version: number } | undefined;
    const [fetched] = await fetchPartitions(broker.cluster, [{ topic, partition: 0, offset }], { maxWaitMs: 100, maxBytesPerPartition, onPayload: (p, version) => (payload = { payload: p, version }) });
    const reference = await kafkajsReadCommitted(payload!.payload, payload!.version, topic, 0, offset);
    const { records } = fetched;
    const decoded = Array.from({ length: records.length }, (_, i): ReferenceRecord => ({ offset: records.offset(i), timestamp: records.timestamp(i), key: records.key(i), value: records.value(i), headers: records.headers(i) }));
    expect({ offset, decoded, nextOffset: fetched.nextOffset }, `the fetch at offset ${offset}`).to.deep.equal({ offset, decoded: reference.records, nextOffset: reference.nextOffset });
    return { decoded, nextOffset: fetched.nextOffset };
  }

  it('keeps, fetch by fetch, exactly the records kafkajs keeps (offsets, timestamps, keys, values, headers), and moves to the same next offset', async () => {
    const topic = uniqueTopic('fetch-decode');
    await createTopic(broker.bootstrap, topic, 1);
    await writeMixedLog(topic);
    const ours: ReferenceRecord[] = [];
    let offset = 0;
    let fetches = 0;
    let comparedRecords = 0;
    // Until the last record: the last stable offset passes it once every transaction's marker is written.
    const deadline = Date.now() + 60_000;
    while (ours.length === 0 || ours[ours.length - 1].value?.toString() !== 'end') {
      expect(Date.now(), `the record 'end' was not read by offset ${offset}`).to.be.lessThan(deadline);
      const { decoded, nextOffset } = await compareAt(topic, offset, 256);
      ours.push(...decoded);
      comparedRecords += decoded.length;
      offset = nextOffset;
      fetches++;
    }
    // Small fetches: many responses, batches cut off at the byte limit among them.
    expect(fetches).to.be.greaterThan(10);
    // Fetch offsets inside batches (a restored position may be anywhere), larger responses.
    for (let at = 1; at < offset; at += 5) await compareAt(topic, at, 4096);
    const java = await readCommitted(broker.bootstrap, topic, comparedRecords);
    expect(ours.map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null }))).to.deep.equal(java.map(({ offset: o, key, value }) => ({ offset: o, key, value })));
    // 30 plain + tombstone + 50 gzip + 3 × (9 of p3 + 3 idempotent) + p1's 11 of round 1 + 10 tail + end.
    expect(ours.length).to.equal(30 + 1 + 50 + 3 * 12 + 11 + 10 + 1);
    expect(new Set(ours.map((r) => r.offset)).size, 'no record twice').to.equal(ours.length);
    expect(ours.filter((r) => r.value?.toString().includes('p2')).length, 'records of aborted transactions').to.equal(0);
  });

  it('on a log-append-time topic gives the batch\'s broker time, as kafkajs does', async () => {
    const topic = uniqueTopic('fetch-append-time');
    const admin = broker.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const producer = broker.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a', timestamp: '1000' }, { value: 'b', timestamp: '2000' }] });
    await producer.disconnect();
    await waitForStableOffset(broker.bootstrap, topic, 2);
    let payload: { payload: Buffer; version: number } | undefined;
    const [fetched] = await fetchPartitions(broker.cluster, [{ topic, partition: 0, offset: 0 }], { maxWaitMs: 100, maxBytesPerPartition: 64 * 1024, onPayload: (p, version) => (payload = { payload: p, version }) });
    const reference = await kafkajsReadCommitted(payload!.payload, payload!.version, topic, 0, 0);
    const timestamps = [fetched.records.timestamp(0), fetched.records.timestamp(1)];
    expect(timestamps).to.deep.equal(reference.records.map((r) => r.timestamp));
    expect(timestamps[0]).to.equal(timestamps[1]).and.to.be.greaterThan(2000);
  });
});
