/**
 * Turns the incremental keyed state of a checkpoint (chains of pieces in Redis,
 * state/incrementalSnapshots.ts) into the state itself, as entries: what a savepoint holds, so that
 * it is independent of the Redis it was taken from. Reads each chain's pieces in order, full
 * copy first, then each delta's changed entries and deletions, as RESTORE_CHAIN applies them.
 */
import type Redis from 'ioredis';
import { CompletedCheckpoint, NodeSnapshot, TaskSnapshot } from './CheckpointTypes';
import { KeyedStateSnapshot } from '../state/KeyedStateBackend';
import { RedisStateHandle } from '../state/incrementalSnapshots';
import { addEntry, keyGroupHashOf, pieceDeletesKey, pieceKey } from '../state/redisKeyLayout';
import { withRedis } from '../state/redisConnection';

/**
 * The checkpoint with every Redis handle replaced by the entries it references. The pieces must
 * still be there: called before the tasks hear the checkpoint's outcome (their pending snapshot
 * keeps its pieces from retention).
 */
export async function materializeIncremental(url: string, checkpoint: CompletedCheckpoint): Promise<CompletedCheckpoint> {
  if (!checkpoint.tasks.some((t) => Object.values(t.nodes).some((n) => n.keyed?.redis !== undefined))) return checkpoint;
  return withRedis(url, async (redis) => {
    const tasks: TaskSnapshot[] = [];
    for (const task of checkpoint.tasks) {
      const nodes: Record<string, NodeSnapshot> = {};
      for (const [uid, node] of Object.entries(task.nodes)) {
        nodes[uid] = node.keyed?.redis === undefined ? node : { ...node, keyed: await entriesOf(redis, node.keyed.redis, node.keyed) };
      }
      tasks.push({ ...task, nodes });
    }
    return { ...checkpoint, tasks };
  });
}

async function entriesOf(redis: Redis, handle: RedisStateHandle, snapshot: KeyedStateSnapshot): Promise<KeyedStateSnapshot> {
  const keyGroups: Record<string, Record<string, Array<readonly [string, string]>>> = {};
  for (const [kg, states] of Object.entries(snapshot.keyGroups)) keyGroups[kg] = Object.fromEntries(Object.entries(states).map(([s, e]) => [s, [...e]]));
  for (const [kg, chain] of Object.entries(handle.chains)) {
    const hash = keyGroupHashOf(handle.space, kg);
    const pipeline = redis.pipeline();
    for (const name of chain) pipeline.hgetall(pieceKey(hash, name)).smembers(pieceDeletesKey(hash, name));
    const results = await pipeline.exec();
    const fields = new Map<string, string>();
    chain.forEach((name, i) => {
      const [setError, set] = results![2 * i];
      const [delError, gone] = results![2 * i + 1];
      if (setError !== null || delError !== null) throw setError ?? delError!;
      const entries = Object.entries(set as Record<string, string>);
      // Invariant: a chain starts with a full copy, and a state has entries, so its first piece is not empty.
      if (i === 0 && entries.length === 0) throw new Error(`snapshot piece ${pieceKey(hash, name)} is missing from Redis`);
      for (const [f, v] of entries) fields.set(f, v);
      for (const f of gone as string[]) fields.delete(f);
    });
    for (const [field, text] of fields) addEntry(keyGroups, kg, field, text);
  }
  return { keyGroups };
}
