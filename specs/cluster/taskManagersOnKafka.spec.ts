import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { Counted, audit } from '../support/countingJob';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, produceCountingInput, readCommitted, uniqueTopic } from '../support/kafkaTopics';
import { kafkaCountingJob } from './fixtures/kafkaCountingJob';

const RECORDS = 20_000;
const KEYS = 64;
const SEED = 23;

describe('cluster/taskManagers: Kafka to Kafka exactly once on 2 task managers, one crashing (real broker)', function () {
  this.timeout(180_000);
  let bootstrap: string;
  let input: string;
  let dir: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
    input = uniqueTopic('tm-in');
    await createTopic(bootstrap, input, 4);
    await produceCountingInput(bootstrap, input, RECORDS, SEED, KEYS);
    dir = mkdtempSync(path.join(tmpdir(), 'sluice-tm-kafka-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a read_committed reader sees every input exactly once; the state counts each once', async () => {
    const output = uniqueTopic('tm-out');
    await createTopic(bootstrap, output, 2);
    const marker = path.join(dir, 'crash');
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 128, taskManagers: 2 }).executeJob(kafkaCountingJob, { bootstrap, input, output, crashAt: RECORDS / 2, marker }, 'kafka on task managers');
    const result = await job;
    expect(existsSync(marker), 'the crash struck').to.equal(true);
    expect(result.restarts).to.be.at.least(1);
    const outputs = (await readCommitted(bootstrap, output, RECORDS)).map((r) => JSON.parse(r.value!) as Counted);
    const a = audit(outputs, RECORDS, SEED, KEYS);
    expect({ lost: a.lost, duplicated: a.duplicated, stateOver: a.stateOver, stateUnder: a.stateUnder }).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });
});
