import { expect } from 'chai';
import fc from 'fast-check';
import { isRight, left, right } from 'fp-ts/Either';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { checkpointedState } from '../../src/checkpoint/checkpointedState';
import Redis from 'ioredis';
import { CheckpointId, CompletedCheckpoint, CompletedCheckpointCodec } from '../../src/checkpoint/CheckpointTypes';
import { RedisCheckpointStore } from '../../src/checkpoint/RedisCheckpointStore';
import { RedisKeyedStateBackend } from '../../src/state/RedisKeyedStateBackend';
import { Serializers } from '../../src/state/Serializer';
import { ValueStateDescriptor } from '../../src/state/StateDescriptor';
import { MAX_CHAIN_LENGTH } from '../../src/state/incrementalSnapshots';
import { chainsKey, pieceDeletesKey, pieceKey } from '../../src/state/redisKeyLayout';
import { keyGroupOf, keyGroupRangeForOperator } from '../../src/state/keyGroups';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { checkpoint } from '../support/checkpointIds';

/** Few key groups, so that key groups hold several keys and move whole when rescaled. */
const MAX_PARALLELISM = 8;
const KEYS = 24;
const value = new ValueStateDescriptor('v', Serializers.number);

/** The first `n` integer keys of key group `kg`. */
function keysOfGroup(kg: number, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; out.length < n; k++) if (keyGroupOf(k, MAX_PARALLELISM) === kg) out.push(k);
  return out;
}

/** One parallel run of the operator: its backends, as the tasks of one attempt hold them. */
class Instances {
  constructor(readonly backends: readonly RedisKeyedStateBackend[]) {}

  owner(key: number): RedisKeyedStateBackend {
    const kg = keyGroupOf(key, MAX_PARALLELISM);
    return this.backends.find((b) => kg >= b.keyGroupRange.start && kg <= b.keyGroupRange.end)!;
  }

  /** A batch of one record: prefetch, then the write (undefined deletes). */
  async write(key: number, v: number | undefined, state = value): Promise<void> {
    const b = this.owner(key);
    const loading = b.prefetch([key]);
    if (loading !== undefined) await loading;
    b.setCurrentKey(key);
    if (v === undefined) b.getValueState(state).clear();
    else b.getValueState(state).update(v);
  }

  async read(key: number, state = value): Promise<number | undefined> {
    const b = this.owner(key);
    const loading = b.prefetch([key]);
    if (loading !== undefined) await loading;
    b.setCurrentKey(key);
    return b.getValueState(state).value();
  }

  async readAll(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let k = 0; k < KEYS; k++) {
      const v = await this.read(k);
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }
}

