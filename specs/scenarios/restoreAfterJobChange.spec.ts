/**
 * A job is checkpointed, stopped, changed and resumed from its checkpoint: operators found by
 * uid keep their state, a derived uid survives an operator inserted before it, and state
 * that would be left without an operator is refused unless the user allows dropping it.
 */
import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import pino from 'pino';
import { CollectSink, DataStream, FileSink, JobHandle, StreamEnvironment, StreamEnvironmentOptions } from '../../src';
import { Counted, Event, audit, countingJob, keyOf } from '../support/countingJob';
import { failureOf } from '../support/failureOf';
import { committedParts } from '../support/killAndRestart';

const RECORDS = 20_000;
const KEYS = 37;
const SEED = 11;
let jobs = 0;

const events = (env: StreamEnvironment, records: number): DataStream<Event> =>
  env.fromGenerator(records, (id) => ({ id, key: keyOf(id, SEED, KEYS) })).setParallelism(1);

/** Runs the first version of a job until it produced a third of its input, checkpoints and cancels it. */
async function checkpointMidwayAndCancel(job: JobHandle): Promise<void> {
  let produced = 0;
  while (produced < RECORDS / 3) produced = (await job.counters()).operators['Generator Source']?.recordsOut ?? 0;
  await job.triggerCheckpoint();
  expect((await job.cancel()).status).to.equal('cancelled');
}

describe('scenario: a job changed between a checkpoint and its restore', function () {
  this.timeout(60_000);
  let dir: string;
  let jobId: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-job-change-'));
    jobId = `job-change-${++jobs}-${process.pid}`;
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const env = (options: StreamEnvironmentOptions = {}) => {
    const e = StreamEnvironment.create({ parallelism: 2, batchSize: 64, jobId, ...options });
    // Checkpoints only when the spec asks for one.
    e.enableCheckpointing(3_600_000, 'exactly-once');
    return e;
  };

  it('an operator inserted before an exactly-once FileSink without a uid: every line is committed exactly once', async () => {
    const out = path.join(dir, 'out');
    const first = env();
    countingJob(events(first, Infinity)).sinkTo(new FileSink(out));
    await checkpointMidwayAndCancel(first.execute('before the change'));

    const second = env();
    countingJob(events(second, RECORDS))
      .map((c) => c)
      .sinkTo(new FileSink(out));
    expect((await second.execute('after the change')).status).to.equal('finished');
    expect(audit(await committedParts(out), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    expect((await fs.readdir(out)).filter((n) => n.endsWith('.inprogress'))).to.deep.equal([]);
  });

  describe('when a stateful operator got another uid', () => {
    /** The counting job, and beside it a running sum of ids per key under the given uid. */
    const job = (e: StreamEnvironment, records: number, sumUid: string, counted: CollectSink<Counted>) => {
      const input = events(e, records);
      countingJob(input).sinkTo(counted).uid('counted');
      input
        .keyBy((ev) => ev.key)
        .sum('id')
        .uid(sumUid)
        .sinkTo(new CollectSink<Event>())
        .uid('sums');
      return e;
    };

    it('refuses the restore before the job runs, naming the uid whose state would be dropped', async () => {
      const counted = new CollectSink<Counted>();
      await checkpointMidwayAndCancel(job(env(), Infinity, 'sum-v1', counted).execute('before the rename'));
      const before = counted.records().length;
      const error = (await failureOf(job(env(), RECORDS, 'sum-v2', counted).execute('after the rename'))) as Error;
      expect(error.message).to.equal(
        `cannot restore job '${jobId}': checkpoint 1 holds state of operators this job does not have: uid 'sum-v1'. ` +
          'Give the operators back their former uids with .uid(...), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state',
      );
      expect(counted.records(), 'nothing ran').to.have.lengthOf(before);
    });

    it('refuses a savepoint (restoreFrom) the same way, and starts from it with allowNonRestoredState', async () => {
      const counted = new CollectSink<Counted>();
      const first = job(env(), Infinity, 'sum-v1', counted).execute('before the rename');
      while (counted.records().length === 0) await first.triggerCheckpoint();
      const savepoint = await first.stopWithSavepoint(path.join(dir, 'savepoint'), { drain: false });
      jobId = `${jobId}-v2`;
      const error = (await failureOf(job(env({ restoreFrom: savepoint.path }), RECORDS, 'sum-v2', counted).execute('after the rename'))) as Error;
      expect(error.message).to.include("holds state of operators this job does not have: uid 'sum-v1'");
      const result = await job(env({ restoreFrom: savepoint.path, allowNonRestoredState: true }), RECORDS, 'sum-v2', counted).execute('after the rename');
      expect(result.status).to.equal('finished');
      expect(audit(counted.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });

    it('with allowNonRestoredState, restores the state of every other operator exactly', async () => {
      const counted = new CollectSink<Counted>();
      await checkpointMidwayAndCancel(job(env(), Infinity, 'sum-v1', counted).execute('before the rename'));
      const result = await job(env({ allowNonRestoredState: true }), RECORDS, 'sum-v2', counted).execute('after the rename');
      expect(result.status).to.equal('finished');
      expect(audit(counted.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    });
  });

  it('a stateful operator without a uid is reported once, as the job starts, as a warning naming its derived uid', async () => {
    const lines: Array<{ level: number; uid?: string; msg: string }> = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()));
          done();
        },
      }),
    );
    const e = env({ logging: logger });
    const input = events(e, Infinity);
    // Stateful without uid: the source and the sum; the count has one; the map keeps nothing.
    countingJob(input).sinkTo(new CollectSink<Counted>()).uid('counted');
    input
      .map((ev) => ev)
      .keyBy((ev) => ev.key)
      .sum('id')
      .sinkTo(new CollectSink<Event>())
      .uid('sums');
    const job = e.execute('without uids');
    await job.triggerCheckpoint();
    // A restart deploys every task again: no new warning.
    job.crashTask('Keyed Sum', 1);
    while ((await job.checkpointStats()).completed < 2) await job.triggerCheckpoint().catch(() => undefined);
    await job.cancel();
    const warnings = lines.filter((l) => l.level === 40 && l.msg.includes('has no uid'));
    expect(warnings.map((w) => w.uid).sort()).to.deep.equal(['Generator Source#1', 'Keyed Sum#1']);
    expect(warnings[0].msg).to.include('give it one with .uid(...)');
  });
});
