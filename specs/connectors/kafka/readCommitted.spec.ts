import { expect } from 'chai';
import type { RawKafkaMessage } from '../../../src/connectors/kafka/kafkajsInternals';
import { readCommitted } from '../../../src/connectors/kafka/readCommitted';

/** A record of `producer` at `offset`; in a transaction unless plain. */
const record = (offset: number, producer: number, inTransaction = true): RawKafkaMessage => ({
  offset: String(offset),
  key: null,
  value: Buffer.from(`r${offset}`),
  timestamp: '0',
  headers: {},
  isControlRecord: false,
  batchContext: { producerId: String(producer), inTransaction },
});

/** The marker ending `producer`'s transaction at `offset`: key = int16 version 0, int16 type. */
const marker = (offset: number, producer: number, type: 'abort' | 'commit'): RawKafkaMessage => {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type === 'abort' ? 0 : 1, 2);
  return { ...record(offset, producer), key, value: null, isControlRecord: true };
};

const kept = (messages: RawKafkaMessage[], aborted: { producerId: string; firstOffset: string }[], fetchOffset = 0) =>
  readCommitted('t', 0, fetchOffset, messages, aborted).records.map((r) => r.offset);

describe('connectors/kafka/readCommitted', () => {
  it('keeps plain records and committed transactions, and drops control records', () => {
    expect(kept([record(0, 1, false), record(1, 2), marker(2, 2, 'commit'), record(3, 1, false)], [])).to.deep.equal([0, 1, 3]);
  });

  it("drops an aborted transaction's records from its first offset to its abort marker, and the producer's later ones are kept", () => {
    expect(kept([record(0, 7), record(1, 7), marker(2, 7, 'abort'), record(3, 7), marker(4, 7, 'commit')], [{ producerId: '7', firstOffset: '0' }])).to.deep.equal([3]);
  });

  it('when aborted transactions of several producers interleave and are listed out of order, drops exactly theirs', () => {
    // p1: 0, 3 aborted at 6; p2: 1, 4 aborted at 5; p3: 2, 7 committed at 8.
    const messages = [record(0, 1), record(1, 2), record(2, 3), record(3, 1), record(4, 2), marker(5, 2, 'abort'), marker(6, 1, 'abort'), record(7, 3), marker(8, 3, 'commit')];
    const aborted = [
      { producerId: '2', firstOffset: '1' },
      { producerId: '1', firstOffset: '0' },
    ];
    expect(kept(messages, aborted)).to.deep.equal([2, 7]);
  });

  it('skips records before the fetch offset, and moves past offsets it keeps nothing of', () => {
    const fetched = readCommitted('t', 0, 2, [record(0, 1, false), record(1, 1, false), record(2, 1, false), marker(3, 4, 'commit')], []);
    expect({ kept: fetched.records.map((r) => r.offset), nextOffset: fetched.nextOffset }).to.deep.equal({ kept: [2], nextOffset: 4 });
    expect(readCommitted('t', 0, 5, [], []).nextOffset).to.equal(5);
  });
});
