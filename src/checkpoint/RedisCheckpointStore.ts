/**
 * Completed checkpoints in Redis, chosen with `checkpointStorage: 'redis://host:port/db?prefix=p'`
 * (and `&operationTimeoutMs=<ms>`: the longest one operation of the store waits on Redis,
 * reaching the server included; default 30 000):
 *
 *   <prefix>:<jobId>:chk:<id>      string: one checkpoint as JSON, written first
 *   <prefix>:<jobId>:chk:ids       sorted set of the retained ids (score = id)
 *   <prefix>:<jobId>:chk:latest    string: the id of the latest complete checkpoint
 *   <prefix>:<jobId>:progress      hash: source task -> saved progress (at-most-once), as JSON
 *
 * Completion is one Lua script (atomic in Redis): it moves `latest`, adds the id to `ids` and
 * drops the checkpoints beyond the retained number. A crash after the data is written and
 * before the script leaves `latest` on the previous checkpoint, whose data is still there.
 * Every operation uses its own short-lived connection, so the store holds no handle.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type Redis from 'ioredis';
import { redactUrl, scanKeys, withRedis } from '../state/redisConnection';
import { operationTimeoutProblem } from '../services/withinDeadline';
import { StateFencing, fencedRefusal, fencedScript } from '../state/redisFencing';
import { CheckpointStore } from './CheckpointStore';
import { CheckpointId, CompletedCheckpoint, decodeCompletedCheckpoint, encodeCompletedCheckpoint } from './CheckpointTypes';

/** A `redis://` checkpoint storage URL, split into what ioredis connects to and the key prefix. */
export interface RedisStorageLocation {
  /** The URL without its query, for ioredis. */
  readonly url: string;
  readonly prefix: string;
  /** The bound on each operation of the store (undefined: DEFAULT_REDIS_OPERATION_TIMEOUT_MS). */
  readonly operationTimeoutMs?: number;
}

export const DEFAULT_REDIS_CHECKPOINT_PREFIX = 'sluice';

