import { expect } from 'chai';
import { Either, isLeft, isRight } from 'fp-ts/Either';
import Redis from 'ioredis';
import { CHECKPOINT_FORMAT_VERSION, CheckpointId, CompletedCheckpoint } from '../../src/checkpoint/CheckpointTypes';
import { RedisCheckpointStore, parseRedisStorage } from '../../src/checkpoint/RedisCheckpointStore';
import { checkpointStoreFor } from '../../src/checkpoint/checkpointStorage';
import { countKeys, dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';

function checkpoint(id: number, jobId = 'job-1'): CompletedCheckpoint {
  return {
    jobId,
    id: id as CheckpointId,
    timestamp: 1000 + id,
    tasks: [{ task: 'count/0', index: 0, parallelism: 1, nodes: { count: { keyed: { keyGroups: { '3': { count: [['a', String(id)]] } } }, source: { offset: id * 10 } } } }],
  };
}

function right<T>(e: Either<string, T>): T {
  if (isLeft(e)) throw new Error(`expected Right, got Left: ${e.left}`);
  return e.right;
}

describe('checkpoint/RedisCheckpointStore', function () {
  let url: string;
  let prefix: string;

  before(async function () {
    url = await redisUrl(this);
  });
  beforeEach(() => {
    prefix = uniquePrefix('chk');
  });
  afterEach(async () => {
    await dropPrefix(url, prefix);
  });

  const store = (retained = 3, jobId = 'job-1') => new RedisCheckpointStore({ url, prefix }, jobId, retained);

  async function withClient<T>(f: (c: Redis) => Promise<T>): Promise<T> {
    const c = new Redis(url);
    try {
      return await f(c);
    } finally {
      c.disconnect();
    }
  }

  it('has no latest checkpoint before the first is added', async () => {
    expect(right(await store().latest())).to.equal(undefined);
    expect(await store().ids()).to.deep.equal([]);
  });

  it('gives back the latest checkpoint as it was added, decoded', async () => {
    const s = store();
    await s.add(checkpoint(1));
    await s.add(checkpoint(2));
    expect(right(await s.latest())).to.deep.equal(checkpoint(2));
  });

  it('writes the format version with the data', async () => {
    await store().add(checkpoint(1));
    const stored = JSON.parse((await withClient((c) => c.get(`${prefix}:job-1:chk:1`))) ?? 'null') as { formatVersion: unknown };
    expect(stored.formatVersion).to.equal(CHECKPOINT_FORMAT_VERSION);
  });

  it('keeps the retained number of checkpoints and deletes the data of older ones', async () => {
    const s = store(2);
    for (let id = 1; id <= 5; id++) await s.add(checkpoint(id));
    expect(await s.ids()).to.deep.equal([4, 5]);
    const data = await withClient((c) => c.keys(`${prefix}:job-1:chk:[0-9]*`));
    expect(data.sort()).to.deep.equal([`${prefix}:job-1:chk:4`, `${prefix}:job-1:chk:5`]);
  });

  describe('atomic completion (docs/internals.md, invariant 4)', () => {
    it('leaves the previous checkpoint the latest when the process dies after writing the data and before the pointer', async () => {
      const s = store();
      await s.add(checkpoint(1));
      await s.writeData(checkpoint(2));
      // The process dies here: a new store (a new process) reads checkpoint 1.
      expect(right(await store().latest())?.id).to.equal(1);
      expect(await store().ids()).to.deep.equal([1]);
    });

    it('completes the interrupted checkpoint when it is published later, and a later one replaces it', async () => {
      const s = store();
      await s.add(checkpoint(1));
      await s.writeData(checkpoint(2));
      await s.publish(2 as CheckpointId);
      expect(right(await s.latest())?.id).to.equal(2);
      await s.add(checkpoint(3));
      expect(await s.ids()).to.deep.equal([1, 2, 3]);
    });

    it('never moves the pointer back when an older checkpoint completes after a newer one', async () => {
      const s = store();
      await s.add(checkpoint(3));
      await s.writeData(checkpoint(2));
      await s.publish(2 as CheckpointId);
      expect(right(await s.latest())?.id).to.equal(3);
    });

    it('completes overlapping adds in the order they were called', async () => {
      const s = store(2);
      await Promise.all([1, 2, 3, 4].map((id) => s.add(checkpoint(id))));
      expect(right(await s.latest())?.id).to.equal(4);
      expect(await s.ids()).to.deep.equal([3, 4]);
    });

    it('never lets a reader see a pointer to missing or partial data while checkpoints complete and are pruned', async () => {
      const writer = store(1);
      const reader = store(1);
      let done = false;
      const reads: number[] = [];
      const reading = (async () => {
        while (!done) {
          const latest = await reader.latest();
          expect(isRight(latest), isLeft(latest) ? latest.left : '').to.equal(true);
          const c = right(latest);
          if (c !== undefined) {
            expect(c).to.deep.equal(checkpoint(c.id));
            reads.push(c.id);
          }
        }
      })();
      for (let id = 1; id <= 60; id++) await writer.add(checkpoint(id));
      done = true;
      await reading;
      expect(reads.length).to.be.greaterThan(0);
      expect(reads).to.deep.equal([...reads].sort((a, b) => a - b));
    });
  });

  describe('reading back from outside', () => {
    it('refuses a pointer to missing data, naming the key', async () => {
      await withClient((c) => c.set(`${prefix}:job-1:chk:latest`, '7'));
      const latest = await store().latest();
      expect(isLeft(latest) && latest.left).to.equal(`checkpoint 7 named by ${prefix}:job-1:chk:latest is missing from Redis (was the data evicted or flushed?)`);
    });

    it('refuses data that is not a checkpoint, naming the key and the invalid fields', async () => {
      await withClient(async (c) => {
        await c.set(`${prefix}:job-1:chk:latest`, '7');
        await c.set(`${prefix}:job-1:chk:7`, JSON.stringify({ formatVersion: CHECKPOINT_FORMAT_VERSION, jobId: 'job-1', id: 'seven', timestamp: 1, tasks: [] }));
      });
      const latest = await store().latest();
      expect(isLeft(latest) && latest.left).to.match(new RegExp(`^checkpoint 7 at ${prefix}:job-1:chk:7 is invalid: .*seven`));
    });

    it('refuses data of another format version, naming the key and both versions', async () => {
      await withClient(async (c) => {
        await c.set(`${prefix}:job-1:chk:latest`, '7');
        await c.set(`${prefix}:job-1:chk:7`, JSON.stringify({ ...checkpoint(7), formatVersion: CHECKPOINT_FORMAT_VERSION + 1 }));
      });
      const latest = await store().latest();
      expect(isLeft(latest) && latest.left).to.match(
        new RegExp(`^checkpoint 7 at ${prefix}:job-1:chk:7 has format version ${CHECKPOINT_FORMAT_VERSION + 1}, and this version of Sluice restores format ${CHECKPOINT_FORMAT_VERSION} only`),
      );
    });

    it('refuses a pointer that is not an id', async () => {
      await withClient((c) => c.set(`${prefix}:job-1:chk:latest`, 'garbage'));
      const latest = await store().latest();
      expect(isLeft(latest) && latest.left).to.include('does not hold a checkpoint id');
    });
  });

  describe('fenced by epoch (a job over instances: docs/cluster.md)', () => {
    it('completes while the job epoch is the master\'s, and a master of an older epoch neither moves the pointer nor overwrites data', async () => {
      const epochKey = `${prefix}:epoch`;
      await withClient((c) => c.set(epochKey, '4'));
      const current = store();
      current.fence(() => ({ epochKey, epoch: 4 }));
      await current.add(checkpoint(1));
      const zombie = store();
      zombie.fence(() => ({ epochKey, epoch: 3 }));
      let refused: unknown;
      await zombie.add(checkpoint(2)).catch((e: unknown) => (refused = e));
      expect((refused as Error).name).to.equal('FencedStateWriteError');
      expect((refused as Error).message).to.include('epoch 3').and.include('epoch is 4');
      expect(right(await current.latest())).to.deep.equal(checkpoint(1));
      expect(await current.ids()).to.deep.equal([1]);
      expect(await withClient((c) => c.exists(`${prefix}:job-1:chk:2`))).to.equal(0);
      // The new master's next checkpoint completes as usual, retention included.
      await current.add(checkpoint(2));
      expect(right(await current.latest())).to.deep.equal(checkpoint(2));
    });

    it("marks the job finished before it discards a finished job's checkpoints, under the master's epoch only: a master of an older epoch marks and discards nothing", async () => {
      const epochKey = `${prefix}:epoch`;
      await withClient((c) => c.set(epochKey, '4'));
      const zombie = store();
      zombie.fence(() => ({ epochKey, epoch: 3 }));
      await zombie.add(checkpoint(1)).catch(() => undefined);
      const current = store();
      current.fence(() => ({ epochKey, epoch: 4 }));
      await current.add(checkpoint(1));
      let refused: unknown;
      await zombie.discardAll().catch((e: unknown) => (refused = e));
      expect((refused as Error).name).to.equal('FencedStateWriteError');
      expect(await current.finished()).to.equal(undefined);
      expect(right(await current.latest())).to.deep.equal(checkpoint(1));
      const before = Date.now();
      await current.discardAll();
      const mark = await current.finished();
      expect(mark?.epoch).to.equal(4);
      expect(mark!.at).to.be.within(before, Date.now());
      expect(right(await current.latest())).to.equal(undefined);
      // A store of one process (unfenced) marks nothing: a job there starts afresh when started again.
      const plain = store(3, 'job-2');
      await plain.add(checkpoint(1, 'job-2'));
      await plain.discardAll();
      expect(await plain.finished()).to.equal(undefined);
      // A mark that is not one (written by hand, another program) is refused, naming the key, not taken as finished.
      await withClient((c) => c.set(current.finishedKey, '{"epoch":"4"}'));
      let badMark: unknown;
      await current.finished().catch((e: unknown) => (badMark = e));
      expect((badMark as Error).message).to.match(new RegExp(`^${current.finishedKey} does not hold a finished mark: .*epoch`));
    });
  });

  it('keeps the jobs apart and drops only its own job on discardAll', async () => {
    await store(3, 'job-1').add(checkpoint(1, 'job-1'));
    await store(3, 'job-2').add(checkpoint(1, 'job-2'));
    await store(3, 'job-1').saveSourceProgress('src/0', { offset: 5 });
    expect(right(await store(3, 'job-1').sourceProgress())).to.deep.equal(new Map([['src/0', { offset: 5 }]]));
    await store(3, 'job-1').discardAll();
    expect(right(await store(3, 'job-1').latest())).to.equal(undefined);
    expect(right(await store(3, 'job-1').sourceProgress()).size).to.equal(0);
    expect(right(await store(3, 'job-2').latest())?.jobId).to.equal('job-2');
    await store(3, 'job-2').discardAll();
    expect(await countKeys(url, prefix)).to.equal(0);
  });

  describe('the redis:// checkpoint storage URL', () => {
    it('is chosen by checkpointStorage, with the prefix from the query and the database from the path', () => {
      const s = right(checkpointStoreFor('redis://127.0.0.1:6379/3?prefix=prod', 'job-9', 2));
      expect(s).to.be.instanceOf(RedisCheckpointStore);
      expect(s.description).to.equal('redis://127.0.0.1:6379/3 (keys prod:job-9:chk:*)');
      expect(right(parseRedisStorage('redis://h:1'))).to.deep.equal({ url: 'redis://h:1', prefix: 'sluice' });
    });

    it('refuses a bad database, an unknown parameter and a bad prefix, without showing a password', () => {
      const bad = parseRedisStorage('redis://u:secret@h:1/x');
      expect(isLeft(bad) && bad.left).to.equal("checkpointStorage 'redis://u:***@h:1/x': the database must be a number, got 'x'");
      const unknown = parseRedisStorage('redis://h:1/0?prefx=a');
      expect(isLeft(unknown) && unknown.left).to.include('unknown parameter(s) prefx (known: prefix, operationTimeoutMs)');
      const prefixBad = parseRedisStorage('redis://h:1/0?prefix=a*b');
      expect(isLeft(prefixBad) && prefixBad.left).to.include('prefix must be');
    });
  });
});
