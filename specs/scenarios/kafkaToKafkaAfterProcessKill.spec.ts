/**
 * Kafka in, keyed count at parallelism 2, Kafka out, over 100,000 records, with the Node
 * process killed by SIGKILL at several points and started again with the same job id: a
 * read_committed reader of the output sees every input's effect exactly once
 * (exactly-once), or at least once (at-least-once).
 */
import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointingMode } from '../../src';
import { Audit, Counted, audit, keyOf } from '../support/countingJob';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, produce, readCommitted, uniqueTopic } from '../support/kafkaTopics';

const RECORDS = 100_000;
const KEYS = 50;
const SEED = 5;
const JOB = path.join(__dirname, '..', 'support', 'kafkaKillableJob.js');

function start(args: string[]): { child: ChildProcess; firstCheckpoint: Promise<void>; exit: Promise<{ finished: boolean }> } {
  const child = spawn(process.execPath, [JOB, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onCheckpoint: () => void = () => {};
  const firstCheckpoint = new Promise<void>((resolve) => (onCheckpoint = resolve));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('checkpoint ')) onCheckpoint();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ finished: boolean }>((resolve, reject) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`job exited with ${code}: ${err}`));
      else resolve({ finished: out.includes('finished') });
    }),
  );
  return { child, firstCheckpoint, exit };
}

describe('scenario: Kafka to Kafka with the process killed by SIGKILL and started again (invariant 3, real broker)', function () {
  this.timeout(300_000);
  let bootstrap: string;
  let input: string;
  let dir: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
    input = uniqueTopic('kill-in');
    await createTopic(bootstrap, input, 4);
    await produce(
      bootstrap,
      input,
      Array.from({ length: RECORDS }, (_, id) => {
        const key = keyOf(id, SEED, KEYS);
        return { key: String(key), value: JSON.stringify({ id, key }) };
      }),
    );
  });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-kafka-kill-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function killRepeatedly(mode: CheckpointingMode): Promise<{ kills: number; audit: Audit }> {
    const output = uniqueTopic(`kill-out-${mode}`);
    await createTopic(bootstrap, output, 2);
    let kills = 0;
    for (let run = 0; run < 12; run++) {
      const { child, firstCheckpoint, exit } = start([bootstrap, input, output, dir, mode]);
      if (run < 4) {
        await Promise.race([firstCheckpoint, exit]);
        await new Promise((r) => setTimeout(r, [30, 400, 900, 150][run]));
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          kills++;
        }
      }
      const { finished } = await exit;
      if (finished) break;
    }
    const outputs = (await readCommitted(bootstrap, output)).map((r) => JSON.parse(r.value!) as Counted);
    return { kills, audit: audit(outputs, RECORDS, SEED, KEYS) };
  }

  it('exactly-once: a read_committed reader sees every input exactly once', async () => {
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
});
