import { expect } from 'chai';
import { JobInstance, joinInstances } from '../../src/instances/joinInstances';
import { ServiceError } from '../../src/services/ServiceError';
import { kafkaBootstrap } from '../support/kafkaService';
import { createTopic, uniqueTopic } from '../support/kafkaTopics';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ownershipWhere } from '../support/ownershipWhere';
import { dropPrefix, redisUrl, startOwnRedis, uniquePrefix } from '../support/redisService';

const quiet = { level: 'silent' } as const;

describe('instances/joinInstances', function () {
  this.timeout(60_000);
  let url: string;
  let bootstrap: string;
  let app: string;
  const joined: JobInstance[] = [];

  before(async function () {
    this.timeout(600_000);
    url = await redisUrl(this);
    bootstrap = await kafkaBootstrap(this);
  });
  beforeEach(() => {
    app = uniquePrefix('join');
  });
  afterEach(async () => {
    await Promise.all(joined.splice(0).map((i) => i.leave()));
    await dropPrefix(url, `{sluice:${app}}`);
  });

  const join = async (instanceId: string, sourceTopics: string[] = [], operationTimeoutMs = 30_000) => {
    const options = { applicationId: app, redis: url, kafka: { brokers: [bootstrap] }, instanceId, leaseMs: 2000, heartbeatMs: 100, operationTimeoutMs };
    const instance = await joinInstances(options, { sourceTopics, maxParallelism: 8 }, quiet);
    joined.push(instance);
    return instance;
  };

  it('makes a lone instance the leader and owner of every partition and key group', async () => {
    const topic = uniqueTopic('join');
    await createTopic(bootstrap, topic, 3);
    const a = await join('i-a', [topic]);
    expect(a.isLeader()).to.equal(true);
    expect(a.ownership()).to.deep.equal({ instanceId: 'i-a', epoch: 2, leader: 'i-a', state: 'owning', splits: [`${topic}-0`, `${topic}-1`, `${topic}-2`], keyGroups: [0, 1, 2, 3, 4, 5, 6, 7], slots: [] });
  });

  it('shares the work with a second instance, and gives it all back when that one leaves', async () => {
    const a = await join('i-a');
    const b = await join('i-b');
    const aHalf = await ownershipWhere(a, (o) => o.keyGroups.length === 4);
    expect(aHalf).to.include({ epoch: 3, leader: 'i-a', state: 'owning' }).and.to.have.deep.property('keyGroups', [0, 1, 2, 3]);
    expect(b.ownership()).to.include({ epoch: 3, leader: 'i-a' }).and.to.have.deep.property('keyGroups', [4, 5, 6, 7]);
    expect(b.isLeader()).to.equal(false);
    await b.leave();
    expect(b.ownership().state).to.equal('left');
    expect(await ownershipWhere(a, (o) => o.epoch > 3)).to.deep.include({ epoch: 4, keyGroups: [0, 1, 2, 3, 4, 5, 6, 7] });
  });

  it('hands the leadership to the other instance when the leader leaves', async () => {
    const a = await join('i-a');
    const b = await join('i-b');
    await ownershipWhere(b, (o) => o.state === 'owning');
    await a.leave();
    const taken = await ownershipWhere(b, (o) => o.leader === 'i-b');
    expect(taken).to.deep.include({ state: 'owning', keyGroups: [0, 1, 2, 3, 4, 5, 6, 7] });
    expect(b.isLeader()).to.equal(true);
  });

  it('reports itself fenced when Redis stops answering for a lease, and owns again under a newer epoch when it answers', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-instances-'));
    const own = await startOwnRedis({ appendOnlyDir: dir });
    try {
      const a = await joinInstances({ applicationId: app, redis: own.url, instanceId: 'i-a', leaseMs: 1000, heartbeatMs: 100 }, { maxParallelism: 4 }, quiet);
      joined.push(a);
      const owning = a.ownership();
      await own.stop(true);
      expect(await ownershipWhere(a, (o) => o.state === 'fenced')).to.deep.equal({ ...owning, state: 'fenced', splits: [], keyGroups: [], slots: [] });
      await own.start();
      const back = await ownershipWhere(a, (o) => o.state === 'owning');
      expect(back.epoch).to.be.greaterThan(owning.epoch);
      expect(back.keyGroups).to.deep.equal([0, 1, 2, 3]);
    } finally {
      await Promise.all(joined.splice(0).map((i) => i.leave()));
      await own.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to join with the instance id of another live instance', async () => {
    await join('i-a');
    const refusal = await join('i-a').then(
      () => 'joined',
      (e: Error) => e.message,
    );
    expect(refusal).to.equal(`instance id i-a is held by another live process of ${app}: give each instance its own instanceId (or leave it to the default)`);
  });

  it('fails the join with a ServiceError naming the topic when a source topic does not exist', async () => {
    const missing = uniqueTopic('missing');
    const error = await join('i-a', [missing], 3000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ServiceError);
    expect((error as Error).message).to.match(new RegExp(`^instance i-a of ${app} received no assignment within 3000 ms \\(last problem: leader i-a could not publish an assignment: .*Kafka topic '${missing}' does not exist`));
  }).timeout(30_000);

  it('fails the join with a ServiceError when Redis does not answer within the bound', async () => {
    const error = await joinInstances({ applicationId: app, redis: 'redis://127.0.0.1:1', operationTimeoutMs: 500 }, {}, quiet).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ServiceError);
    expect((error as Error).message).to.match(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: no answer within 500 ms/);
  });

  it('refuses bad options, and source topics without Kafka, with every problem listed', async () => {
    const refusal = (options: object, work = {}) =>
      joinInstances(options as never, work, quiet).then(
        () => 'joined',
        (e: Error) => e.message,
      );
    expect(await refusal({ applicationId: '', redis: 'x' })).to.equal(
      "invalid cluster options:\n- applicationId must be 1 to 100 letters, digits, '.', '_' or '-' (it names Kafka topics and transactional ids), got \"\"\n- redis must be a URL 'redis://host:port', got \"x\"",
    );
    expect(await refusal({ applicationId: app, redis: url }, { sourceTopics: ['t'] })).to.equal('invalid cluster options:\n- sourceTopics t need kafka: { brokers } in the cluster options');
  });
});
