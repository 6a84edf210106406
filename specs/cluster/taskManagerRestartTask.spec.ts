import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { keyOf } from '../support/countingJob';
import { RestartAloneParams, restartAloneJob } from './fixtures/restartAloneJob';
import { expectOnlyTheFailingTaskRestarted } from '../support/restartAloneOutcome';

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

    expectOnlyTheFailingTaskRestarted(job.built.records(), params);
  });
});