describe('state/incrementalSnapshots', function () {
  let url: string;
  let prefix: string;
  let redis: Redis;
  const open: RedisKeyedStateBackend[] = [];

  before(async function () {
    url = await redisUrl(this);
    redis = new Redis(url);
  });
  after(() => redis.disconnect());
  beforeEach(() => {
    prefix = uniquePrefix('incremental');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.dispose()));
    await dropPrefix(url, prefix);
  });

  const store = (jobId: string, retained: number) => new RedisCheckpointStore({ url, prefix }, jobId, retained);

  async function start(jobId: string, parallelism: number, from: CompletedCheckpoint | undefined, cacheSize = 4, pinningStates: readonly string[] = []): Promise<Instances> {
    const ids = store(jobId, 1).idsKey;
    const backends = [...Array(parallelism).keys()].map(
      (i) =>
        new RedisKeyedStateBackend(keyGroupRangeForOperator(i, parallelism, MAX_PARALLELISM), MAX_PARALLELISM, {
          url,
          keyPrefix: prefix,
          jobId,
          operatorUid: 'op',
          cacheSize,
          pinningStates,
          incremental: { checkpointIds: ids },
        }),
    );
    open.push(...backends);
    const snapshots = (from?.tasks ?? []).flatMap((t) => (t.nodes.op?.keyed ? [t.nodes.op.keyed] : []));
    for (const b of backends) expect(isRight(await b.restore(snapshots, from?.id))).to.equal(true);
    return new Instances(backends);
  }

  async function snapshotAll(instances: Instances, jobId: string, id: number): Promise<CompletedCheckpoint> {
    const tasks = [];
    for (const [index, b] of instances.backends.entries()) {
      tasks.push({ task: `op-${index}`, index, parallelism: instances.backends.length, nodes: { op: { keyed: await b.snapshot(checkpoint(id)) } } });
    }
    return { jobId, id: id as CheckpointId, timestamp: 0, maxParallelism: MAX_PARALLELISM, tasks };
  }

  async function complete(instances: Instances, retained: number, checkpoint: CompletedCheckpoint): Promise<void> {
    await store(checkpoint.jobId, retained).add(checkpoint);
    for (const b of instances.backends) await b.notifyCheckpointComplete(checkpoint.id);
  }

  /** The checkpoint stored under `id`, read as a restore reads it. */
  async function stored(jobId: string, id: number): Promise<CompletedCheckpoint> {
    const decoded = CompletedCheckpointCodec.decode(JSON.parse((await redis.get(`${prefix}:${jobId}:chk:${id}`))!));
    if (!isRight(decoded)) throw new Error(`checkpoint ${id} does not decode`);
    return { ...decoded.right, id: decoded.right.id as CheckpointId };
  }

  /** Every snapshot key (pieces, deletes sets, chains) of the job, as the documented layout names them. */
  async function snapshotKeys(jobId: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:${jobId}:op:kg:*:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    return [...new Set(keys)].sort();
  }

  /** The keys a set of checkpoints needs: each chain's pieces (and deletes sets, when not empty), and the chains hashes. */
  async function keysNeededBy(checkpoints: readonly CompletedCheckpoint[]): Promise<string[]> {
    const needed = new Set<string>();
    for (const c of checkpoints) {
      for (const t of c.tasks) {
        const handle = t.nodes.op?.keyed?.redis;
        for (const [kg, chain] of Object.entries(handle?.chains ?? {})) {
          const hash = `${handle!.space}:kg:${kg}`;
          needed.add(chainsKey(hash));
          chain.forEach((name, i) => {
            needed.add(pieceKey(hash, name));
            if (i > 0) needed.add(pieceDeletesKey(hash, name));
          });
        }
      }
    }
    const present = await Promise.all([...needed].map(async (k) => ((await redis.exists(k)) === 1 ? k : undefined)));
    return present.filter((k): k is string => k !== undefined).sort();
  }

  describe('a snapshot holds only what changed since the completed checkpoint it builds on', () => {
    it('takes a full copy first, then a delta with the changed and the deleted entries, and a key group without changes keeps its chain', async () => {
      const jobId = 'delta';
      const one = await start(jobId, 1, undefined, 100);
      const kg = keyGroupOf(0, MAX_PARALLELISM);
      const same = keysOfGroup(kg, 6);
      for (let k = 0; k < KEYS; k++) if (keyGroupOf(k, MAX_PARALLELISM) !== kg) await one.write(k, k * 10);
      for (const k of same) await one.write(k, 7);
      const c1 = await snapshotAll(one, jobId, 1);
      await complete(one, 1, c1);
      // Two writes and a delete in one key group; all others untouched.
      await one.write(same[0], 1000);
      await one.write(same[1], 1001);
      await one.write(same[2], undefined);
      const c2 = await snapshotAll(one, jobId, 2);
      const chains1 = c1.tasks[0].nodes.op.keyed!.redis!.chains;
      const chains2 = c2.tasks[0].nodes.op.keyed!.redis!.chains;
      expect(c2.tasks[0].nodes.op.keyed!.keyGroups).to.deep.equal({});
      for (let g = 0; g < MAX_PARALLELISM; g++) expect(chains2[g]).to.deep.equal(g === kg ? ['1', '2'] : chains1[g]);
      const hash = `${prefix}:${jobId}:op:kg:${kg}`;
      expect(await redis.hgetall(pieceKey(hash, '2'))).to.deep.equal({ [`v/#${same[0]}`]: '1000', [`v/#${same[1]}`]: '1001' });
      expect(await redis.smembers(pieceDeletesKey(hash, '2'))).to.deep.equal([`v/#${same[2]}`]);
      expect(await redis.hlen(pieceKey(hash, '1'))).to.equal(same.length);
    });

    it('takes a full copy instead of a delta once the deltas would hold as many entries as the key group', async () => {
      const jobId = 'threshold';
      const one = await start(jobId, 1, undefined, 100);
      const kg = keyGroupOf(0, MAX_PARALLELISM);
      const same = keysOfGroup(kg, 8);
      for (const k of same) await one.write(k, 1);
      await complete(one, 1, await snapshotAll(one, jobId, 1));
      // Each round changes half the group's keys: the second delta brings the deltas to the group's size.
      const half = same.slice(0, Math.ceil(same.length / 2));
      for (const k of half) await one.write(k, 2);
      const c2 = await snapshotAll(one, jobId, 2);
      await complete(one, 1, c2);
      for (const k of half) await one.write(k, 3);
      const c3 = await snapshotAll(one, jobId, 3);
      expect(c2.tasks[0].nodes.op.keyed!.redis!.chains[kg]).to.deep.equal(['1', '2']);
      expect(c3.tasks[0].nodes.op.keyed!.redis!.chains[kg]).to.deep.equal(['3']);
    });

    it(`takes a full copy when the chain would grow past ${MAX_CHAIN_LENGTH} links`, async () => {
      const jobId = 'chain';
      const one = await start(jobId, 1, undefined, 100);
      const kg = keyGroupOf(0, MAX_PARALLELISM);
      // Enough keys that one change per checkpoint stays far below the group's size.
      for (const k of keysOfGroup(kg, 4 * MAX_CHAIN_LENGTH)) await one.write(k, 0);
      let chain: readonly string[] = [];
      for (let id = 1; id <= MAX_CHAIN_LENGTH + 1; id++) {
        await one.write(0, id);
        const c = await snapshotAll(one, jobId, id);
        await complete(one, 1, c);
        chain = c.tasks[0].nodes.op.keyed!.redis!.chains[kg];
        if (id === MAX_CHAIN_LENGTH) expect(chain).to.have.length(MAX_CHAIN_LENGTH);
      }
      expect(chain).to.deep.equal([String(MAX_CHAIN_LENGTH + 1)]);
    });
  });

  describe('reading an incremental checkpoint', () => {
    it('checkpointedState follows the chain: the newest piece that sets or deletes a key decides, later writes do not show', async () => {
      const jobId = 'read';
      const one = await start(jobId, 1, undefined, 100);
      const [a, b, c] = keysOfGroup(keyGroupOf(0, MAX_PARALLELISM), 3);
      await one.write(a, 1);
      await one.write(b, 2);
      await one.write(c, 3);
      await complete(one, 1, await snapshotAll(one, jobId, 1));
      await one.write(b, 20);
      await one.write(c, undefined);
      await complete(one, 1, await snapshotAll(one, jobId, 2));
      await one.write(a, 100);
      const s = store(jobId, 1);
      const read = async (k: number) => checkpointedState(s, 'op', value, k, MAX_PARALLELISM);
      expect([await read(a), await read(b), await read(c)]).to.deep.equal([right(1), right(20), right(undefined)]);
    });

    it('the memory backend refuses it, saying which backend restores it', async () => {
      const jobId = 'to-memory';
      const one = await start(jobId, 1, undefined, 100);
      await one.write(1, 1);
      const snapshot = await one.backends[0].snapshot(checkpoint(1));
      const restored = new MemoryKeyedStateBackend({ start: 0, end: MAX_PARALLELISM - 1 }, MAX_PARALLELISM).restore([snapshot]);
      expect(restored).to.deep.equal(left(`the snapshot references keyed state kept in Redis (${prefix}:${jobId}:op); restore it with the Redis state backend and the same keyPrefix`));
    });
  });

  describe('the states a snapshot names, and states dropped at restore (retired state, allowNonRestoredState)', () => {
    const retired = new ValueStateDescriptor('old', Serializers.number);
    const pinning = new ValueStateDescriptor('timers', Serializers.number);
    /** The fields of the job's working hashes, and of the pieces a checkpoint's chains name. */
    const workingFields = async (jobId: string) => (await Promise.all([...Array(MAX_PARALLELISM).keys()].map((kg) => redis.hkeys(`${prefix}:${jobId}:op:kg:${kg}`)))).flat();
    const pieceFields = async (c: CompletedCheckpoint) => {
      const fields: string[] = [];
      for (const t of c.tasks) {
        const handle = t.nodes.op.keyed!.redis!;
        for (const [kg, chain] of Object.entries(handle.chains)) for (const name of chain) fields.push(...(await redis.hkeys(pieceKey(`${handle.space}:kg:${kg}`, name))));
      }
      return fields;
    };

    it('names the states with entries, those left in Redis by a restore among them; dropped states are deleted server-side and the next pieces are full copies without them', async () => {
      const jobId = 'drop';
      // A small cache: most entries live only in Redis.
      const one = await start(jobId, 1, undefined, 4, ['timers']);
      for (let k = 0; k < KEYS; k++) await one.write(k, k * 10);
      for (let k = 0; k < 6; k++) await one.write(k, k + 100, retired);
      await one.write(0, 1, pinning);
      await one.write(7, 1, pinning);
      const c1 = await snapshotAll(one, jobId, 1);
      expect(c1.tasks[0].nodes.op.keyed!.redis!.states).to.deep.equal(['old', 'timers', 'v']);
      await complete(one, 1, c1);
      // A delta on top, so the chains to drop from are longer than a full copy.
      await one.write(1, 11);
      await one.write(2, 102, retired);
      const c2 = await snapshotAll(one, jobId, 2);
      await complete(one, 1, c2);
      for (const b of one.backends) await b.dispose();

      // What a restore allowed to drop 'old' reads (runtime/restoreAssignment.ts, withoutRetiredState).
      const stored2 = await stored(jobId, 2);
      const dropping: CompletedCheckpoint = {
        ...stored2,
        tasks: stored2.tasks.map((t) => ({ ...t, nodes: { op: { keyed: { keyGroups: {}, redis: { ...t.nodes.op.keyed!.redis!, states: ['timers', 'v'], dropOnRestore: ['old'] } } } } })),
      };
      const two = await start(jobId, 2, dropping, 4, ['timers']);
      expect((await workingFields(jobId)).filter((f) => f.startsWith('old/'))).to.deep.equal([]);
      const expected = new Map([...Array(KEYS).keys()].map((k) => [k, k === 1 ? 11 : k * 10]));
      expect(await two.readAll()).to.deep.equal(expected);
      // Key 0 is pinned (its entries come back into memory at restore): its dropped entry does not.
      for (let k = 0; k < 6; k++) expect(await two.read(k, retired), `key ${k}`).to.equal(undefined);
      const c3 = await snapshotAll(two, jobId, 3);
      // 'timers' was never asked for since the restore: it is named from the restore's counts.
      const owns = (i: number, key: number) => two.backends[i] === two.owner(key);
      expect(c3.tasks.map((t) => t.nodes.op.keyed!.redis!.states)).to.deep.equal(two.backends.map((_, i) => (owns(i, 0) || owns(i, 7) ? ['timers', 'v'] : ['v'])));
      // The key groups that held 'old' start new chains; the others keep theirs.
      const withOld = new Set([0, 1, 2, 3, 4, 5].map((k) => String(keyGroupOf(k, MAX_PARALLELISM))));
      const chains2 = c2.tasks[0].nodes.op.keyed!.redis!.chains;
      for (const t of c3.tasks) for (const [kg, chain] of Object.entries(t.nodes.op.keyed!.redis!.chains)) expect(chain, `key group ${kg}`).to.deep.equal(withOld.has(kg) ? ['3'] : chains2[kg]);
      expect((await pieceFields(c3)).filter((f) => f.startsWith('old/'))).to.deep.equal([]);
      expect((await pieceFields(c3)).filter((f) => f.startsWith('v/'))).to.have.length(KEYS);
    });
  });

  describe('retention', () => {
    it('leaves exactly the pieces of the retained checkpoints (2) and their chains, after aborts, a restore and a rescale', async () => {
      const jobId = 'retention';
      let run = await start(jobId, 2, undefined);
      for (let k = 0; k < KEYS; k++) await run.write(k, k);
      await complete(run, 2, await snapshotAll(run, jobId, 1));
      await run.write(1, 100);
      await snapshotAll(run, jobId, 2); // aborted
      for (const b of run.backends) b.notifyCheckpointAborted(checkpoint(2));
      await run.write(2, undefined);
      await complete(run, 2, await snapshotAll(run, jobId, 3));
      await run.write(3, 300);
      await snapshotAll(run, jobId, 4); // pending when the instances fail
      await run.write(4, 400);
      for (const b of run.backends) await b.dispose();
      run = await start(jobId, 3, await stored(jobId, 3));
      await run.write(5, 500);
      await complete(run, 2, await snapshotAll(run, jobId, 4));
      await run.write(6, undefined);
      await complete(run, 2, await snapshotAll(run, jobId, 5));
      expect(await store(jobId, 2).ids()).to.deep.equal([4, 5]);
      const needed = await keysNeededBy([await stored(jobId, 4), await stored(jobId, 5)]);
      expect(await snapshotKeys(jobId)).to.deep.equal(needed);
      // The write in aborted checkpoint 2 reached 3; those after 3 (in 4, pending at the failure) did not.
      const expected = new Map([...Array(KEYS).keys()].map((k) => [k, k]));
      expected.set(1, 100).set(5, 500).delete(2);
      expected.delete(6);
      expect(await run.readAll()).to.deep.equal(expected);
    });
  });

  describe('against a model, over random writes, deletes, checkpoints, completions, aborts, failures and restores at other parallelisms', () => {
    type Step =
      | { readonly t: 'put'; readonly key: number; readonly value: number }
      | { readonly t: 'delete'; readonly key: number }
      | { readonly t: 'snapshot' }
      | { readonly t: 'complete'; readonly which: number }
      | { readonly t: 'abort'; readonly which: number }
      /** `sameProcess`: ids go on; otherwise a new process's coordinator starts after the latest stored id. */
      | { readonly t: 'fail'; readonly parallelism: number; readonly sameProcess: boolean };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ t: fc.constant('put' as const), key: fc.nat(KEYS - 1), value: fc.integer({ min: -5, max: 1000 }) }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), key: fc.nat(KEYS - 1) }) },
      { weight: 2, arbitrary: fc.constant({ t: 'snapshot' as const }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('complete' as const), which: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('abort' as const), which: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('fail' as const), parallelism: fc.integer({ min: 1, max: 3 }), sameProcess: fc.boolean() }) },
    );

    it('restores exactly the state of the last completed checkpoint, keeps what the retained checkpoints need, and nothing else', async function () {
      this.timeout(240_000);
      let runs = 0;
      let executed = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), async (steps, retained, parallelism) => {
          const jobId = `model-${++runs}`;
          let nextId = 1;
          const model = new Map<number, number>();
          /** Snapshots taken and not yet completed or aborted, with the state they hold. */
          let pending: Array<{ checkpoint: CompletedCheckpoint; state: Map<number, number> }> = [];
          const completed: Array<{ id: number; state: Map<number, number> }> = [];
          let run = await start(jobId, parallelism, undefined);
          for (const s of steps) {
            executed++;
            switch (s.t) {
              case 'put':
                model.set(s.key, s.value);
                await run.write(s.key, s.value);
                break;
              case 'delete':
                model.delete(s.key);
                await run.write(s.key, undefined);
                break;
              case 'snapshot': {
                const taken = await snapshotAll(run, jobId, nextId++);
                // A task names the state when it owns a key with a value: counted exactly through writes, deletes and restores.
                taken.tasks.forEach((t, i) => {
                  const { start: first, end: last } = run.backends[i].keyGroupRange;
                  const owns = [...model.keys()].some((k) => keyGroupOf(k, MAX_PARALLELISM) >= first && keyGroupOf(k, MAX_PARALLELISM) <= last);
                  expect(t.nodes.op.keyed!.redis!.states).to.deep.equal(owns ? ['v'] : []);
                });
                pending.push({ checkpoint: taken, state: new Map(model) });
                break;
              }
              case 'complete': {
                if (pending.length === 0) break;
                const done = pending[s.which % pending.length];
                await complete(run, retained, done.checkpoint);
                completed.push({ id: done.checkpoint.id, state: done.state });
                // The coordinator aborts older pending checkpoints as subsumed.
                for (const older of pending.filter((p) => p.checkpoint.id < done.checkpoint.id)) for (const b of run.backends) b.notifyCheckpointAborted(older.checkpoint.id);
                pending = pending.filter((p) => p.checkpoint.id > done.checkpoint.id);
                break;
              }
              case 'abort': {
                if (pending.length === 0) break;
                const [gone] = pending.splice(s.which % pending.length, 1);
                for (const b of run.backends) b.notifyCheckpointAborted(gone.checkpoint.id);
                break;
              }
              case 'fail': {
                for (const b of run.backends) await b.dispose();
                const latest = completed.at(-1);
                run = await start(jobId, s.parallelism, latest === undefined ? undefined : await stored(jobId, latest.id));
                model.clear();
                for (const [k, v] of latest?.state ?? []) model.set(k, v);
                if (!s.sameProcess) nextId = (latest?.id ?? 0) + 1;
                pending = [];
                expect(await run.readAll()).to.deep.equal(model);
                break;
              }
            }
          }
          for (const b of run.backends) await b.dispose();
          // Every retained checkpoint restores exactly (retention kept what its chains need).
          const retainedIds = (await store(jobId, retained).ids()).map(Number);
          expect(retainedIds).to.deep.equal(completed.slice(-retained).map((c) => c.id));
          for (const c of completed.slice(-retained)) {
            const probe = await start(jobId, 2, await stored(jobId, c.id));
            expect(await probe.readAll()).to.deep.equal(c.state);
            for (const b of probe.backends) await b.dispose();
          }
          // The live instances go on from where they were: a last checkpoint, completed, leaves
          // exactly the pieces of the retained checkpoints.
          run = await start(jobId, parallelism, completed.length === 0 ? undefined : await stored(jobId, completed.at(-1)!.id));
          for (const [k, v] of completed.at(-1)?.state ?? []) expect(await run.read(k)).to.equal(v);
          await run.write(0, 12345);
          const last = await snapshotAll(run, jobId, nextId++);
          await complete(run, retained, last);
          const kept = await Promise.all((await store(jobId, retained).ids()).map((id) => stored(jobId, id)));
          expect(await snapshotKeys(jobId)).to.deep.equal(await keysNeededBy(kept));
          for (const b of run.backends) await b.dispose();
          await dropPrefix(url, `${prefix}:${jobId}`);
        }),
        { numRuns: 100 },
      );
      // Not vacuous: the runs went through their steps.
      expect(executed).to.be.greaterThan(100 * 5);
    });
  });
});
