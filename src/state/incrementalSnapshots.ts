/**
 * Incremental snapshots of the Redis backend: what a checkpoint stores when its keyed state
 * stays in Redis. Each key group's snapshot is a chain of pieces, server-side copies next to
 * the working hash: a full copy, then deltas holding only the entries changed or deleted since
 * the previous link. A checkpoint references the chains; nothing of the state itself travels
 * through the process, at checkpoints or at restore. The layout is in redisKeyLayout.ts, the
 * scripts in redisSnapshotScripts.ts, the strategy in RedisIncrementalSnapshotStrategy.ts;
 * here is what a checkpoint holds of it (when a job uses it: checkpoint/incrementalCheckpoints.ts).
 *
 * Every piece is written together with the chain that names it (one script), so the `chains`
 * hash knows every piece; retention deletes the pieces that no kept chain names (one script).
 */
import * as t from 'io-ts';
import type Redis from 'ioredis';
import { scanKeys } from './redisConnection';

/**
 * A delta chain longer than this is replaced by a full copy: restore applies the links one by
 * one, and each checkpoint records the chain, so a bound keeps both short when changes are few.
 */
export const MAX_CHAIN_LENGTH = 16;

/** How a checkpoint of the Redis backend references its key groups: by chain of pieces. */
export const RedisStateHandleCodec = t.readonly(
  t.intersection([
    t.type({
      /** `<keyPrefix>:<jobId>:<operatorUid>`: where the pieces are (a restore checks it is its own). */
      space: t.string,
      /** Key group -> piece names, full copy first; a key group without state has no chain. */
      chains: t.readonly(t.record(t.string, t.readonlyArray(t.string))),
    }),
    t.partial({
      /**
       * The states with entries in the chains, sorted, as the backend counted them at the
       * snapshot (no state is read for it), so that a restore can tell which states a
       * checkpoint holds without reading Redis (restoreAssignment.ts, retiredStateIn).
       * Absent from checkpoints taken before it was added (December 2026): their states are unknown.
       */
      states: t.readonlyArray(t.string),
      /**
       * States a restore deletes from the rebuilt hashes, server-side (RESTORE_CHAIN_SCRIPT):
       * set only on the way to a restore allowed to drop retired state (withoutRetiredState),
       * never by a snapshot.
       */
      dropOnRestore: t.readonlyArray(t.string),
    }),
  ]),
);
export type RedisStateHandle = t.TypeOf<typeof RedisStateHandleCodec>;

/**
 * Deletes every snapshot piece and chain of a job's operators, for when its checkpoints are
 * discarded (a finished job): nothing references them then.
 */
export async function dropSnapshotPieces(redis: Redis, keyPrefix: string, jobId: string): Promise<number> {
  const keys = [...(await scanKeys(redis, `${keyPrefix}:${jobId}:*:kg:*:snap:*`)), ...(await scanKeys(redis, `${keyPrefix}:${jobId}:*:kg:*:chains`))];
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  return keys.length;
}
