import { expect } from 'chai';
import { isLeft } from 'fp-ts/Either';
import Redis from 'ioredis';
import { defineMembershipScripts, fencedSet, heartbeat, Heartbeat, leave, membershipKeys, MembershipKeys, publishAssignment } from '../../src/instances/membershipScripts';
import { eventually } from '../support/kafkaTopics';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';

function right<A>(e: { _tag: 'Left'; left: string } | { _tag: 'Right'; right: A }): A {
  if (isLeft(e)) throw new Error(e.left);
  return e.right;
}

describe('instances/membershipScripts', () => {
  let url: string;
  let redis: Redis;
  let app: string;
  let keys: MembershipKeys;
  /** The incarnation of `id` in these tests: one process per id unless a test says otherwise. */
  const as = (id: string, token = `${id}-process`) => ({ id, token });
  const beatAs = (me: { id: string; token: string }, leaseMs = 60_000, held = 0) => heartbeat(redis, keys, me, leaseMs, held).then(right);
  const beat = async (id: string, leaseMs = 60_000, held = 0): Promise<Heartbeat> => {
    const b = await beatAs(as(id), leaseMs, held);
    if (b === 'idTaken') throw new Error(`${id} is taken`);
    return b;
  };

  before(async function () {
    url = await redisUrl(this);
  });
  beforeEach(() => {
    redis = new Redis(url);
    defineMembershipScripts(redis);
    app = uniquePrefix('membership');
    keys = membershipKeys(app);
  });
  afterEach(async () => {
    redis.disconnect();
    await dropPrefix(url, `{sluice:${app}}`);
  });

  it('makes the first instance to beat the leader at epoch 1, and the next a member that follows it', async () => {
    expect(await beat('i-a')).to.deep.equal({ leader: 'i-a', epoch: 1, tookOffice: true, members: ['i-a'], assignmentEpoch: 0, assignment: undefined });
    expect(await beat('i-b')).to.deep.equal({ leader: 'i-a', epoch: 1, tookOffice: false, members: ['i-a', 'i-b'], assignmentEpoch: 0, assignment: undefined });
    expect(await beat('i-a')).to.include({ leader: 'i-a', epoch: 1, tookOffice: false });
  });

  it('publishes an assignment under a new epoch, sent to an instance only while it holds an older one', async () => {
    await beat('i-a');
    expect(right(await publishAssignment(redis, keys, as('i-a'), 1, '{"x":1}'))).to.equal(2);
    expect(await beat('i-b')).to.include({ epoch: 2, assignmentEpoch: 2 }).and.to.have.deep.property('assignment', { leader: 'i-a', body: '{"x":1}' });
    expect(await beat('i-b', 60_000, 2)).to.include({ assignmentEpoch: 2, assignment: undefined });
  });

  it('refuses a publication by an instance that is not the leader, or of an epoch that is over', async () => {
    await beat('i-a');
    await beat('i-b');
    expect(right(await publishAssignment(redis, keys, as('i-b'), 1, '{}'))).to.equal('fenced');
    expect(right(await publishAssignment(redis, keys, as('i-a'), 0, '{}'))).to.equal('fenced');
    expect(await redis.get(keys.epoch)).to.equal('1');
  });

  it("hands the leadership over when the leader's lease runs out, bumping the epoch, and drops the dead member", async () => {
    await beat('i-a', 300);
    await beat('i-b');
    // i-a renews no more: once its lease is over, i-b's next heartbeat takes office.
    const taken = await eventually(() => beat('i-b'), (b) => b.leader === 'i-b');
    expect(taken).to.include({ leader: 'i-b', epoch: 2, tookOffice: true }).and.to.have.deep.property('members', ['i-b']);
    // The old leader, back, is a member again but not the leader, and cannot publish under its epoch.
    expect(await beat('i-a')).to.include({ leader: 'i-b', epoch: 2, tookOffice: false }).and.to.have.deep.property('members', ['i-a', 'i-b']);
    expect(right(await publishAssignment(redis, keys, as('i-a'), 1, '{}'))).to.equal('fenced');
  });

  it('writes under the current epoch and refuses a write under an older one (a zombie)', async () => {
    await beat('i-a');
    expect(right(await fencedSet(redis, keys, 1, 'progress', 'from epoch 1'))).to.equal('written');
    right(await publishAssignment(redis, keys, as('i-a'), 1, '{}'));
    expect(right(await fencedSet(redis, keys, 1, 'progress', 'zombie'))).to.equal('fenced');
    expect(await redis.get(keys.data('progress'))).to.equal('from epoch 1');
    expect(right(await fencedSet(redis, keys, 2, 'progress', 'from epoch 2'))).to.equal('written');
    expect(await redis.get(keys.data('progress'))).to.equal('from epoch 2');
  });

  it('lets the next instance take office at once when the leader leaves', async () => {
    await beat('i-a');
    await beat('i-b');
    await leave(redis, keys, as('i-a'));
    expect(await beat('i-b')).to.include({ leader: 'i-b', epoch: 2, tookOffice: true }).and.to.have.deep.property('members', ['i-b']);
  });

  it('refuses a second process with the id of a live instance, and lets it have the id once that lease ran out', async () => {
    await beatAs(as('i-a', 'first'), 300);
    expect(await beatAs(as('i-a', 'second'))).to.equal('idTaken');
    const taken = await eventually(() => beatAs(as('i-a', 'second')), (b) => b !== 'idTaken');
    expect(taken).to.include({ leader: 'i-a', epoch: 2, tookOffice: true });
    // The first process, back, is the one refused now; it cannot publish for its successor nor make it leave.
    expect(await beatAs(as('i-a', 'first'))).to.equal('idTaken');
    expect(right(await publishAssignment(redis, keys, as('i-a', 'first'), 2, '{}'))).to.equal('fenced');
    await leave(redis, keys, as('i-a', 'first'));
    expect(await beatAs(as('i-a', 'second'))).to.include({ leader: 'i-a', epoch: 2, tookOffice: false }).and.to.have.deep.property('members', ['i-a']);
  });

  it('keeps every key of an application under one hash tag (one Redis Cluster slot)', () => {
    const k = membershipKeys('orders');
    for (const key of [k.members, k.leader, k.incarnations, k.epoch, k.assignment, k.data('x')]) expect(key.startsWith('{sluice:orders}:')).to.equal(true);
  });
});
