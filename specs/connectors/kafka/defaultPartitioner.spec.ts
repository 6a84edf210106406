import { expect } from 'chai';
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { defaultPartitioner, murmur2 } from '../../../src/connectors/kafka/defaultPartitioner';

/** kafkajs's DefaultPartitioner: the partitions the exactly-once sink must keep choosing. */
const kafkajsPartitioner = Partitioners.DefaultPartitioner() as unknown as ReturnType<typeof defaultPartitioner>;
const metadata = (n: number, withoutLeader: readonly number[] = []) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: withoutLeader.includes(partitionId) ? -1 : 0 }));

describe("connectors/kafka/defaultPartitioner: kafkajs's DefaultPartitioner without Long arithmetic", () => {
  it('chooses the partition kafkajs chooses for any key, text or bytes, at any partition count', () => {
    const ours = defaultPartitioner();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 400 }), fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a))), fc.integer({ min: 1, max: 64 }), (key, partitions) => {
        const args = { topic: 't', partitionMetadata: metadata(partitions), message: { key, value: null } };
        expect(ours(args)).to.equal(kafkajsPartitioner(args));
      }),
      { numRuns: 5000 },
    );
  });

  it("gives Kafka's murmur2 of known keys (the Java client's values)", () => {
    // Utils.murmur2 of these UTF-8 strings in the Java client (kafka-clients UtilsTest).
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    expect(cases.map(([key]) => murmur2(Buffer.from(key)))).to.deep.equal(cases.map(([, hash]) => hash));
  });

  it('takes a record\'s own partition, and deals records without a key round robin over the partitions with a leader', () => {
    const ours = defaultPartitioner();
    expect(ours({ topic: 't', partitionMetadata: metadata(4), message: { key: 'k', partition: 3 } })).to.equal(3);
    const chosen = Array.from({ length: 9 }, () => ours({ topic: 't', partitionMetadata: metadata(4, [1]), message: { key: null } }));
    const start = [0, 2, 3].indexOf(chosen[0]);
    expect(chosen).to.deep.equal(Array.from({ length: 9 }, (_, i) => [0, 2, 3][(start + i) % 3]));
  });
});
