import { expect } from 'chai';
import { crc32c, encodeProduceRequest, OutgoingRecord } from '../../../src/connectors/kafka/produceRequest';

/* eslint-disable @typescript-eslint/no-var-requires */
const Decoder = require('kafkajs/src/protocol/decoder');
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C');

interface Decoded {
  transactionalId: string | null;
  acks: number;
  timeout: number;
  topics: { topic: string; partitions: { partition: number; batch: { producerId: string; producerEpoch: number; firstSequence: number; inTransaction: boolean; records: { key: Buffer | null; value: Buffer | null; headers: Record<string, unknown>; offset: string; timestamp: string }[] } }[] }[];
}

/** Reads a Produce v3 request body back with kafkajs's own decoders (the fetch path's record batch decoder). */
async function decode(body: Buffer): Promise<Decoded> {
  const decoder = new Decoder(body);
  const transactionalId = decoder.readString();
  const acks = decoder.readInt16();
  const timeout = decoder.readInt32();
  const topics: Decoded['topics'] = [];
  for (let t = decoder.readInt32(); t > 0; t--) {
    const topic = decoder.readString();
    const partitions: Decoded['topics'][number]['partitions'] = [];
    for (let p = decoder.readInt32(); p > 0; p--) {
      const partition = decoder.readInt32();
      const size = decoder.readInt32();
      const batchDecoder = decoder.slice(size);
      decoder.forward(size);
      const batch = await decodeRecordBatch(batchDecoder);
      partitions.push({ partition, batch: { ...batch, records: batch.records } });
    }
    topics.push({ topic, partitions });
  }
  return { transactionalId, acks, timeout, topics };
}

describe('connectors/kafka/produceRequest', () => {
  it('computes CRC-32C as kafkajs does (the check value of "123456789" is e3069283)', () => {
    const data = Buffer.from('123456789');
    expect(crc32c(data, 0, data.length).toString(16)).to.equal('e3069283');
    const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) % 256));
    expect(crc32c(random, 0, random.length)).to.equal(kafkajsCrc32c(random));
  });

  it("writes record batches that kafkajs's decoder reads back: keys, values, headers, timestamps, producer id, epoch and sequence", async () => {
    const records: OutgoingRecord[] = [
      { key: 'k1', value: '{"a":1}' },
      { key: null, value: Buffer.from([0, 1, 2, 255]) },
      { value: null, headers: { h: 'x', many: ['1', Buffer.from('2')] } },
      { key: Buffer.from('ü'), value: 'é'.repeat(100), timestamp: '1700000000500' },
    ];
    const body = encodeProduceRequest({
      transactionalId: 'txn-1',
      producerId: '4294967297',
      producerEpoch: 3,
      acks: -1,
      timeoutMs: 30000,
      now: 1700000000000,
      topics: [
        { topic: 'out', partitions: [{ partition: 1, records, firstSequence: 17 }, { partition: 0, records: records.slice(0, 1), firstSequence: 0 }] },
        { topic: 'other', partitions: [{ partition: 2, records: records.slice(1, 2), firstSequence: 5 }] },
      ],
    });
    const decoded = await decode(body);
    expect([decoded.transactionalId, decoded.acks, decoded.timeout]).to.deep.equal(['txn-1', -1, 30000]);
    expect(decoded.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.batch.records.length, p.batch.firstSequence])])).to.deep.equal([
      ['out', [[1, 4, 17], [0, 1, 0]]],
      ['other', [[2, 1, 5]]],
    ]);
    const batch = decoded.topics[0].partitions[0].batch;
    expect([batch.producerId, batch.producerEpoch, batch.inTransaction]).to.deep.equal(['4294967297', 3, true]);
    expect(batch.records.map((r) => [r.offset, r.timestamp, r.key?.toString('utf8') ?? null, r.value === null ? null : r.value.toString('hex')])).to.deep.equal([
      ['0', '1700000000000', 'k1', Buffer.from('{"a":1}').toString('hex')],
      ['1', '1700000000000', null, '000102ff'],
      ['2', '1700000000000', null, null],
      ['3', '1700000000500', 'ü', Buffer.from('é'.repeat(100)).toString('hex')],
    ]);
    expect(batch.records[2].headers).to.deep.equal({ h: Buffer.from('x'), many: [Buffer.from('1'), Buffer.from('2')] });
  });

  it('marks a batch outside transactions as such, and writes a null transactional id', async () => {
    const decoded = await decode(encodeProduceRequest({ transactionalId: null, producerId: '-1', producerEpoch: -1, acks: -1, timeoutMs: 1000, topics: [{ topic: 't', partitions: [{ partition: 0, records: [{ value: 'v' }], firstSequence: 0 }] }] }));
    expect(decoded.transactionalId).to.equal(null);
    expect(decoded.topics[0].partitions[0].batch.inTransaction).to.equal(false);
  });
});
