import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CollectSink, JobHandle, StreamEnvironment } from '../../src';
import { CHECKPOINT_FORMAT_VERSION } from '../../src/checkpoint/CheckpointTypes';

let jobs = 0;

/** Resolves once the job's source has emitted some records: its tasks are running. */
async function running(job: JobHandle): Promise<void> {
  while (((await job.counters()).operators['Generator Source']?.recordsOut ?? 0) < 1000) await new Promise((r) => setImmediate(r));
}

/** A keyed running sum over an endless generator, checkpointed only when the spec asks. */
function summingJob(dir: string, jobId: string) {
  const env = StreamEnvironment.create({ parallelism: 2, jobId, checkpointStorage: `file:${dir}` });
  env.enableCheckpointing(3_600_000, 'exactly-once');
  env.setRestartStrategy({ type: 'none' });
  env
    .fromGenerator(Infinity, (i) => ({ key: i % 7, n: 1 }))
    .keyBy((r) => r.key)
    .sum('n')
    .sinkTo(new CollectSink());
  return env.execute('format version');
}

describe('scenario: a checkpoint of another format version is refused on restore, with what to do', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-format-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Runs the job until one checkpoint completes, cancels it, and gives that checkpoint's file. */
  async function checkpointed(jobId: string): Promise<string> {
    const job = summingJob(dir, jobId);
    await running(job);
    const id = await job.triggerCheckpoint();
    expect((await job.cancel()).status).to.equal('cancelled');
    return path.join(dir, jobId, `chk-${id}.json`);
  }

  it('restores a checkpoint of its own format', async () => {
    const jobId = `format-same-${process.pid}-${++jobs}`;
    const file = await checkpointed(jobId);
    expect((JSON.parse(await fs.readFile(file, 'utf8')) as { formatVersion: number }).formatVersion).to.equal(CHECKPOINT_FORMAT_VERSION);
    const job = summingJob(dir, jobId);
    await running(job);
    expect((await job.cancel()).status).to.equal('cancelled');
  });

  it('fails the job before any task starts when the latest checkpoint has another format version', async () => {
    const jobId = `format-other-${process.pid}-${++jobs}`;
    const file = await checkpointed(jobId);
    const stored = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(file, JSON.stringify({ ...stored, formatVersion: CHECKPOINT_FORMAT_VERSION + 1 }));
    const job = summingJob(dir, jobId);
    const error = await job.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.equal(
      `cannot restore job '${jobId}': checkpoint ${path.basename(file).replace(/\D/g, '')} at ${file} has format version ${CHECKPOINT_FORMAT_VERSION + 1}, ` +
        `and this version of Sluice restores format ${CHECKPOINT_FORMAT_VERSION} only: restore it with the Sluice release that wrote it, ` +
        "or start the job without it (another jobId, or discard the job's checkpoints); see docs/versioning.md",
    );
    expect((await job.counters()).operators['Generator Source']?.recordsOut ?? 0).to.equal(0);
  });
});
