/**
 * When a job's Redis keyed state snapshots incrementally (state/incrementalSnapshots.ts): when
 * its checkpoints are stored in that same Redis database, and then a finished job's discarded
 * checkpoints take their pieces with them.
 */
import { CheckpointStore } from './CheckpointStore';
import { RedisCheckpointStore } from './RedisCheckpointStore';
import { dropSnapshotPieces } from '../state/incrementalSnapshots';
import { sameRedisDatabase, withRedis } from '../state/redisConnection';

/**
 * Incremental snapshots need the checkpoints in the state's own Redis database: the pieces are
 * then exactly as durable as the checkpoints referencing them (a Redis restarted without its
 * data loses both, and the job starts afresh; a Redis with AOF keeps both). With checkpoints
 * elsewhere (memory, file, another Redis), snapshots carry the state itself, as before.
 * Returns the backend's setting, and the store to use: the same one, whose `discardAll` (a
 * finished job) also drops the pieces.
 */
export function incrementalSnapshotsFor(
  state: { readonly url: string; readonly keyPrefix: string; readonly operationTimeoutMs?: number },
  jobId: string,
  store: CheckpointStore,
): { readonly incremental: { readonly checkpointIds: string } | undefined; readonly store: CheckpointStore } {
  if (!(store instanceof RedisCheckpointStore) || !sameRedisDatabase(state.url, store.url)) return { incremental: undefined, store };
  const discardAll = async () => {
    await store.discardAll();
    await withRedis(state.url, (redis) => dropSnapshotPieces(redis, state.keyPrefix, jobId), { operationTimeoutMs: state.operationTimeoutMs });
  };
  const withPieces: CheckpointStore = {
    description: store.description,
    add: (c) => store.add(c),
    latest: () => store.latest(),
    ids: () => store.ids(),
    saveSourceProgress: (task, position) => store.saveSourceProgress(task, position),
    sourceProgress: () => store.sourceProgress(),
    discardAll,
  };
  return { incremental: { checkpointIds: store.idsKey }, store: withPieces };
}
