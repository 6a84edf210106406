import { expect } from 'chai';
import { gzipSync } from 'zlib';
import { Decompress, readCommittedRecords } from '../../../src/connectors/kafka/fetchResponse';
import { encodeProduceRequest, OutgoingRecord } from '../../../src/connectors/kafka/produceRequest';

/**
 * Record sets built byte for byte (RecordBatch v2 by produceRequest.ts, then the fields the
 * broker sets), decoded read_committed. The same decoder against kafkajs's on a real broker's
 * responses: fetchResponseOnBroker.spec.ts.
 */
interface BatchSpec {
  readonly baseOffset: number;
  /** -1: not an idempotent producer's. */
  readonly producer: number;
  readonly records: readonly OutgoingRecord[];
  readonly transactional?: boolean;
  readonly control?: 'abort' | 'commit';
  readonly gzip?: boolean;
  readonly logAppendTime?: number;
}

const TOPIC = 't';

function batch(spec: BatchSpec): Buffer {
  const records: readonly OutgoingRecord[] = spec.control === undefined ? spec.records : [{ key: Buffer.from([0, 0, 0, spec.control === 'abort' ? 0 : 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }];
  const request = encodeProduceRequest({ transactionalId: null, producerId: String(spec.producer), producerEpoch: 0, acks: -1, timeoutMs: 1, now: 1_000, topics: [{ topic: TOPIC, partitions: [{ partition: 0, records, firstSequence: 0 }] }] });
  // Produce body: transactional id (-1), acks, timeout, [topic], topic, [partition], partition, batch length, batch.
  const at = 2 + 2 + 4 + 4 + 2 + TOPIC.length + 4 + 4;
  let b = Buffer.from(request.subarray(at + 4, at + 4 + request.readInt32BE(at)));
  b.writeBigInt64BE(BigInt(spec.baseOffset), 0);
  let attributes = 0;
  if (spec.transactional === true || spec.control !== undefined) attributes |= 0x10;
  if (spec.control !== undefined) attributes |= 0x20;
  if (spec.logAppendTime !== undefined) {
    attributes |= 0x08;
    b.writeBigInt64BE(BigInt(spec.logAppendTime), 35);
  }
  if (spec.gzip === true) {
    attributes |= 1;
    const compressed = gzipSync(b.subarray(61));
    b = Buffer.concat([b.subarray(0, 61), compressed]);
    b.writeInt32BE(b.length - 12, 8);
  }
  b.writeInt16BE(attributes, 21);
  return b;
}

const gunzip: Decompress = async (codec, compressed) => {
  if (codec !== 1) throw new Error(`codec ${codec}`);
  return (await import('zlib')).gunzipSync(compressed);
};

const plain = (baseOffset: number, producer: number, n = 1, transactional = true): BatchSpec => ({
  baseOffset,
  producer,
  transactional,
  records: Array.from({ length: n }, (_, i) => ({ key: null, value: `r${baseOffset + i}` })),
});
const marker = (baseOffset: number, producer: number, control: 'abort' | 'commit'): BatchSpec => ({ baseOffset, producer, records: [], control });

async function kept(batches: readonly BatchSpec[], aborted: { producerId: number; firstOffset: number }[] = [], fetchOffset = 0) {
  const { records, nextOffset } = await readCommittedRecords(Buffer.concat(batches.map(batch)), fetchOffset, aborted, gunzip);
  return { offsets: Array.from({ length: records.length }, (_, i) => records.offset(i)), values: Array.from({ length: records.length }, (_, i) => records.valueText(i)), nextOffset };
}

describe('connectors/kafka/fetchResponse: record sets decoded read_committed', () => {
  it('keeps plain records and committed transactions, and drops control records', async () => {
    expect(await kept([plain(0, -1, 1, false), plain(1, 2), marker(2, 2, 'commit'), plain(3, -1, 1, false)])).to.deep.equal({ offsets: [0, 1, 3], values: ['r0', 'r1', 'r3'], nextOffset: 4 });
  });

  it("drops an aborted transaction's records from its first offset to its abort marker, and the producer's later ones are kept", async () => {
    expect((await kept([plain(0, 7, 2), marker(2, 7, 'abort'), plain(3, 7), marker(4, 7, 'commit')], [{ producerId: 7, firstOffset: 0 }])).offsets).to.deep.equal([3]);
  });

  it('when aborted transactions of several producers interleave and are listed out of order, drops exactly theirs', async () => {
    // p1: 0, 3 aborted at 6; p2: 1, 4 aborted at 5; p3: 2, 7 committed at 8.
    const batches = [plain(0, 1), plain(1, 2), plain(2, 3), plain(3, 1), plain(4, 2), marker(5, 2, 'abort'), marker(6, 1, 'abort'), plain(7, 3), marker(8, 3, 'commit')];
    const aborted = [
      { producerId: 2, firstOffset: 1 },
      { producerId: 1, firstOffset: 0 },
    ];
    expect(await kept(batches, aborted)).to.deep.equal({ offsets: [2, 7], values: ['r2', 'r7'], nextOffset: 9 });
  });

  it('skips records before the fetch offset (inside the first batch too), and moves past offsets it keeps nothing of', async () => {
    expect(await kept([plain(0, -1, 3, false), marker(3, 4, 'commit')], [], 2)).to.deep.equal({ offsets: [2], values: ['r2'], nextOffset: 4 });
    expect(await kept([], [], 5)).to.deep.equal({ offsets: [], values: [], nextOffset: 5 });
  });

  it('leaves a batch cut off at the end of the record set for the next fetch', async () => {
    const whole = Buffer.concat([batch(plain(0, -1, 2, false)), batch(plain(2, -1, 2, false))]);
    const { records, nextOffset } = await readCommittedRecords(whole.subarray(0, whole.length - 5), 0, [], gunzip);
    expect({ n: records.length, nextOffset }).to.deep.equal({ n: 2, nextOffset: 2 });
  });

  it('decodes gzip batches, keys, null values, headers (a repeated key as an array) and both timestamp types', async () => {
    const records: OutgoingRecord[] = [
      { key: 'k', value: 'v', timestamp: '1500', headers: { a: 'x', b: ['y', 'z'] } },
      { key: null, value: null, timestamp: '1000' },
      { key: 'ü', value: 'ψ'.repeat(300), timestamp: '1200' },
    ];
    for (const gzip of [false, true]) {
      const { records: r } = await readCommittedRecords(Buffer.concat([batch({ baseOffset: 10, producer: -1, records, gzip }), batch({ baseOffset: 13, producer: -1, records: [{ value: 'appended' }], logAppendTime: 9_999 })]), 0, [], gunzip);
      const decoded = Array.from({ length: r.length }, (_, i) => ({ offset: r.offset(i), timestamp: r.timestamp(i), key: r.key(i)?.toString() ?? null, value: r.valueText(i), headers: r.headers(i) }));
      expect(decoded, gzip ? 'gzip' : 'uncompressed').to.deep.equal([
        { offset: 10, timestamp: 1500, key: 'k', value: 'v', headers: { a: Buffer.from('x'), b: [Buffer.from('y'), Buffer.from('z')] } },
        { offset: 11, timestamp: 1000, key: null, value: null, headers: {} },
        { offset: 12, timestamp: 1200, key: 'ü', value: 'ψ'.repeat(300), headers: {} },
        { offset: 13, timestamp: 9_999, key: null, value: 'appended', headers: {} },
      ]);
    }
  });

  it('refuses, naming it, a message format before v2 and a codec it cannot decompress', async () => {
    const old = batch(plain(0, -1, 1, false));
    old.writeInt8(1, 16);
    let refused = '';
    await readCommittedRecords(old, 0, [], gunzip).catch((e: Error) => (refused = e.message));
    expect(refused).to.equal('a record batch of message format v1 at offset 0: only v2 (magic 2) is decoded');
    const snappy = batch(plain(0, -1, 1, false));
    snappy.writeInt16BE(2, 21);
    refused = '';
    await readCommittedRecords(snappy, 0, [], gunzip).catch((e: Error) => (refused = e.message));
    expect(refused).to.equal('codec 2');
  });
});
