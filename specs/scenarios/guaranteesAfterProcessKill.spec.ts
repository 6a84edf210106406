import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointingMode } from '../../src';
import { Audit, Counted, audit } from '../support/countingJob';

const RECORDS = 150_000;
const KEYS = 50;
const SEED = 42;
const JOB = path.join(__dirname, '..', 'support', 'killableJob.js');

/** Starts the job; resolves on exit with whether it printed `finished` and how many checkpoints it completed. */
function start(dir: string, mode: CheckpointingMode): { child: ChildProcess; firstCheckpoint: Promise<void>; exit: Promise<{ finished: boolean; checkpoints: number; code: number | null }> } {
  const child = spawn(process.execPath, [JOB, dir, String(RECORDS), String(SEED), String(KEYS), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onCheckpoint: () => void = () => {};
  const firstCheckpoint = new Promise<void>((resolve) => (onCheckpoint = resolve));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('checkpoint ')) onCheckpoint();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ finished: boolean; checkpoints: number; code: number | null }>((resolve, reject) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`job exited with ${code}: ${err}`));
      else resolve({ finished: out.includes('finished'), checkpoints: (out.match(/checkpoint /g) ?? []).length, code });
    }),
  );
  return { child, firstCheckpoint, exit };
}

async function committedOutput(dir: string): Promise<Counted[]> {
  const out = path.join(dir, 'out');
  const names = (await fs.readdir(out)).filter((n) => n.startsWith('part-'));
  const lines: Counted[] = [];
  for (const name of names) {
    for (const line of (await fs.readFile(path.join(out, name), 'utf8')).split('\n')) if (line.length > 0) lines.push(JSON.parse(line) as Counted);
  }
  return lines;
}

describe('scenario: the process is killed with SIGKILL and started again, in each delivery mode (invariant 3)', function () {
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
    let kills = 0;
    for (let run = 0; run < 12; run++) {
      const { child, firstCheckpoint, exit } = start(dir, mode);
      if (run < 4) {
        // Once the run has made progress: at least one checkpoint completed.
        await Promise.race([firstCheckpoint, exit]);
        await new Promise((r) => setTimeout(r, [3, 17, 41, 70][run]));
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          kills++;
        }
      }
      const { finished } = await exit;
      if (finished) break;
    }
    const outputs = await committedOutput(dir);
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
