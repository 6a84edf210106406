/**
 * Kafka in, keyed count at parallelism 2, Kafka out, over 100,000 records, with the Node
 * process killed by SIGKILL at several points and started again with the same job id: a
 * read_committed reader of the output sees every input's effect exactly once
 * (exactly-once), or at least once (at-least-once).
 */
import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointingMode } from '../../src';
import { Audit, Counted, audit } from '../support/countingJob';
import { kafkaBootstrap } from '../support/kafkaService';
import { runKilledUntilFinished } from '../support/killAndRestart';
import { createTopic, produceCountingInput, readCommitted, uniqueTopic } from '../support/kafkaTopics';

const RECORDS = 100_000;
const KEYS = 50;
const SEED = 5;
const JOB = path.join(__dirname, '..', 'support', 'kafkaKillableJob.js');

describe('scenario: Kafka to Kafka with the process killed by SIGKILL and started again (docs/internals.md, invariant 3, real broker)', function () {
  this.timeout(300_000);
  let bootstrap: string;
  let input: string;
  let dir: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
    input = uniqueTopic('kill-in');
    await createTopic(bootstrap, input, 4);
    await produceCountingInput(bootstrap, input, RECORDS, SEED, KEYS);
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
    const kills = await runKilledUntilFinished({ args: [JOB, bootstrap, input, output, dir, mode] }, [30, 400, 900, 150]);
    const outputs = (await readCommitted(bootstrap, output, RECORDS)).map((r) => JSON.parse(r.value!) as Counted);
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
