import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { keyOf } from '../support/countingJob';
import { RestartAloneParams, restartAloneJob } from './fixtures/restartAloneJob';

const RECORDS = 30_000;
const KEYS = 40;
const SEED = 5;

describe('cluster/taskManagers: a task restarted alone (restartTask supervision) on a task manager', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sluice-tm-alone-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds only the failing task, its channels to the other task manager included: no job restart, nothing repeated, the other instance\'s keys exact', async () => {
    const params: RestartAloneParams = { records: RECORDS, seed: SEED, keys: KEYS, at: RECORDS / 3, marker: path.join(dir, 'fault') };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 64, taskManagers: 2 }).executeJob(restartAloneJob, params, 'restart alone');
    const result = await job;
    expect(result.status, job.failures().map((f) => f.error.message).join('\n')).to.equal('finished');
    expect(existsSync(params.marker), 'the fault struck').to.equal(true);
    expect(result.restarts).to.equal(0);
    expect(result.taskRestarts).to.equal(1);
    expect(job.failures().map((f) => f.error.message)).to.deep.equal([`user function of operator 'Count' (instance ${job.built.records().find((c) => c.key === keyOf(RECORDS / 3, SEED, KEYS))!.instance}) failed processing record {"id":${RECORDS / 3},"key":${keyOf(RECORDS / 3, SEED, KEYS)}}: injected failure at record ${RECORDS / 3}`]);

    const outputs = job.built.records();
    const seen = new Uint8Array(RECORDS);
    for (const o of outputs) seen[o.id]++;
    // No source restarted: nothing is read twice.
    expect(seen.filter((n) => n > 1).length).to.equal(0);
    const failing = outputs.find((o) => o.key === keyOf(RECORDS / 3, SEED, KEYS))!.instance;
    const ownerOf = new Map(outputs.map((o) => [o.key, o.instance]));
    // The instance that did not fail counted every input of its keys, once, exactly.
    const expected = new Map<number, number>();
    for (let id = 0; id < RECORDS; id++) {
      const key = keyOf(id, SEED, KEYS);
      if (ownerOf.get(key) !== failing) {
        expect(seen[id], `input ${id} of key ${key}`).to.equal(1);
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    const finalCount = new Map<number, number>();
    for (const o of outputs) if (o.instance !== failing) finalCount.set(o.key, Math.max(finalCount.get(o.key) ?? 0, o.count));
    expect(finalCount).to.deep.equal(expected);
    expect(expected.size).to.be.greaterThan(0);
    // The successor went on: the failing instance counted inputs after the failure too.
    expect(outputs.some((o) => o.instance === failing && o.id > RECORDS / 3 + 1000)).to.equal(true);
  });
});
