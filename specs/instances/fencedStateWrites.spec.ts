import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import Redis from 'ioredis';
import { JobInstance, joinInstances } from '../../src/instances/joinInstances';
import { RedisKeyedStateBackend } from '../../src/state/RedisKeyedStateBackend';
import { FencedStateWriteError, StateFencing } from '../../src/state/redisFencing';
import { Serializers } from '../../src/state/Serializer';
import { ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { keyGroupOf } from '../../src/state/keyGroups';
import { keyGroupHashKey } from '../../src/state/redisKeyLayout';
import { TIMERS_STATE } from '../../src/state/KeyedTimerService';
import { ownershipWhere } from '../support/ownershipWhere';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { checkpoint } from '../support/checkpointIds';

const MAX_PARALLELISM = 8;
const count = new ValueStateDescriptor('count', Serializers.number);
/** A key of key group `kg`. */
const keyOf = (kg: number) => [...Array(1000).keys()].map((i) => `k${i}`).find((k) => keyGroupOf(k, MAX_PARALLELISM) === kg)!;

describe('instances: keyed-state writes fenced by the epoch of the instance that makes them', function () {
  this.timeout(30_000);
  let url: string;
  let app: string;
  let statePrefix: string;
  const joined: JobInstance[] = [];
  const open: RedisKeyedStateBackend[] = [];

  before(async function () {
    url = await redisUrl(this);
  });
  beforeEach(() => {
    app = uniquePrefix('fenced-state');
    statePrefix = uniquePrefix('fenced-state-kv');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.dispose()));
    await Promise.all(joined.splice(0).map((i) => i.leave()));
    await dropPrefix(url, `{sluice:${app}}`);
    await dropPrefix(url, statePrefix);
  });

  const join = async (instanceId: string) => {
    const instance = await joinInstances({ applicationId: app, redis: url, instanceId, leaseMs: 2000, heartbeatMs: 100 }, { maxParallelism: MAX_PARALLELISM }, { level: 'silent' });
    joined.push(instance);
    return instance;
  };

  /** A task's backend over key group `kg`, fenced as given, restored empty. */
  async function task(fencing: StateFencing, kg: number): Promise<RedisKeyedStateBackend> {
    const b = new RedisKeyedStateBackend({ start: kg, end: kg }, MAX_PARALLELISM, {
      url,
      keyPrefix: statePrefix,
      jobId: 'job',
      operatorUid: 'op',
      cacheSize: 1000,
      pinningStates: [TIMERS_STATE],
      fencing,
    });
    open.push(b);
    expect(isRight(await b.restore([]))).to.equal(true);
    return b;
  }

  /** Sets `key`'s count to `n` and flushes it to Redis with a snapshot. */
  async function write(b: RedisKeyedStateBackend, key: string, n: number, id: number): Promise<void> {
    await b.prefetch([key]);
    b.setCurrentKey(key);
    b.getValueState(count).update(n);
    await b.snapshot(checkpoint(id));
  }

  it("refuses the writes of a task run under an instance's former epoch once a new assignment is published, and takes those under the new one", async () => {
    const a = await join('i-a');
    const before = a.ownership();
    expect(a.stateFencing()).to.deep.equal({ epochKey: `{sluice:${app}}:epoch`, epoch: before.epoch });
    expect(before.keyGroups).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    const old = await task(a.stateFencing(), 0);
    await write(old, keyOf(0), 1, 1);

    // A second instance joins: the leader publishes a new assignment, the epoch moves on.
    const b = await join('i-b');
    const after = await ownershipWhere(a, (o) => o.epoch > before.epoch && o.state === 'owning');
    await ownershipWhere(b, (o) => o.epoch === after.epoch);
    expect(after.keyGroups.length + b.ownership().keyGroups.length).to.equal(MAX_PARALLELISM);

    const redis = new Redis(url);
    const group0 = () => redis.hgetall(keyGroupHashKey(statePrefix, 'job', 'op', 0));
    const written = await group0();
    expect(Object.keys(written)).to.have.length(1);
    const refused = await write(old, keyOf(0), 2, 2).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(FencedStateWriteError);
    expect([(refused as FencedStateWriteError).epoch, (refused as FencedStateWriteError).currentEpoch]).to.deep.equal([before.epoch, after.epoch]);
    expect(await group0()).to.deep.equal(written);

    // The tasks of the new assignment write under the new epoch; key group 0 has one owner.
    const owner = after.keyGroups.includes(0) ? a : b;
    await write(await task(owner.stateFencing(), 0), keyOf(0), 3, 3);
    const rewritten = await group0();
    redis.disconnect();
    expect(Object.keys(rewritten)).to.deep.equal(Object.keys(written));
    expect(rewritten).not.to.deep.equal(written);
    const other = owner === a ? b : a;
    const otherGroup = other.ownership().keyGroups[0];
    await write(await task(other.stateFencing(), otherGroup), keyOf(otherGroup), 4, 4);
  });
});
