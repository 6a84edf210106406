import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointingMode } from '../../src';
import { Audit, audit } from '../support/countingJob';
import { committedParts, runKilledUntilFinished } from '../support/killAndRestart';

const RECORDS = 150_000;
const KEYS = 50;
const SEED = 42;
const JOB = path.join(__dirname, '..', 'support', 'killableJob.js');

describe('scenario: the process is killed with SIGKILL and started again, in each delivery mode (docs/internals.md, invariant 3)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-kill-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Runs the job, killing its process at a different moment of each of the first runs, until it finishes. */
  async function killRepeatedly(mode: CheckpointingMode): Promise<{ kills: number; audit: Audit }> {
    const kills = await runKilledUntilFinished({ args: [JOB, dir, String(RECORDS), String(SEED), String(KEYS), mode] }, [3, 17, 41, 70]);
    const outputs = await committedParts(path.join(dir, 'out'));
    // The finished job left no in-progress files behind.
    expect((await fs.readdir(path.join(dir, 'out'))).filter((n) => n.endsWith('.inprogress'))).to.deep.equal([]);
    return { kills, audit: audit(outputs, RECORDS, SEED, KEYS) };
  }

  it('exactly-once: the committed output holds every input exactly once', async () => {
    const { kills, audit: a } = await killRepeatedly('exactly-once');
    expect(kills, 'processes killed mid-job').to.be.at.least(2);
    expect(a).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
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
