import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as path from 'path';
import { JobHandle, JobResult } from '../../src/api/JobHandle';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { StreamEnvironmentOptions } from '../../src/api/EnvironmentConfig';
import { audit } from '../support/countingJob';
import { redisState, savepointScratch } from '../support/savepointScratch';
import { HeldCountingParams, heldCountingJob, sharedSink } from './fixtures/heldCountingJob';

const RECORDS = 60_000;
const KEYS = 97;
const SEED = 5;
const HOLD = RECORDS / 3;
let runs = 0;

/** Resolves once the job's generator emitted at least `n` records in this run; fails after `withinMs`. */
async function produced(job: JobHandle, n: number, withinMs = 60_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const out = (await job.counters()).operators['Generator Source']?.recordsOut ?? 0;
    if (out >= n) return out;
    if (Date.now() > deadline) throw new Error(`the generator emitted ${out} records in ${withinMs} ms, not ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `promise`, or a failure naming `what` after `ms`: a hang shows as a failure, not as the spec's timeout. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * How a run ended. A run stopped at a savepoint ends there: a restart after it would read past
 * the savepoint and commit what the run restored from it commits again.
 */
const settled = (result: JobResult, job: JobHandle) => ({ status: result.status, restarts: result.restarts, failures: job.failures().map((f) => f.error.message) });
const cleanStop = { status: 'finished', restarts: 0, failures: [] };

describe('cluster/taskManagers: stop with a savepoint and restore on task managers (docs/internals.md, invariants 3 and 5)', function () {
  this.timeout(120_000);
  const scratch = savepointScratch('sluice-tm-savepoints-');

  function start(options: StreamEnvironmentOptions, params: Omit<HeldCountingParams, 'records' | 'seed' | 'keys'>, name: string) {
    const env = StreamEnvironment.create({ batchSize: 64, taskManagers: 2, ...options });
    return env.executeJob(heldCountingJob, { records: RECORDS, seed: SEED, keys: KEYS, ...params }, name);
  }

  it('stopped with a savepoint without drain at parallelism 2 (Redis), restored at 3 (memory), stopped again, restored at 1 (Redis): every record counts once in the sink and in the state', async () => {
    const sink = `stop-${++runs}`;
    const p1 = scratch.prefix('tm-stop-redis');
    const first = start({ parallelism: 2, jobId: `tm-stop-a-${runs}-${process.pid}`, stateBackend: redisState(scratch.url, p1), checkpointStorage: `${scratch.url}/0?prefix=${p1}` }, { holdAfter: HOLD, intervalMs: 5, sink }, 'stop on redis');
    await produced(first, RECORDS / 4);
    const a = await within(first.stopWithSavepoint(path.join(scratch.dir, 'a')), 30_000, 'the first stop with a savepoint');
    expect(settled(await within(Promise.resolve(first), 30_000, 'the first run\'s end'), first)).to.deep.equal(cleanStop);
    const afterFirst = sharedSink(sink).records().length;
    // The sources stopped at the savepoint's barrier, and its transactions were committed.
    expect(afterFirst).to.be.within(1, RECORDS - 1);
    expect(new Set(sharedSink(sink).records().map((r) => r.id)).size, 'distinct ids after the first run').to.equal(afterFirst);

    const second = start({ parallelism: 3, jobId: `tm-stop-b-${runs}-${process.pid}`, restoreFrom: a.path }, { holdAfter: HOLD, intervalMs: 3_600_000, sink }, 'stop in memory');
    await produced(second, RECORDS / 4);
    const b = await within(second.stopWithSavepoint(path.join(scratch.dir, 'b'), { drain: false }), 30_000, 'the second stop with a savepoint');
    expect(b.checkpointId).to.be.greaterThan(0);
    expect(settled(await within(Promise.resolve(second), 30_000, 'the second run\'s end'), second)).to.deep.equal(cleanStop);

    const p2 = scratch.prefix('tm-stop-back');
    const last = start(
      { parallelism: 1, jobId: `tm-stop-c-${runs}-${process.pid}`, stateBackend: redisState(scratch.url, p2), checkpointStorage: `${scratch.url}/0?prefix=${p2}`, restoreFrom: b.path },
      { holdAfter: null, intervalMs: 5, sink },
      'to the end on redis',
    );
    expect(settled(await within(Promise.resolve(last), 60_000, 'the last run'), last)).to.deep.equal(cleanStop);
    expect(audit(sharedSink(sink).records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  it('a job on task managers starts from a retained checkpoint chosen among those kept, not the latest, at another parallelism: it reads on from there, every record counts once in the state, and what the later checkpoint committed comes again', async () => {
    const sink = `retained-${++runs}`;
    const storage = path.join(scratch.dir, 'checkpoints');
    const jobId = `tm-retained-${runs}-${process.pid}`;
    // The source reads up to the number in this file and holds there: each checkpoint has a position of its own.
    const gateFile = path.join(scratch.dir, 'gate');
    await fs.writeFile(gateFile, '0');
    const first = start({ parallelism: 2, jobId, checkpointStorage: `file:${storage}` }, { holdAfter: null, gateFile, retained: 3, intervalMs: 3_600_000, sink }, 'retained checkpoints');
    const ids: number[] = [];
    for (const position of [10_000, 20_000, 30_000]) {
      await fs.writeFile(gateFile, String(position));
      expect(await produced(first, position)).to.equal(position);
      ids.push(await within(first.triggerCheckpoint(), 30_000, `the checkpoint at ${position}`));
    }
    // The commits of the last checkpoint come from the task managers after it completed: the first run then holds records 0..29,999.
    const deadline = Date.now() + 30_000;
    while (sharedSink(sink).records().length < 30_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sharedSink(sink).records().length, 'committed by the first run').to.equal(30_000);
    expect((await within(first.cancel(), 30_000, 'the cancel')).status).to.equal('cancelled');
    const kept = (await fs.readdir(path.join(storage, jobId))).filter((f) => /^chk-\d+\.json$/.test(f));
    expect(kept.sort()).to.deep.equal(ids.map((id) => `chk-${id}.json`).sort());
    // The middle one: the source's position in it is 20,000.
    const chosen = path.join(storage, jobId, `chk-${ids[1]}.json`);
    const second = start({ parallelism: 3, jobId: `tm-retained-b-${runs}-${process.pid}`, restoreFrom: chosen }, { holdAfter: null, intervalMs: 3_600_000, sink }, 'from a retained checkpoint');
    const result = await within(Promise.resolve(second), 60_000, 'the run from the retained checkpoint');
    expect(settled(result, second)).to.deep.equal(cleanStop);
    expect(result.counters.operators['Generator Source']?.recordsOut).to.equal(RECORDS - 20_000);
    // The first run committed records up to 30,000 (its last checkpoint); the second outputs those from 20,000 again.
    expect(audit(sharedSink(sink).records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 10_000, stateOver: 0, stateUnder: 0 });
  });
});
