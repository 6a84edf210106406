import { expect } from 'chai';
import { CollectSink, StreamEnvironment } from '../../src';
import { Counted, audit, countingJob, keyOf } from '../support/countingJob';

const RECORDS = 60_000;
const KEYS = 97;
const SEED = 3;
let jobs = 0;

function countingEnv(jobId: string, parallelism: number, sink: CollectSink<Counted>) {
  const env = StreamEnvironment.create({ parallelism, batchSize: 64, jobId });
  // Checkpoints only when the spec asks for one.
  env.enableCheckpointing(3_600_000, 'exactly-once');
  // The source keeps its parallelism; the keyed operator and the sink are rescaled.
  const events = env.fromGenerator(RECORDS, (id) => ({ id, key: keyOf(id, SEED, KEYS) })).setParallelism(1);
  countingJob(events).sinkTo(sink);
  return env;
}

async function checkpointMidwayAndCancel(jobId: string, sink: CollectSink<Counted>): Promise<void> {
  const job = countingEnv(jobId, 2, sink).execute('before rescale');
  let produced = 0;
  while (produced < RECORDS / 3) produced = (await job.counters()).operators['Generator Source']?.recordsOut ?? 0;
  await job.triggerCheckpoint();
  const result = await job.cancel();
  expect(result.status).to.equal('cancelled');
}

describe('scenario: restore a keyed job with another parallelism (docs/internals.md, invariant 5)', function () {
  this.timeout(60_000);
  for (const parallelism of [3, 1]) {
    it(`checkpointed at parallelism 2 and restored at ${parallelism}, it ends with the state of an uninterrupted run`, async () => {
      const jobId = `rescale-${parallelism}-${++jobs}-${process.pid}`;
      // One sink object across both runs: like an external store, it takes each transaction once.
      const sink = new CollectSink<Counted>();
      await checkpointMidwayAndCancel(jobId, sink);
      const partial = sink.records().length;
      expect(partial).to.be.within(1, RECORDS - 1);
      const result = await countingEnv(jobId, parallelism, sink).execute('after rescale');
      expect(result.status).to.equal('finished');
      expect(audit(sink.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });
  }

  it('refuses to restore with another maxParallelism, which would split key groups', async () => {
    const jobId = `rescale-max-${++jobs}-${process.pid}`;
    await checkpointMidwayAndCancel(jobId, new CollectSink<Counted>());
    const env = StreamEnvironment.create({ parallelism: 2, maxParallelism: 64, jobId });
    env.enableCheckpointing(3_600_000, 'exactly-once');
    countingJob(env.fromGenerator(RECORDS, (id) => ({ id, key: keyOf(id, SEED, KEYS) })).setParallelism(1)).sinkTo(new CollectSink<Counted>());
    const error = await env.execute('wrong maxParallelism').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/split keyed state into 128 key groups .* cannot be restored with maxParallelism 64/);
  });
});
