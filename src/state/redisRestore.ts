/**
 * Restoring the Redis backend, from either format a checkpoint may hold for it: the state
 * itself (entries, from a full snapshot or the memory backend) or references to incremental
 * pieces in Redis (chains). The owned key groups' hashes are replaced by the snapshots' content
 * in one transaction (a chain is rebuilt server-side, RESTORE_CHAIN_SCRIPT), so that nothing written
 * after the checkpoint survives; the pinned keys' entries come back into the cache. States a
 * chain's handle says to drop (`dropOnRestore`: retired state the user allowed to drop) are
 * deleted from the rebuilt hashes in the same script, and those key groups' next pieces are
 * full copies, so no later checkpoint names a piece that holds them.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import type { CheckpointId } from './CheckpointId';
import { KeyedStateSnapshot } from './KeyedStateBackend';
import { RedisStateIO } from './RedisStateIO';
import { decodeRestoreChainReply } from './redisSnapshotScripts';
import { PIECE_NAME, chainsKey, parseStateField, pieceDeletesKey, pieceKey, stateField } from './redisKeyLayout';
import { WriteBackCache } from './WriteBackCache';

/** Fields per HSET command when restoring, so no single command gets huge. */
const RESTORE_CHUNK = 1000;

/** The base an incremental strategy builds on after a restore. */
export interface RestoredBase {
  /** Key group -> its chain; [] for a group restored empty; absent for a group restored from entries or rebuilt without dropped state (its next piece is full). */
  readonly chains: Map<number, readonly string[]>;
  /** Key group -> entries held by the deltas of its chain. */
  readonly weights: Map<number, number>;
}

export async function restoreRedisState(
  cache: WriteBackCache,
  io: RedisStateIO,
  pinningStates: readonly string[],
  snapshots: readonly KeyedStateSnapshot[],
  checkpointId?: CheckpointId,
): Promise<Either<string, RestoredBase>> {
  const { start, end } = io.range;
  const chains = chainsOf(snapshots, io.space, start, end);
  if (isLeft(chains)) return chains;
  const drop = [...new Set(snapshots.flatMap((s) => s.redis?.dropOnRestore ?? []))].map(encodeURIComponent).join(',');
  const fields = new Map<number, string[]>();
  for (const snapshot of snapshots) {
    for (const [kgText, states] of Object.entries(snapshot.keyGroups)) {
      const kg = Number(kgText);
      if (!Number.isInteger(kg) || kgText.trim() === '') return left(`invalid key group '${kgText}' in snapshot`);
      if (kg < start || kg > end) continue;
      let args = fields.get(kg);
      if (args === undefined) fields.set(kg, (args = []));
      for (const [name, entries] of Object.entries(states)) {
        cache.restoredInStore(name, kg, entries.length, entries.map(([keyString]) => keyString));
        for (const [keyString, text] of entries) args.push(stateField(name, keyString), text);
      }
      restorePinnedEntries(cache, pinningStates, kg, states);
    }
  }
  const base: RestoredBase = { chains: new Map(), weights: new Map() };
  const transaction = io.client.multi();
  const merged = new Map<number, number>();
  const pinningPrefixes = pinningStates.map((name) => stateField(name, ''));
  for (let kg = start; kg <= end; kg++) {
    const hash = io.hashOf(kg);
    const chain = chains.right.get(kg);
    if (chain !== undefined) {
      // Rebuilt server-side from its pieces; the restored checkpoint is recorded as their owner.
      const keys = [hash, chainsKey(hash), ...chain.flatMap((n) => [pieceKey(hash, n), pieceDeletesKey(hash, n)])];
      merged.set(kg, transaction.length);
      io.writes.restoreChain(transaction, keys, [checkpointId === undefined ? '' : String(checkpointId), chain.join(','), drop, ...pinningPrefixes]);
      base.chains.set(kg, chain);
      continue;
    }
    io.writes.del(transaction, [hash]);
    const args = fields.get(kg) ?? [];
    for (let i = 0; i < args.length; i += 2 * RESTORE_CHUNK) io.writes.hset(transaction, hash, args.slice(i, i + 2 * RESTORE_CHUNK));
    // Restored from entries, the group has no pieces: its next snapshot is a full copy.
    if (args.length === 0) base.chains.set(kg, []);
  }
  // A transaction's queue starts with MULTI, which has no result of its own.
  const queued = transaction.length;
  const results = await io.track(io.exec(transaction));
  const skipped = queued - results.length;
  for (const [kg, at] of merged) {
    const reply = decodeRestoreChainReply(results[at - skipped]);
    if (isLeft(reply)) throw io.fail(new Error(reply.left));
    base.weights.set(kg, reply.right.weight);
    // Its pieces still hold the dropped entries: a delta on them would carry them on.
    if (reply.right.dropped > 0) base.chains.delete(kg);
    for (const [encodedName, count] of reply.right.counts) cache.restoredInStore(decodeURIComponent(encodedName), kg, count);
    for (const [field, text] of reply.right.pinned) {
      const parsed = parseStateField(field);
      if (parsed !== undefined) cache.restorePinned(parsed.keyString, kg, parsed.state, text);
    }
  }
  return right(base);
}

/** The chains of the owned key groups, checked: the space must be this backend's, names pieces'. */
function chainsOf(snapshots: readonly KeyedStateSnapshot[], space: string, start: number, end: number): Either<string, Map<number, readonly string[]>> {
  const chains = new Map<number, readonly string[]>();
  for (const snapshot of snapshots) {
    if (snapshot.redis === undefined) continue;
    if (snapshot.redis.space !== space) {
      return left(`the snapshot's state is in Redis under '${snapshot.redis.space}', not '${space}': restore it with the same keyPrefix, jobId and operator uid`);
    }
    for (const [kgText, chain] of Object.entries(snapshot.redis.chains)) {
      const kg = Number(kgText);
      if (!Number.isInteger(kg) || kgText.trim() === '') return left(`invalid key group '${kgText}' in snapshot`);
      const bad = chain.find((n) => !PIECE_NAME.test(n));
      if (bad !== undefined || chain.length === 0) return left(`invalid chain of key group ${kg} in snapshot: ${JSON.stringify(chain).slice(0, 80)}`);
      if (kg >= start && kg <= end) chains.set(kg, chain);
    }
  }
  return right(chains);
}

/** Every entry of the keys with a value in a pinning state, into the cache as pinned. */
function restorePinnedEntries(cache: WriteBackCache, pinningStates: readonly string[], kg: number, states: KeyedStateSnapshot['keyGroups'][string]): void {
  const owners = new Set<string>();
  for (const name of pinningStates) for (const [keyString] of states[name] ?? []) owners.add(keyString);
  if (owners.size === 0) return;
  for (const [name, entries] of Object.entries(states)) {
    for (const [keyString, text] of entries) if (owners.has(keyString)) cache.restorePinned(keyString, kg, name, text);
  }
}
