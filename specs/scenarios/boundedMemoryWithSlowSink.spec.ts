import { expect } from 'chai';
import { StreamEnvironment } from '../../src';
import { RecordingSink } from '../support/RecordingSink';

describe('scenario: an infinite source into a slow sink (docs/internals.md, invariant 2)', () => {
  it('keeps records in flight under the bound the credits give', async () => {
    const batchSize = 16;
    const channelCapacity = 32;
    const sinks = 2;
    const env = StreamEnvironment.create({ parallelism: 1, batchSize, channelCapacity });
    let produced = 0;
    let maxInFlight = 0;
    const sink = new RecordingSink<number>(1);
    env
      .fromGenerator(Infinity, (i) => {
        produced++;
        return i;
      })
      .map((n) => n * 2)
      .rebalance()
      .sinkTo(sink)
      .setParallelism(sinks);
    const job = env.execute('slow sink');
    const enough = 3000;
    await new Promise<void>((resolve) => {
      sink.onWritten = (written) => {
        maxInFlight = Math.max(maxInFlight, produced - written);
        if (written >= enough) resolve();
      };
    });
    const result = await job.cancel();
    expect(result.status).to.equal('cancelled');
    // Per channel: at most `channelCapacity` records granted and not yet written, plus the
    // producer's buffer, which takes no new poll once it holds a batch: < 2 batches.
    const bound = sinks * (channelCapacity + 2 * batchSize);
    expect(maxInFlight).to.be.at.most(bound);
    expect(maxInFlight).to.be.greaterThan(0);
    // The source really was slowed: it produced only what the sink took plus the bound.
    expect(produced - sink.all().length).to.be.at.most(bound);
  });
});
