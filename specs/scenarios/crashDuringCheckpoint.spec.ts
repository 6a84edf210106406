import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CollectSink, StreamEnvironment, TwoPhaseCommitSink } from '../../src';
import { Counted, audit, countingJob, keyOf } from '../support/countingJob';

const RECORDS = 40_000;
const KEYS = 31;
const SEED = 11;

/** The collect sink, slowed down so that barriers take a while to reach it. */
function slowed<Txn>(sink: TwoPhaseCommitSink<Counted, Txn>, delayMs: number): TwoPhaseCommitSink<Counted, Txn> {
  return {
    name: 'Slow Sink',
    twoPhaseCommit: true,
    transactionSerializer: sink.transactionSerializer,
    createWriter(ctx) {
      const inner = sink.createWriter(ctx);
      return {
        ...inner,
        write: (txn: Txn, records: readonly Counted[]) =>
          new Promise<void>((resolve, reject) => setTimeout(() => Promise.resolve(inner.write(txn, records)).then(resolve, reject), delayMs)),
      };
    },
  };
}

/** Runs the spec body; cancels the job if the body fails, so nothing outlives the test. */
async function guarded(handle: { cancel(): Promise<unknown> }, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    await handle.cancel().catch(() => undefined);
    throw e;
  }
}

function job<Txn>(storage: string, jobId: string, sink: TwoPhaseCommitSink<Counted, Txn>) {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64, channelCapacity: 128, jobId, checkpointStorage: storage });
  env.enableCheckpointing(3_600_000, 'exactly-once', { tolerableFailures: 100 });
  env.setRestartStrategy({ type: 'fixed-delay', attempts: 10, delayMs: 0 });
  const events = env.fromGenerator(RECORDS, (id) => ({ id, key: keyOf(id, SEED, KEYS) })).setParallelism(1);
  countingJob(events).sinkTo(sink);
  return env.execute('crash during checkpoint');
}

async function progress(handle: { counters(): Promise<{ operators: Record<string, { recordsOut: number }> }> }, records: number): Promise<void> {
  while (((await handle.counters()).operators['Generator Source']?.recordsOut ?? 0) < records) await new Promise((r) => setImmediate(r));
}

describe('scenario: a crash at any step of a checkpoint leaves the previous one usable (docs/internals.md, invariant 4)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-ckpt-crash-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('before any acknowledgement: the source crashes as the checkpoint is triggered', async () => {
    const sink = new CollectSink<Counted>();
    const handle = job(`file:${dir}`, 'before-acks', slowed(sink, 1));
    await guarded(handle, async () => {
      await progress(handle, 5_000);
      const first = await handle.triggerCheckpoint();
      // The crash reaches the source before the trigger, which goes through the coordinator.
      handle.crashTask('Generator Source', 0, 'crash before acknowledging');
      const second = handle.triggerCheckpoint();
      const failure = await second.then(() => undefined, (e: Error) => e);
      expect(failure?.message).to.match(/aborted|not triggered/);
      const result = await handle;
      expect(result.restarts).to.equal(1);
      expect(first).to.be.a('number');
      expect(audit(sink.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });
  });

  it('after some acknowledgements: the sink crashes while the barrier is on its way', async () => {
    const sink = new CollectSink<Counted>();
    const handle = job(`file:${dir}`, 'after-some-acks', slowed(sink, 3));
    await guarded(handle, async () => {
      await progress(handle, 5_000);
      await handle.triggerCheckpoint();
      const pending = handle.triggerCheckpoint();
      // The source acknowledges at once; the barrier then waits behind the slow sink's backlog.
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      handle.crashTask('Slow Sink', 0, 'crash with the checkpoint half acknowledged');
      expect(await pending.then(() => 'completed', (e: Error) => e.message)).to.match(/aborted/);
      const result = await handle;
      expect(result.restarts).to.equal(1);
      expect(audit(sink.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });
  });

  it('while writing the pointer: the data is written, the pointer is not, the previous checkpoint is restored', async () => {
    const sink = new CollectSink<Counted>();
    const handle = job(`file:${dir}`, 'pointer', slowed(sink, 1));
    await guarded(handle, async () => {
      await progress(handle, 5_000);
      const previous = await handle.triggerCheckpoint();
      // The pointer's temporary file cannot be created: the write fails at exactly that step.
      const blocker = path.join(dir, 'pointer', `_latest.tmp-${process.pid}`);
      await fs.mkdir(blocker);
      const failure = await handle.triggerCheckpoint().then(() => undefined, (e: Error) => e);
      expect(failure?.message).to.match(/aborted: storeFailed/);
      expect((await fs.readFile(path.join(dir, 'pointer', '_latest'), 'utf8')).trim()).to.equal(String(previous));
      expect(await fs.readdir(path.join(dir, 'pointer'))).to.include(`chk-${previous + 1}.json`);
      handle.crashTask('Keyed Process', 1, 'crash after the failed pointer write');
      await fs.rmdir(blocker);
      const result = await handle;
      expect(result.restarts).to.equal(1);
      expect(audit(sink.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });
  });
});
