import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type { Admin } from 'kafkajs';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { taskManagersTestHooks } from '../../src/cluster/TaskManagers';
import { createKafkaClient } from '../../src/connectors/kafka/kafkaClient';
import { exchangePartitions, exchangeTopicName } from '../../src/cluster/exchangeTopic';
import { audit } from '../support/countingJob';
import { kafkaBootstrap } from '../support/kafkaService';
import { uniqueTopic } from '../support/kafkaTopics';
import { FaultyParams, faultyCountingJob } from '../cluster/fixtures/faultyCountingJob';
import { RestartAloneParams, restartAloneJob } from '../cluster/fixtures/restartAloneJob';
import { expectOnlyTheFailingTaskRestarted } from '../support/restartAloneOutcome';

const RECORDS = 60_000;
const KEYS = 64;
const SEED = 17;

/**
 * The fault-injection specs of task managers (specs/cluster/taskManagerFailures.spec.ts) with
 * every channel between the two threads through Kafka instead of a MessagePort: each thread
 * has a KafkaExchange of its own, as an instance has, so barriers, watermarks, credit, end of
 * input and restarts cross Kafka as they will between instances.
 */
describe('instances: a job\'s channels between task managers through Kafka (KafkaExchange end to end)', function () {
  this.timeout(180_000);
  let bootstrap: string;
  let admin: Admin;
  let dir: string;

  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
    admin = createKafkaClient({ brokers: [bootstrap], clientId: 'sluice-specs-kafka-channels', operationTimeoutMs: 30_000 }).admin();
    await admin.connect();
  });
  after(async () => {
    await admin?.disconnect();
  });
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sluice-kafka-channels-'))));
  afterEach(() => {
    taskManagersTestHooks.kafkaChannels = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(fault: FaultyParams['fault'], during?: (job: { taskManagers: { terminate(i: number): Promise<void> } | undefined }, marker: string) => Promise<void>, checkpoints: Pick<FaultyParams, 'unaligned'> = {}) {
    const applicationId = uniqueTopic('kafka-channels');
    taskManagersTestHooks.kafkaChannels = { brokers: [bootstrap], applicationId, operationTimeoutMs: 30_000 };
    const marker = path.join(dir, 'fault');
    const params: FaultyParams = { records: RECORDS, seed: SEED, keys: KEYS, fault, at: RECORDS / 3, marker, ...checkpoints };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 128, taskManagers: 2 }).executeJob(faultyCountingJob, params, `kafka-channels-${fault}`);
    const injected = during?.(job, marker);
    const result = await job;
    await injected;
    expect(existsSync(marker), 'the fault struck').to.equal(true);
    const offsets = await admin.fetchTopicOffsets(exchangeTopicName(applicationId));
    const { lost, duplicated, stateOver, stateUnder } = audit(job.built.records(), RECORDS, SEED, KEYS);
    return {
      exact: { lost, duplicated, stateOver, stateUnder },
      restarts: result.restarts,
      checkpoints: result.checkpoints?.completed ?? 0,
      failures: job.failures().map((f) => f.error.message),
      frames: offsets.reduce((n, o) => n + Number(o.high), 0),
      partitions: offsets.length,
    };
  }

  const exact = { lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 };
  const terminate = (index: number) => async (job: { taskManagers: { terminate(i: number): Promise<void> } | undefined }, marker: string) => {
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 2));
    await job.taskManagers!.terminate(index);
  };

  it('counts per key exactly, with checkpoints, every crossing frame through Kafka', async () => {
    const r = await run('signal');
    expect(r.exact).to.deep.equal(exact);
    expect(r.restarts).to.equal(0);
    expect(r.checkpoints).to.be.at.least(1);
    expect(r.failures).to.deep.equal([]);
    // Two partitions per channel of the job's plan; the frames went through them.
    const env = StreamEnvironment.create({ parallelism: 2, batchSize: 128 });
    faultyCountingJob.build(env, { records: RECORDS, seed: SEED, keys: KEYS, fault: 'signal', at: 0, marker: path.join(dir, 'unused') });
    expect(r.partitions).to.equal(exchangePartitions(env.plan('plan')));
    expect(r.frames).to.be.above(0);
  });

  it('a user function throwing: the job restarts from the last checkpoint on new channels, nothing lost, nothing repeated', async () => {
    const r = await run('throw');
    expect(r.exact).to.deep.equal(exact);
    expect(r.restarts).to.equal(1);
    expect(r.failures[0]).to.match(/user function of operator 'Map' \(instance 0\) failed processing record .*: injected failure at record 20000/);
  });

  it('a task manager terminated mid-stream (no close reaches its peers through Kafka): restarted, nothing lost, nothing repeated', async () => {
    const r = await run('signal', terminate(1));
    expect(r.exact).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.failures).to.include('task manager 1 exited with code 1');
  });

  it('unaligned checkpoints (records in flight through Kafka taken into them), a task manager terminated mid-stream: nothing lost, nothing repeated', async () => {
    const r = await run('signal', terminate(0), { unaligned: true });
    expect(r.exact).to.deep.equal(exact);
    expect(r.restarts).to.be.at.least(1);
    expect(r.checkpoints).to.be.at.least(1);
    expect(r.failures).to.include('task manager 0 exited with code 1');
  });

  it('a task restarted alone (restartTask): its channels wired again through Kafka, no job restart, nothing repeated, the other instance\'s keys exact', async () => {
    const records = 30_000;
    const keys = 40;
    const seed = 5;
    taskManagersTestHooks.kafkaChannels = { brokers: [bootstrap], applicationId: uniqueTopic('kafka-channels-alone'), operationTimeoutMs: 30_000 };
    const params: RestartAloneParams = { records, seed, keys, at: records / 3, marker: path.join(dir, 'fault') };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 64, taskManagers: 2 }).executeJob(restartAloneJob, params, 'restart alone through Kafka');
    const result = await job;
    expect(result.status, job.failures().map((f) => f.error.message).join('\n')).to.equal('finished');
    expect(existsSync(params.marker), 'the fault struck').to.equal(true);
    expect(result.restarts).to.equal(0);
    expect(result.taskRestarts).to.equal(1);
    expectOnlyTheFailingTaskRestarted(job.built.records(), params);
  });
});