/** Parses `redis://host:port[/db][?prefix=p]`; Left names what is wrong. */
export function parseRedisStorage(storage: string): Either<string, RedisStorageLocation> {
  let parsed: URL;
  try {
    parsed = new URL(storage);
  } catch {
    return left(`checkpointStorage '${redactUrl(storage)}' is not a URL; use 'redis://host:port/db?prefix=<prefix>'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return left(`checkpointStorage '${redactUrl(storage)}' is not a redis:// URL`);
  if (parsed.hostname === '') return left(`checkpointStorage '${redactUrl(storage)}' names no host; use 'redis://host:port/db?prefix=<prefix>'`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) return left(`checkpointStorage '${redactUrl(storage)}': the database must be a number, got '${db}'`);
  const unknown = [...parsed.searchParams.keys()].filter((k) => k !== 'prefix' && k !== 'operationTimeoutMs');
  if (unknown.length > 0) return left(`checkpointStorage '${redactUrl(storage)}': unknown parameter(s) ${unknown.join(', ')} (known: prefix, operationTimeoutMs)`);
  const timeoutText = parsed.searchParams.get('operationTimeoutMs');
  const operationTimeoutMs = timeoutText === null ? undefined : /^\d+$/.test(timeoutText) ? Number(timeoutText) : timeoutText;
  const timeoutProblem = operationTimeoutProblem(operationTimeoutMs);
  if (timeoutProblem !== undefined) return left(`checkpointStorage '${redactUrl(storage)}': ${timeoutProblem}`);
  const prefix = parsed.searchParams.get('prefix') ?? DEFAULT_REDIS_CHECKPOINT_PREFIX;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(prefix)) return left(`checkpointStorage '${redactUrl(storage)}': prefix must be 1-64 letters, digits, dots, dashes or underscores`);
  parsed.search = '';
  return right({ url: parsed.toString(), prefix, ...(typeof operationTimeoutMs === 'number' ? { operationTimeoutMs } : {}) });
}

/**
 * Moves the pointer, records the id and prunes beyond the retained number, atomically. The
 * pointer never moves back: a checkpoint whose completion arrives after a newer one's (adds
 * overlapping, or from a stale process) is not made the latest.
 */
const PUBLISH = `
local id = ARGV[1]
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(id) then return 0 end
redis.call('SET', KEYS[1], id)
redis.call('ZADD', KEYS[2], id, id)
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[2])
if excess > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  for _, o in ipairs(old) do
    if o ~= id then redis.call('DEL', ARGV[3] .. o) end
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
return 1`;

/**
 * A job over instances: PUBLISH that also writes the checkpoint's data (ARGV[4], at KEYS[3])
 * once the pointer may move, run behind the epoch check (fencedScript), so that a job master of
 * an older epoch (a leader that lost office) neither moves the pointer nor overwrites a
 * checkpoint's data. KEYS: latest, ids, the data key; ARGV: id, retained, data prefix, data.
 */
const WRITE_AND_PUBLISH = PUBLISH.replace("redis.call('SET', KEYS[1], id)", "redis.call('SET', KEYS[3], ARGV[4])\nredis.call('SET', KEYS[1], id)");

/** A finished job's mark, as read back from Redis. */
const FinishedMarkCodec = t.type({ epoch: t.number, at: t.number });

/** Marks a job over instances finished (run fenced: KEYS[1] the mark, ARGV[1] its text). */
const MARK_FINISHED = `redis.call('SET', KEYS[1], ARGV[1])
return 1`;

/** Reads the pointer and the checkpoint it names in one atomic step. */
const READ_LATEST = `
local id = redis.call('GET', KEYS[1])
if not id then return nil end
return { id, redis.call('GET', ARGV[1] .. id) }`;

/**
 * The add in progress by job key space: adds of one job run one after the other, so the
 * order of completion is the order of the coordinator's calls.
 */
const addsInProgress = new Map<string, Promise<void>>();

/** A job's completed checkpoints in Redis (see the module comment); read one with `checkpointedState`. */
export class RedisCheckpointStore implements CheckpointStore {
  readonly description: string;
  private readonly base: string;

  /** Set for a job over instances: completions are written only under the job master's epoch (see fence). */
  private fencing: (() => StateFencing) | undefined;

  constructor(private readonly location: RedisStorageLocation, readonly jobId: string, private readonly retained: number) {
    this.base = `${location.prefix}:${jobId}`;
    this.description = `${redactUrl(location.url)} (keys ${this.base}:chk:*)`;
  }

  /** One operation on a connection of its own, bounded by the location's operationTimeoutMs. */
  private withRedis<T>(f: (redis: Redis) => Promise<T>): Promise<T> {
    return withRedis(this.location.url, f, { operationTimeoutMs: this.location.operationTimeoutMs });
  }

  private get latestKey(): string {
    return `${this.base}:chk:latest`;
  }
  /** The sorted set of the retained checkpoint ids (incremental snapshots keep what these reference). */
  get idsKey(): string {
    return `${this.base}:chk:ids`;
  }

  /** The server and database the checkpoints are in (without the query). */
  get url(): string {
    return this.location.url;
  }
  private get dataPrefix(): string {
    return `${this.base}:chk:`;
  }

  /** Step 1 of completion: the checkpoint's data, stored but not yet the latest. */
  async writeData(checkpoint: CompletedCheckpoint): Promise<void> {
    await this.withRedis((redis) => redis.set(`${this.dataPrefix}${checkpoint.id}`, encodeCompletedCheckpoint(checkpoint)));
  }

  /** Step 2: the one atomic command that makes checkpoint `id` the latest. */
  async publish(id: CheckpointId): Promise<void> {
    await this.withRedis((redis) => redis.eval(PUBLISH, 2, this.latestKey, this.idsKey, String(id), String(this.retained), this.dataPrefix));
  }

  /**
   * From now on a completion writes only while the job's epoch (at `epochKey`, in this Redis
   * database) is the one `fencing` gives: the leader's job master over instances, whose epoch
   * moves with each assignment. A refused completion rejects with a FencedStateWriteError.
   */
  fence(fencing: () => StateFencing): void {
    this.fencing = fencing;
  }

  /** Completes a checkpoint: its data, then the pointer to it, atomically; older ones beyond the retained number go. */
  async add(checkpoint: CompletedCheckpoint): Promise<void> {
    const space = `${this.location.url} ${this.base}`;
    const previous = addsInProgress.get(space) ?? Promise.resolve();
    const fencing = this.fencing?.();
    const dataKey = `${this.dataPrefix}${checkpoint.id}`;
    const done = previous.then(() =>
      this.withRedis(async (redis) => {
        if (fencing !== undefined) {
          const args = [String(fencing.epoch), String(checkpoint.id), String(this.retained), this.dataPrefix, encodeCompletedCheckpoint(checkpoint)];
          await redis.eval(fencedScript(WRITE_AND_PUBLISH), 4, fencing.epochKey, this.latestKey, this.idsKey, dataKey, ...args).catch((e: unknown) => {
            throw fencedRefusal(e, redactUrl(this.location.url)) ?? e;
          });
          return;
        }
        await redis.set(dataKey, encodeCompletedCheckpoint(checkpoint));
        await redis.eval(PUBLISH, 2, this.latestKey, this.idsKey, String(checkpoint.id), String(this.retained), this.dataPrefix);
      }),
    );
    // The next add waits for this one whether it succeeds or not; its failure is the caller's.
    const tail = done.catch(() => undefined);
    addsInProgress.set(space, tail);
    try {
      await done;
    } finally {
      if (addsInProgress.get(space) === tail) addsInProgress.delete(space);
    }
  }

  async latest(): Promise<Either<string, CompletedCheckpoint | undefined>> {
    const answer = (await this.withRedis((redis) => redis.eval(READ_LATEST, 1, this.latestKey, this.dataPrefix))) as [string, string | null] | null;
    if (answer === null) return right(undefined);
    const [id, text] = answer;
    if (!/^\d+$/.test(id)) return left(`${this.latestKey} does not hold a checkpoint id: '${id.slice(0, 40)}'`);
    if (text === null) return left(`checkpoint ${id} named by ${this.latestKey} is missing from Redis (was the data evicted or flushed?)`);
    return decodeCompletedCheckpoint(text, `${id} at ${this.dataPrefix}${id}`);
  }

  async ids(): Promise<CheckpointId[]> {
    const ids = await this.withRedis((redis) => redis.zrange(this.idsKey, '0', '-1'));
    return ids.map((id) => Number(id) as CheckpointId);
  }

  async saveSourceProgress(task: string, position: unknown): Promise<void> {
    await this.withRedis((redis) => redis.hset(`${this.base}:progress`, task, JSON.stringify(position ?? null)));
  }

  async sourceProgress(): Promise<Either<string, ReadonlyMap<string, unknown>>> {
    const saved = await this.withRedis((redis) => redis.hgetall(`${this.base}:progress`));
    const out = new Map<string, unknown>();
    for (const [task, text] of Object.entries(saved)) {
      try {
        out.set(task, JSON.parse(text) as unknown);
      } catch (e) {
        return left(`source progress of ${task} in ${this.base}:progress is not JSON: ${(e as Error).message}`);
      }
    }
    return right(out);
  }

  /**
   * Where a job over instances (fenced) records that it finished, before its checkpoints go: a
   * leader that takes office later finds it and ends the job on every instance instead of
   * running it again from its beginning (it would repeat its output).
   */
  get finishedKey(): string {
    return `${this.base}:finished`;
  }

  /** When a job over instances finished (its master's mark), if it did. */
  async finished(): Promise<{ readonly epoch: number; readonly at: number } | undefined> {
    const text = await this.withRedis((redis) => redis.get(this.finishedKey));
    if (text === null) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${this.finishedKey} does not hold a finished mark: ${(e as Error).message}`);
    }
    const mark = FinishedMarkCodec.decode(json);
    if (isLeft(mark)) throw new Error(`${this.finishedKey} does not hold a finished mark: ${PathReporter.report(mark).join('; ')}`);
    return mark.right;
  }

  /** Drops the job's checkpoints and saved source progress (its keyed state is left alone); fenced, marks the job finished first. */
  async discardAll(): Promise<void> {
    const fencing = this.fencing?.();
    if (fencing !== undefined) {
      // Only the master of the job's epoch marks it: a zombie's finish marks nothing and discards nothing.
      await this.withRedis((redis) =>
        redis.eval(fencedScript(MARK_FINISHED), 2, fencing.epochKey, this.finishedKey, String(fencing.epoch), JSON.stringify({ epoch: fencing.epoch, at: Date.now() })).catch((e: unknown) => {
          throw fencedRefusal(e, redactUrl(this.location.url)) ?? e;
        }),
      );
    }
    await this.withRedis(async (redis) => {
      // The pointer first, as in the file store: a discard cut short leaves no checkpoint, never a dangling pointer.
      await redis.unlink(this.latestKey);
      const keys = await scanKeys(redis, `${this.base}:chk:*`);
      keys.push(`${this.base}:progress`);
      for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
    });
  }
}
