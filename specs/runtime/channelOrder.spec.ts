import { expect } from 'chai';
import fc from 'fast-check';
import { StreamEnvironment } from '../../src';
import { RecordingSink } from '../support/RecordingSink';

/** A record that says which source instance produced it and in which position. */
interface Tagged {
  source: number;
  seq: number;
}

describe('runtime: per-channel order (docs/internals.md, invariant 1)', () => {
  it('between one producing and one consuming task, records arrive in the order sent, none lost or repeated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          sources: fc.integer({ min: 1, max: 3 }),
          sinks: fc.integer({ min: 1, max: 3 }),
          batchSize: fc.integer({ min: 1, max: 9 }),
          capacity: fc.integer({ min: 1, max: 20 }),
          count: fc.integer({ min: 0, max: 300 }),
          partitioning: fc.constantFrom('rebalance', 'hash', 'broadcast', 'default'),
        }),
        async ({ sources, sinks, batchSize, capacity, count, partitioning }) => {
          const env = StreamEnvironment.create({ parallelism: sources, batchSize, channelCapacity: capacity });
          // Generator instance i produces indices i, i+p, ...: seq increases per source instance.
          const generated = env.fromGenerator(count, (i): Tagged => ({ source: i % sources, seq: i }));
          const partitioned =
            partitioning === 'rebalance'
              ? generated.rebalance()
              : partitioning === 'broadcast'
                ? generated.broadcast()
                : partitioning === 'hash'
                  ? generated.keyBy((r) => r.seq % 7)
                  : generated;
          const sink = new RecordingSink<Tagged>();
          partitioned.sinkTo(sink).setParallelism(sinks);
          await env.execute('order');
          for (const records of sink.byInstance.values()) {
            const last = new Map<number, number>();
            for (const r of records) {
              expect(r.seq, `source ${r.source}`).to.be.greaterThan(last.get(r.source) ?? -1);
              last.set(r.source, r.seq);
            }
          }
          const copies = partitioning === 'broadcast' ? sinks : 1;
          const seqs = sink.all().map((r) => r.seq).sort((a, b) => a - b);
          const expected = [...Array(count).keys()].flatMap((i) => Array(copies).fill(i) as number[]);
          expect(seqs).to.deep.equal(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
