import { expect } from 'chai';
import { isLeft, isRight } from 'fp-ts/Either';
import Redis from 'ioredis';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';
import { RedisCheckpointStore } from '../../src/checkpoint/RedisCheckpointStore';
import { RedisKeyedStateBackend } from '../../src/state/RedisKeyedStateBackend';
import { keyGroupHashKey, stateField } from '../../src/state/redisKeyLayout';
import { RedisStateInspector } from '../../src/state/RedisStateInspector';
import { checkpointedState } from '../../src/checkpoint/checkpointedState';
import { Serializers } from '../../src/state/Serializer';
import { ListStateDescriptor, ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { keyGroupOf, keyGroupRangeForOperator } from '../../src/state/keyGroups';
import { countKeys, dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { checkpoint } from '../support/checkpointIds';

const count = new ValueStateDescriptor('count', Serializers.number);
const seen = new ListStateDescriptor('seen', Serializers.string);

describe('state/RedisStateInspector', function () {
  let url: string;
  let prefix: string;

  before(async function () {
    url = await redisUrl(this);
  });
  beforeEach(async () => {
    prefix = uniquePrefix('inspect');
    // A stopped job: its backend flushed its state at the final checkpoint.
    const b = new RedisKeyedStateBackend(keyGroupRangeForOperator(0, 1, 128), 128, { url, keyPrefix: prefix, jobId: 'orders', operatorUid: 'count-per-key', cacheSize: 1000, pinningStates: [] });
    await b.restore([]);
    b.getValueState(count);
    b.getListState(seen);
    for (const key of ['user-1', 'user-2', 7]) {
      b.setCurrentKey(key);
      b.getValueState(count).update(String(key).length);
      b.getListState(seen).add(`at-${String(key)}`);
    }
    const snapshot = await b.snapshot(checkpoint(1));
    await b.dispose();
    await new RedisCheckpointStore({ url, prefix }, 'orders', 1).add({
      jobId: 'orders',
      id: 1 as CheckpointId,
      timestamp: 1,
      tasks: [{ task: 't/0', index: 0, parallelism: 1, nodes: { 'count-per-key': { keyed: snapshot } } }],
    });
  });
  afterEach(async () => {
    await dropPrefix(url, prefix);
  });

  it("reads a key's state of a stopped job from the working area, decoded with the descriptor", async () => {
    const inspector = new RedisStateInspector(url, prefix);
    expect(await inspector.readState('orders', 'count-per-key', count, 'user-1')).to.deep.equal({ _tag: 'Right', right: 6 });
    expect(await inspector.readState('orders', 'count-per-key', seen, 7)).to.deep.equal({ _tag: 'Right', right: ['at-7'] });
    expect(await inspector.readState('orders', 'count-per-key', count, 'nobody')).to.deep.equal({ _tag: 'Right', right: undefined });
  });

  it('lists the entries of a state, the jobs and the operators', async () => {
    const inspector = new RedisStateInspector(url, prefix);
    const entries = await inspector.entries('orders', 'count-per-key', count);
    expect(isRight(entries) && entries.right.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).to.deep.equal([
      [7, 1],
      ['user-1', 6],
      ['user-2', 6],
    ]);
    expect(await inspector.jobs()).to.deep.equal(['orders']);
    expect(await inspector.operators('orders')).to.deep.equal(['count-per-key']);
  });

  it('reads the state a restart would begin from out of the latest checkpoint', async () => {
    const store = new RedisCheckpointStore({ url, prefix }, 'orders', 1);
    expect(await checkpointedState(store, 'count-per-key', count, 'user-2')).to.deep.equal({ _tag: 'Right', right: 6 });
    expect(await checkpointedState(store, 'count-per-key', count, 'nobody')).to.deep.equal({ _tag: 'Right', right: undefined });
    const none = await checkpointedState(new RedisCheckpointStore({ url, prefix }, 'other', 1), 'count-per-key', count, 'x');
    expect(isLeft(none) && none.left).to.match(/holds no completed checkpoint/);
  });

  it('names the state, the key and the reason for an entry that does not decode', async () => {
    const client = new Redis(url);
    try {
      await client.hset(keyGroupHashKey(prefix, 'orders', 'count-per-key', keyGroupOf('user-1', 128)), stateField('count', 'user-1'), '"six"');
    } finally {
      client.disconnect();
    }
    const r = await new RedisStateInspector(url, prefix).readState('orders', 'count-per-key', count, 'user-1');
    expect(isLeft(r) && r.left).to.match(/^state 'count' of key user-1 in .*:kg:\d+: /);
  });

  it("drops every key of the job and nothing of another's", async () => {
    const client = new Redis(url);
    try {
      await client.set(`${prefix}:other:chk:latest`, '1');
    } finally {
      client.disconnect();
    }
    const inspector = new RedisStateInspector(url, prefix);
    expect(await inspector.dropJob('orders')).to.be.greaterThan(2);
    expect(await inspector.keysOf('orders')).to.deep.equal([]);
    expect(await countKeys(url, prefix)).to.equal(1);
  });
});
