/**
 * Reading a key's state from outside a job, in the latest completed checkpoint of any store
 * (memory, file, Redis): the state a restarted job would start from. Incremental Redis state is
 * read from its chain of pieces (state/incrementalSnapshots.ts); the working area is read by
 * state/RedisStateInspector.ts.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import type Redis from 'ioredis';
import { CheckpointStore } from './CheckpointStore';
import { RedisCheckpointStore } from './RedisCheckpointStore';
import { InspectedValue } from '../state/RedisStateInspector';
import { AnyStateDescriptor } from '../state/StateDescriptor';
import { entryCodecFor } from '../state/entryCodec';
import { foldKeyedSnapshot } from '../state/keyedStateDeltas';
import { DEFAULT_MAX_PARALLELISM, keyGroupOfKeyString } from '../state/keyGroups';
import { Key, keyToString } from '../state/keyHash';
import { keyGroupHashOf, pieceDeletesKey, pieceKey, stateField } from '../state/redisKeyLayout';
import { withRedis } from '../state/redisConnection';

/**
 * A key's state in the latest completed checkpoint of `store` (any store: memory, file,
 * Redis): the state a restarted job would start from. Right(undefined) when the key has none.
 */
export async function checkpointedState(
  store: CheckpointStore,
  operatorUid: string,
  descriptor: AnyStateDescriptor,
  key: Key,
  maxParallelism = DEFAULT_MAX_PARALLELISM,
): Promise<Either<string, InspectedValue | undefined>> {
  const latest = await store.latest();
  if (isLeft(latest)) return latest;
  if (latest.right === undefined) return left(`${store.description} holds no completed checkpoint`);
  const keyString = keyToString(key);
  const kg = String(keyGroupOfKeyString(keyString, maxParallelism));
  for (const task of latest.right.tasks) {
    const handle = task.nodes[operatorUid]?.keyed?.redis;
    const chain = handle?.chains[kg];
    if (handle !== undefined && chain !== undefined) {
      if (!(store instanceof RedisCheckpointStore)) return left(`checkpoint ${latest.right.id} references state pieces in Redis, but ${store.description} is not a Redis store`);
      const text = await withRedis(store.url, (r) => readFromChain(r, keyGroupHashOf(handle.space, kg), chain, stateField(descriptor.name, keyString)));
      if (text === undefined) return right(undefined);
      const decoded = entryCodecFor(descriptor).decode(text);
      return isLeft(decoded) ? left(`state '${descriptor.name}' of key ${keyString} in checkpoint ${latest.right.id}: ${decoded.left}`) : right(decoded.right);
    }
    const keyed = task.nodes[operatorUid]?.keyed;
    const entries = keyed === undefined ? undefined : foldKeyedSnapshot(keyed).keyGroups[kg]?.[descriptor.name];
    const found = entries?.find(([k]) => k === keyString);
    if (found === undefined) continue;
    const decoded = entryCodecFor(descriptor).decode(found[1]);
    return isLeft(decoded) ? left(`state '${descriptor.name}' of key ${keyString} in checkpoint ${latest.right.id}: ${decoded.left}`) : right(decoded.right);
  }
  return right(undefined);
}

/** A field's text in a chain of pieces: the newest link that sets or deletes it decides. */
async function readFromChain(redis: Redis, kgHash: string, chain: readonly string[], field: string): Promise<string | undefined> {
  for (let i = chain.length - 1; i >= 0; i--) {
    const [text, deleted] = await Promise.all([redis.hget(pieceKey(kgHash, chain[i]), field), i === 0 ? 0 : redis.sismember(pieceDeletesKey(kgHash, chain[i]), field)]);
    if (deleted === 1) return undefined;
    if (text !== null) return text;
  }
  return undefined;
}
