import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Audit } from '../support/countingJob';
import { auditCommitted, runKillCycles, seededRandom } from '../support/killAndRestart';

const KEYS = 50;
const SEED = 42;
const JOB = path.join(__dirname, 'fixtures', 'killableOnTaskManagers.js');
/** Records of each job of the kill cycles: small, so that a cycle is mostly the kill, the threads' boot and the restore. */
const CYCLE_RECORDS = 40_000;
const CYCLES = 8;

describe('cluster/taskManagers: the process is killed with SIGKILL, its task managers with it, and started again (docs/internals.md, invariant 3)', function () {
  this.timeout(240_000);
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-tm-kill-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const auditOf = (jobDir: string, records: number): Promise<Audit> => auditCommitted(jobDir, records, SEED, KEYS);

  it(`exactly-once on 2 task managers: ${CYCLES} kill-and-restart cycles at random moments, every resume succeeds, and the committed output holds every input exactly once`, async () => {
    const seed = Date.now() >>> 0;
    const jobDir = (job: number) => path.join(dir, `job-${job}`);
    const checked: number[] = [];
    const cycles = await runKillCycles(
      (job) => ({
        command: { args: [JOB, jobDir(job), String(CYCLE_RECORDS), String(SEED), String(KEYS), 'exactly-once'] },
        checkpoints: { storage: `file:${path.join(jobDir(job), 'checkpoints')}`, jobId: 'killable' },
      }),
      CYCLES,
      seededRandom(seed),
      async (job) => {
        checked.push(job);
        expect(await auditOf(jobDir(job), CYCLE_RECORDS), `job ${job} (kill moments of seed ${seed})`).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
      },
    );
    expect(cycles.kills).to.equal(CYCLES);
    expect(checked).to.have.length(cycles.jobs);
  });
});
