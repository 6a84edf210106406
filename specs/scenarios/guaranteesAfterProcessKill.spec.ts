import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointingMode } from '../../src';
import { Audit } from '../support/countingJob';
import { auditCommitted, runKillCycles, runKilledUntilFinished, seededRandom } from '../support/killAndRestart';

const RECORDS = 150_000;
const KEYS = 50;
const SEED = 42;
const JOB = path.join(__dirname, '..', 'support', 'killableJob.js');
/** Records of each job of the kill cycles: small, so that a cycle is mostly the kill and the restore. */
const CYCLE_RECORDS = 40_000;

describe('scenario: the process is killed with SIGKILL and started again, in each delivery mode (docs/internals.md, invariant 3)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-kill-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const auditOf = (jobDir: string, records: number): Promise<Audit> => auditCommitted(jobDir, records, SEED, KEYS);

  /** Runs the job, killing its process at a different moment of each of the first runs, until it finishes. */
  async function killRepeatedly(mode: CheckpointingMode): Promise<{ kills: number; audit: Audit }> {
    const kills = await runKilledUntilFinished({ args: [JOB, dir, String(RECORDS), String(SEED), String(KEYS), mode] }, [3, 17, 41, 70]);
    return { kills, audit: await auditOf(dir, RECORDS) };
  }

  it('exactly-once: 30 kill-and-restart cycles at random moments, every resume succeeds, and the committed output holds every input exactly once', async () => {
    const seed = Date.now() >>> 0;
    const jobDir = (job: number) => path.join(dir, `job-${job}`);
    const cycles = await runKillCycles(
      (job) => ({
        command: { args: [JOB, jobDir(job), String(CYCLE_RECORDS), String(SEED), String(KEYS), 'exactly-once'] },
        checkpoints: { storage: `file:${path.join(jobDir(job), 'checkpoints')}`, jobId: 'killable' },
      }),
      30,
      seededRandom(seed),
      async (job) => {
        expect(await auditOf(jobDir(job), CYCLE_RECORDS), `job ${job} (kill moments of seed ${seed})`).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
      },
    );
    expect(cycles.kills).to.equal(30);
  });

  it('at-least-once: nothing is lost', async () => {
    const { kills, audit: a } = await killRepeatedly('at-least-once');
    expect(kills, 'processes killed mid-job').to.be.at.least(2);
    expect(a.lost).to.equal(0);
    expect(a.stateUnder).to.equal(0);
  });

  it('at-most-once: nothing is repeated, though the process died', async () => {
    const { kills, audit: a } = await killRepeatedly('at-most-once');
    expect(kills, 'processes killed mid-job').to.be.at.least(2);
    expect(a.duplicated).to.equal(0);
    expect(a.stateOver).to.equal(0);
  });
});
