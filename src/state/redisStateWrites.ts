/**
 * Every command by which the Redis backend changes Redis, queued on a pipeline or transaction:
 * the working hashes' writes, the snapshot pieces, their chains, restore and retention. Plain
 * commands for a job in one process; for an instance of a job over many processes, each one a
 * script that first checks the job's epoch (redisFencing.ts), so that no write of a zombie is
 * applied. A pipeline is not atomic: its fenced writes that ran before the epoch moved are
 * applied, the rest refused, and the first refusal fails the pipeline (RedisStateIO.exec).
 */
import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import { DEL_SCRIPT, HDEL_SCRIPT, HSET_SCRIPT, StateFencing, fencedScript } from './redisFencing';
import { PRUNE_SCRIPT, RESTORE_CHAIN_SCRIPT, TAKE_PIECE_SCRIPT } from './redisSnapshotScripts';

export type Pipeline = ChainableCommander;
type Args = ReadonlyArray<string | number>;

/** The backend's writes, queued on a pipeline or a transaction. */
export interface StateWrites {
  /** The epoch its writes are fenced by; undefined when they are not. */
  readonly fencing: StateFencing | undefined;
  /** HSET `hash` of `pairs` (field, value, field, value, …). */
  hset(pipeline: Pipeline, hash: string, pairs: readonly string[]): void;
  /** HDEL `hash` of `fields`. */
  hdel(pipeline: Pipeline, hash: string, fields: readonly string[]): void;
  /** DEL `keys`. */
  del(pipeline: Pipeline, keys: readonly string[]): void;
  /** The snapshot scripts (redisSnapshotScripts.ts), with their keys and arguments. */
  takePiece(pipeline: Pipeline, keys: readonly string[], args: Args): void;
  restoreChain(pipeline: Pipeline, keys: readonly string[], args: Args): void;
  prune(pipeline: Pipeline, keys: readonly string[], args: Args): void;
}

/** Script name -> Lua body; each is defined plain (keys counted in the call) and fenced. */
const SCRIPTS = {
  Hset: HSET_SCRIPT,
  Hdel: HDEL_SCRIPT,
  Del: DEL_SCRIPT,
  TakePiece: TAKE_PIECE_SCRIPT,
  RestoreChain: RESTORE_CHAIN_SCRIPT,
  PruneSnapshots: PRUNE_SCRIPT,
} as const;
type ScriptName = keyof typeof SCRIPTS;

/** Defines the scripts on `client` (EVALSHA, falling back to EVAL) and returns the writes, fenced when `fencing` is given. */
export function stateWrites(client: Redis, fencing?: StateFencing): StateWrites {
  for (const [name, body] of Object.entries(SCRIPTS)) {
    // The number of keys is the first argument of each call.
    client.defineCommand(`sluice${name}`, { lua: body });
    client.defineCommand(`sluiceFenced${name}`, { lua: fencedScript(body) });
  }
  return fencing === undefined ? plainWrites : fencedWrites(fencing);
}

/** Calls script `name` on the pipeline: one flat argument list, numkeys first (ioredis flattens it). */
function script(pipeline: Pipeline, name: string, keys: readonly string[], args: Args): void {
  (pipeline as unknown as Record<string, (all: Args) => unknown>)[name]([keys.length, ...keys, ...args]);
}

const plainWrites: StateWrites = {
  fencing: undefined,
  hset: (pipeline, hash, pairs) => void pipeline.call('hset', [hash, ...pairs]),
  hdel: (pipeline, hash, fields) => void pipeline.call('hdel', [hash, ...fields]),
  del: (pipeline, keys) => void pipeline.call('del', [...keys]),
  takePiece: (pipeline, keys, args) => script(pipeline, 'sluiceTakePiece', keys, args),
  restoreChain: (pipeline, keys, args) => script(pipeline, 'sluiceRestoreChain', keys, args),
  prune: (pipeline, keys, args) => script(pipeline, 'sluicePruneSnapshots', keys, args),
};

function fencedWrites(fencing: StateFencing): StateWrites {
  const epoch = String(fencing.epoch);
  const fenced = (name: ScriptName) => (pipeline: Pipeline, keys: readonly string[], args: Args) => script(pipeline, `sluiceFenced${name}`, [fencing.epochKey, ...keys], [epoch, ...args]);
  const hset = fenced('Hset');
  const hdel = fenced('Hdel');
  const del = fenced('Del');
  return {
    fencing,
    hset: (pipeline, hash, pairs) => hset(pipeline, [hash], pairs),
    hdel: (pipeline, hash, fields) => hdel(pipeline, [hash], fields),
    del: (pipeline, keys) => del(pipeline, keys, []),
    takePiece: fenced('TakePiece'),
    restoreChain: fenced('RestoreChain'),
    prune: fenced('PruneSnapshots'),
  };
}
