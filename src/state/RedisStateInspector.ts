/**
 * Reading a job's keyed state from outside the job: a key's state from the Redis working area
 * (as of the last flush: the last checkpoint, the end of the job, or an eviction since), and
 * listing or dropping a job's keys. From the latest completed checkpoint of any store:
 * checkpoint/checkpointedState.ts.
 *
 * @example
 * const inspector = new RedisStateInspector('redis://127.0.0.1:6379', 'sluice');
 * const count = await inspector.readState('orders-job', 'count-per-key', new ValueStateDescriptor('count', Serializers.number), 'user-1');
 * await inspector.dropJob('orders-job');
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import type Redis from 'ioredis';
import { keyGroupHashKey, parseStateField, stateField } from './redisKeyLayout';
import { AnyStateDescriptor } from './StateDescriptor';
import { entryCodecFor } from './entryCodec';
import { DEFAULT_MAX_PARALLELISM, keyGroupOfKeyString } from './keyGroups';
import { Key, keyFromString, keyToString } from './keyHash';
import { RedisConnectionOptions, scanKeys, withRedis } from './redisConnection';

/** The value a state holds for one key, by kind: a value, an array (list) or a Map (map). */
export type InspectedValue = unknown;

/**
 * Reads (and drops) the keyed state jobs keep in Redis under a key prefix, from outside the jobs: `new
 * RedisStateInspector('redis://127.0.0.1:6379/0', 'sluice')`.
 */
export class RedisStateInspector {
  /** `connection`: its bound on reaching Redis and on each command (a command line waits less than a job). */
  constructor(
    private readonly url: string,
    private readonly keyPrefix: string,
    private readonly maxParallelism = DEFAULT_MAX_PARALLELISM,
    private readonly connection: RedisConnectionOptions = {},
  ) {}

  private run<T>(f: (redis: Redis) => Promise<T>): Promise<T> {
    return withRedis(this.url, f, this.connection);
  }

  /** Ids of the jobs with keys under the prefix. */
  async jobs(): Promise<string[]> {
    const keys = await this.run((r) => scanKeys(r, `${this.keyPrefix}:*`));
    return [...new Set(keys.map((k) => k.slice(this.keyPrefix.length + 1).split(':')[0]))].sort();
  }

  /** Every key of a job: keyed state hashes, checkpoints, saved source progress. */
  async keysOf(jobId: string): Promise<string[]> {
    return (await this.run((r) => scanKeys(r, `${this.keyPrefix}:${jobId}:*`))).sort();
  }

  /** Uids of the operators with keyed state in Redis. */
  async operators(jobId: string): Promise<string[]> {
    const keys = await this.run((r) => scanKeys(r, `${this.keyPrefix}:${jobId}:*:kg:*`));
    const head = `${this.keyPrefix}:${jobId}:`;
    return [...new Set(keys.map((k) => k.slice(head.length, k.lastIndexOf(':kg:'))))].sort();
  }

  /** A key's state in the working area; Right(undefined) when the key has none. */
  async readState(jobId: string, operatorUid: string, descriptor: AnyStateDescriptor, key: Key): Promise<Either<string, InspectedValue | undefined>> {
    const keyString = keyToString(key);
    const hash = keyGroupHashKey(this.keyPrefix, jobId, operatorUid, keyGroupOfKeyString(keyString, this.maxParallelism));
    const text = await this.run((r) => r.hget(hash, stateField(descriptor.name, keyString)));
    if (text === null) return right(undefined);
    const decoded = entryCodecFor(descriptor).decode(text);
    return isLeft(decoded) ? left(`state '${descriptor.name}' of key ${keyString} in ${hash}: ${decoded.left}`) : right(decoded.right);
  }

  /** Every key's state in the working area, for one state of one operator. */
  async entries(jobId: string, operatorUid: string, descriptor: AnyStateDescriptor): Promise<Either<string, Array<[Key, InspectedValue]>>> {
    const codec = entryCodecFor(descriptor);
    const out: Array<[Key, InspectedValue]> = [];
    const hashes = await this.run(async (r) => {
      const p = r.pipeline();
      for (let kg = 0; kg < this.maxParallelism; kg++) p.hgetall(keyGroupHashKey(this.keyPrefix, jobId, operatorUid, kg));
      return ((await p.exec()) ?? []).map(([e, v]) => {
        if (e !== null) throw e;
        return v as Record<string, string>;
      });
    });
    for (const hash of hashes) {
      for (const [field, text] of Object.entries(hash)) {
        const parsed = parseStateField(field);
        if (parsed === undefined || parsed.state !== descriptor.name) continue;
        const decoded = codec.decode(text);
        if (isLeft(decoded)) return left(`state '${descriptor.name}' of key ${parsed.keyString}: ${decoded.left}`);
        out.push([keyFromString(parsed.keyString), decoded.right]);
      }
    }
    return right(out);
  }

  /** Deletes every key of the job (state, checkpoints, progress); returns how many there were. */
  async dropJob(jobId: string): Promise<number> {
    return this.run(async (r) => {
      const keys = await scanKeys(r, `${this.keyPrefix}:${jobId}:*`);
      for (let i = 0; i < keys.length; i += 500) await r.unlink(...keys.slice(i, i + 500));
      return keys.length;
    });
  }
}
