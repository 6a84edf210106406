import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { start, stop } from 'nact';
import { AskGateway, AskRefusedError, CollectSink, StreamEnvironment, UserFunctionFailed } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { RecordingSink } from '../support/RecordingSink';
import { Counted, countingJob, keyOf } from '../support/countingJob';
import { RejectionRecorder, nextTurn, recordUnhandledRejections, waitFor } from '../support/unhandledRejections';

let jobs = 0;
const uniqueId = (name: string) => `${name}-${++jobs}-${process.pid}`;

async function rejectionOf(promise: PromiseLike<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** A job whose map throws on its first record, so that it fails at once. */
function failingAtOnce(message: string, options: { jobId?: string } = {}) {
  const env = StreamEnvironment.create({ parallelism: 1, ...options });
  env
    .fromCollection([1, 2, 3])
    .map((n) => {
      throw new Error(`${message} (${n})`);
    })
    .name('thrower')
    .sinkTo(new RecordingSink<number>());
  return env;
}

describe('scenario: a failing job never ends the application\'s process', function () {
  this.timeout(30_000);
  let recorder: RejectionRecorder;
  beforeEach(() => (recorder = recordUnhandledRejections()));
  afterEach(() => recorder.restore());

  it('a function that throws before the application awaits: result rejects with the error, later, and no unhandled rejection fires', async () => {
    const job = failingAtOnce('thrown before the await').execute(uniqueId('throws-early'));
    await waitFor(() => job.status === 'failed', 'the job to fail');
    await nextTurn();
    expect(recorder.reasons).to.deep.equal([]);

    const error = await rejectionOf(job.result);
    expect(error).to.be.instanceOf(UserFunctionFailed);
    expect(((error as UserFunctionFailed).cause as Error).message).to.equal('thrown before the await (1)');
    // Awaiting the handle itself gives the same error.
    expect(await rejectionOf(job)).to.equal(error);
  });

  it('a handle that is never awaited: the job fails, no unhandled rejection fires', async () => {
    const job = failingAtOnce('never awaited').execute(uniqueId('never-awaited'));
    await waitFor(() => job.status === 'failed', 'the job to fail');
    await nextTurn();
    expect(recorder.reasons).to.deep.equal([]);
    expect(job.failures().map((f) => f.action)).to.deep.equal(['failJob']);
  });

  it('a restore refused for another maxParallelism: result rejects with the reason, no unhandled rejection fires', async () => {
    const jobId = uniqueId('max-parallelism');
    const build = (maxParallelism: number) => {
      const env = StreamEnvironment.create({ parallelism: 2, maxParallelism, jobId });
      env.enableCheckpointing(3_600_000, 'exactly-once');
      countingJob(env.fromGenerator(Infinity, (id) => ({ id, key: keyOf(id, 3, 17) })).setParallelism(1)).sinkTo(new CollectSink<Counted>());
      return env;
    };
    const first = build(128).execute('checkpointed at 128');
    await first.triggerCheckpoint();
    expect((await first.cancel()).status).to.equal('cancelled');

    const job = build(64).execute('restored at 64');
    await waitFor(() => job.status === 'failed', 'the restore to be refused');
    await nextTurn();
    expect(recorder.reasons).to.deep.equal([]);
    expect((await rejectionOf(job.result)).message).to.match(/split keyed state into 128 key groups .* cannot be restored with maxParallelism 64/);
  });

  it('executeAndCollect awaited late, and a SQL query whose result is never awaited: no unhandled rejection fires', async () => {
    const collected = StreamEnvironment.create({ parallelism: 1 })
      .fromCollection([1])
      .map((n): number => {
        throw new Error(`collect broke on ${n}`);
      })
      .executeAndCollect(uniqueId('collect-late'));
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    const numbers = env.fromCollection([{ n: 1 }]).map((r): { n: number } => {
      throw new Error(`sql source broke on ${r.n}`);
    });
    tEnv.createTemporaryView('numbers', tEnv.fromDataStream(numbers, 'n INT'));
    const query = tEnv.executeSql('SELECT n FROM numbers');
    const late = await rejectionOf(query.collect!());
    expect(late.message).to.include('sql source broke on 1');
    expect((await rejectionOf(collected)).message).to.include('collect broke on 1');
    await nextTurn();
    expect(recorder.reasons).to.deep.equal([]);
  });

  it('an ask refused at once and awaited after another: no unhandled rejection fires', async () => {
    const system = start();
    try {
      const gateway = AskGateway.spawn<number, number>(system, uniqueId('refusing'), { capacity: 1 });
      // No job takes the requests: the first waits (and times out), the second is refused at once.
      const first = gateway.ask(1, 50);
      const second = gateway.ask(2, 50);
      expect(await rejectionOf(first)).to.have.property('name', 'AskTimeoutError');
      expect(await rejectionOf(second)).to.be.instanceOf(AskRefusedError);
      await nextTurn();
      expect(recorder.reasons).to.deep.equal([]);
    } finally {
      stop(system);
    }
  });

  it('in a process of its own with Node\'s default handling, the application goes on after the failure', () => {
    const script = path.join(__dirname, '../support/failingJobProcess.js');
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SLUICE_LOG_LEVEL: 'silent' } });
    expect(child.stderr).to.equal('');
    expect(child.status).to.equal(0);
    expect(child.stdout).to.equal(['job failed, the application goes on', "rejected late: user function of operator 'thrower' (instance 0) failed processing record 1: thrown in a child", ''].join('\n'));
  });
});
