import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { audit } from '../support/countingJob';
import { FaultyParams, faultyCountingJob } from './fixtures/faultyCountingJob';

const RECORDS = 60_000;
const KEYS = 64;
const SEED = 17;

describe('cluster/taskManagers: a task manager failing mid-stream (docs/internals.md, invariant 3)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sluice-tm-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(fault: FaultyParams['fault'], options: { taskManagerHeapMb?: number; taskManagerHangTimeoutMs?: number } = {}, during?: (job: { taskManagers: { terminate(i: number): Promise<void> } | undefined }, marker: string) => Promise<void>, checkpoints: Pick<FaultyParams, 'mode' | 'unaligned'> = {}) {
    const marker = path.join(dir, 'fault');
    const params: FaultyParams = { records: RECORDS, seed: SEED, keys: KEYS, fault, at: RECORDS / 3, marker, ...checkpoints };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 128, taskManagers: 2, ...options }).executeJob(faultyCountingJob, params, `faults-${fault}`);
    const injected = during?.(job, marker);
    const result = await job;
    await injected;
    expect(existsSync(marker), 'the fault struck').to.equal(true);
    return { ...audit(job.built.records(), RECORDS, SEED, KEYS), restarts: result.restarts, checkpoints: result.checkpoints?.completed ?? 0, failures: job.failures().map((f) => f.error.message) };
  }

  const exact = { lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 };
  const exactOf = (r: typeof exact) => ({ lost: r.lost, duplicated: r.duplicated, stateOver: r.stateOver, stateUnder: r.stateUnder });

  it('a task manager terminated (Worker.terminate) mid-stream: restarted from the last checkpoint, nothing lost, nothing repeated', async () => {
    const r = await run('signal', {}, async (job, marker) => {
      while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 2));
      await job.taskManagers!.terminate(1);
    });
    expect(exactOf(r)).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.checkpoints).to.be.at.least(1);
    // The master hears of the thread's end, and the other task manager of its channels' end (which may come first).
    expect(r.failures).to.include('task manager 1 exited with code 1');
    expect(r.failures.filter((f) => f !== 'task manager 1 exited with code 1').every((f) => /^exchange channel .* failed \(PeerGone\): the task manager at its other end is gone$/.test(f)), r.failures.join('\n')).to.equal(true);
  });

  it('an exception no task catches ends a task manager\'s thread: restarted, nothing lost, nothing repeated', async () => {
    const r = await run('uncaught');
    expect(exactOf(r)).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.failures).to.include.members([`task manager ${(RECORDS / 3) % 2} failed: injected crash of the task manager at record ${RECORDS / 3}`]);
  });

  it('a user function throwing in a task manager fails its task as in one thread: restarted, nothing lost, nothing repeated', async () => {
    const r = await run('throw');
    expect(exactOf(r)).to.deep.equal(exact);
    expect(r.restarts).to.equal(1);
    expect(r.failures[0]).to.match(/user function of operator 'Map' \(instance 0\) failed processing record .*: injected failure at record 20000/);
  });

  it('a task manager out of heap (taskManagerHeapMb) fails its tasks: restarted, nothing lost, nothing repeated', async () => {
    const r = await run('oom', { taskManagerHeapMb: 64 });
    expect(exactOf(r)).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.failures.join('\n')).to.match(/task manager 0 failed: .*out of memory/i);
  });

  it('unaligned checkpoints (records in flight across threads taken into them), a task manager terminated mid-stream: nothing lost, nothing repeated', async () => {
    const r = await run(
      'signal',
      {},
      async (job, marker) => {
        while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 2));
        await job.taskManagers!.terminate(0);
      },
      { unaligned: true },
    );
    expect(exactOf(r)).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.checkpoints).to.be.at.least(1);
    expect(r.failures).to.include('task manager 0 exited with code 1');
  });

  it('a user function looping for ever: the task manager answers no ping within taskManagerHangTimeoutMs, is terminated and the job restarted, nothing lost, nothing repeated', async () => {
    const r = await run('spin', { taskManagerHangTimeoutMs: 1000 });
    expect(exactOf(r)).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    const stuck = (RECORDS / 3) % 2;
    expect(r.failures.join('\n')).to.match(new RegExp(`task manager ${stuck} answered no ping for \\d+ ms \\(taskManagerHangTimeoutMs 1000\\): its thread is stuck, a loop in user code perhaps; terminated`));
  });

  it('at-most-once, a task manager terminated mid-stream: each source goes on from the position it saved (in the store of the master\'s thread), nothing repeated, no count too high', async () => {
    const r = await run(
      'signal',
      {},
      async (job, marker) => {
        while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 2));
        await job.taskManagers!.terminate(1);
      },
      { mode: 'at-most-once' },
    );
    expect(r.restarts).to.be.at.least(1);
    expect(r.failures).to.include('task manager 1 exited with code 1');
    // A source that started over, or went back to a checkpoint's position, would repeat records.
    expect(r.duplicated).to.equal(0);
    expect(r.stateOver).to.equal(0);
    // What was in flight in the threads is lost, and at most that: each source saves its position only once it read the batch.
    expect(r.lost).to.be.below(RECORDS / 2);
  });

  it('at-most-once with no failure on task managers: every record once', async () => {
    const r = await run('signal', {}, undefined, { mode: 'at-most-once' });
    expect(exactOf(r)).to.deep.equal(exact);
    expect(r.restarts).to.equal(0);
  });
});
