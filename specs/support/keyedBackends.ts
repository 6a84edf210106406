/**
 * One state suite, two backends: `onEachKeyedBackend` runs the same specs against the memory
 * backend and against the Redis backend. The Redis one gets a cache of a few entries, far
 * fewer than the keys the specs use, so that state really goes through Redis (evicted,
 * written back and loaded again) instead of living in the cache.
 */
import { KeyedStateBackend } from '../../src/state/KeyedStateBackend';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { RedisKeyedStateBackend } from '../../src/state/RedisKeyedStateBackend';
import { TIMERS_STATE } from '../../src/state/KeyedTimerService';
import { KeyGroupRange } from '../../src/state/keyGroups';
import { Key } from '../../src/state/keyHash';
import { dropPrefix, redisUrl, uniquePrefix } from './redisService';

/** Entries the Redis backend under test keeps in memory. */
export const SUITE_REDIS_CACHE_SIZE = 4;

const ALL_KEY_GROUPS: KeyGroupRange = { start: 0, end: 127 };

export interface KeyedBackendUnderTest {
  readonly name: 'memory' | 'redis';
  /** A new backend owning `range` (all 128 key groups by default), as a task gets it. */
  create(range?: KeyGroupRange, maxParallelism?: number): KeyedStateBackend;
  /** Makes `key` current after loading its state, as a task does before each batch. */
  at(backend: KeyedStateBackend, key: Key): Promise<void>;
}

async function at(backend: KeyedStateBackend, key: Key): Promise<void> {
  const loading = backend.prefetch?.([key]);
  if (loading !== undefined) await loading;
  backend.setCurrentKey(key);
}

/** Declares `body`'s specs twice: on the memory backend, then on the Redis backend. */
export function onEachKeyedBackend(body: (under: KeyedBackendUnderTest) => void): void {
  describe('on the memory backend', () => {
    body({ name: 'memory', create: (range = ALL_KEY_GROUPS, maxParallelism = 128) => new MemoryKeyedStateBackend(range, maxParallelism), at });
  });

  describe(`on the Redis backend (a cache of ${SUITE_REDIS_CACHE_SIZE} entries: state goes through Redis)`, function () {
    let url: string;
    let prefix: string;
    let spaces = 0;
    const open: RedisKeyedStateBackend[] = [];
    before(async function () {
      url = await redisUrl(this);
    });
    beforeEach(() => {
      prefix = uniquePrefix('suite');
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.dispose()));
      await dropPrefix(url, prefix);
    });
    body({
      name: 'redis',
      create: (range = ALL_KEY_GROUPS, maxParallelism = 128) => {
        // A key space per backend: a backend that is not restored starts from empty hashes, as
        // a task's does after the runtime's restore (snapshots, not hashes, carry state between backends).
        const backend = new RedisKeyedStateBackend(range, maxParallelism, { url, keyPrefix: prefix, jobId: 'job', operatorUid: `op${++spaces}`, cacheSize: SUITE_REDIS_CACHE_SIZE, pinningStates: [TIMERS_STATE] });
        open.push(backend);
        return backend;
      },
      at,
    });
  });
}

/** Entries each keyed task of a job under test keeps in memory with Redis state. */
export const SUITE_JOB_CACHE_SIZE = 8;

export interface StateBackendUnderTest {
  readonly name: 'memory' | 'redis';
  /** The environment options that choose this backend (a prefix of the test's own on Redis). */
  options(): { readonly stateBackend?: { readonly type: 'redis'; readonly url: string; readonly keyPrefix: string; readonly cacheSize: number } };
}

/** Declares `body`'s job specs twice: with memory state, then with Redis state and a small cache. */
export function onEachStateBackend(body: (backend: StateBackendUnderTest) => void): void {
  describe('with memory state', () => {
    body({ name: 'memory', options: () => ({}) });
  });

  describe(`with Redis state (a cache of ${SUITE_JOB_CACHE_SIZE} entries per task)`, function () {
    let url: string;
    let prefix: string;
    before(async function () {
      url = await redisUrl(this);
    });
    beforeEach(() => {
      prefix = uniquePrefix('jobs');
    });
    afterEach(async () => {
      await dropPrefix(url, prefix);
    });
    body({ name: 'redis', options: () => ({ stateBackend: { type: 'redis', url, keyPrefix: prefix, cacheSize: SUITE_JOB_CACHE_SIZE } }) });
  });
}
