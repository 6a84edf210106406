import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointId, Sink, StreamEnvironment } from '../../src';
import { countingJob, keyOf } from '../support/countingJob';

/** A sink that takes `delayMs` per batch: the job runs under constant backpressure. */
const slowSink: Sink<unknown> = {
  name: 'Slow Sink',
  createWriter: () => ({ write: () => new Promise<void>((r) => setTimeout(r, 2)) }),
};

async function checkpointUnderBackpressure(dir: string, unaligned: boolean): Promise<{ id: CheckpointId; inFlight: number; maxAlignmentMs: number }> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 32, channelCapacity: 64, jobId: `bp-${unaligned}`, checkpointStorage: `file:${dir}` });
  env.enableCheckpointing(3_600_000, 'exactly-once', { unaligned, retainedCheckpoints: 5 });
  const events = env.fromGenerator(Infinity, (id) => ({ id, key: keyOf(id, 1, 16) })).setParallelism(1);
  countingJob(events).sinkTo(slowSink);
  const job = env.execute('backpressure');
  try {
    // Let the buffers fill up behind the slow sink.
    while (((await job.counters()).operators['Slow Sink']?.recordsIn ?? 0) < 500) await new Promise((r) => setTimeout(r, 5));
    const id = await job.triggerCheckpoint();
    const stats = await job.checkpointStats();
    const stored = JSON.parse(await fs.readFile(path.join(dir, `bp-${unaligned}`, `chk-${id}.json`), 'utf8')) as {
      tasks: Array<{ channels?: { inputs: Array<{ records: unknown[] }>; outputs: Array<{ records: unknown[] }> } }>;
    };
    const inFlight = stored.tasks.reduce((n, t) => n + [...(t.channels?.inputs ?? []), ...(t.channels?.outputs ?? [])].reduce((m, c) => m + c.records.length, 0), 0);
    return { id, inFlight, maxAlignmentMs: stats.maxAlignmentMs };
  } finally {
    await job.cancel();
  }
}

describe('scenario: checkpoints under backpressure', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-bp-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('an unaligned checkpoint overtakes the buffered records and stores them as channel state', async () => {
    const { inFlight } = await checkpointUnderBackpressure(dir, true);
    expect(inFlight, 'records in flight stored in the checkpoint').to.be.greaterThan(0);
  });

  it('an aligned checkpoint stores no records in flight: barriers wait behind them', async () => {
    const { inFlight } = await checkpointUnderBackpressure(dir, false);
    expect(inFlight).to.equal(0);
  });
});
