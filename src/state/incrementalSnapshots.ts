/**
 * Incremental snapshots of the Redis backend: what a checkpoint stores when its keyed state
 * stays in Redis. Each key group's snapshot is a chain of pieces, server-side copies next to
 * the working hash: a full copy, then deltas holding only the entries changed or deleted since
 * the previous link. A checkpoint references the chains; nothing of the state itself travels
 * through the process, at checkpoints or at restore. Layout (docs/redis.md):
 *
 *   <kg hash>:snap:<name>        hash: a piece, full (the first of a chain) or the changed entries of a delta
 *   <kg hash>:snap:<name>:del    set: fields a delta deletes
 *   <kg hash>:chains             hash: checkpoint (or pending snapshot) name -> its chain, comma-separated piece names
 *
 * Every piece is written together with the chain that names it (one script), so the `chains`
 * hash knows every piece; retention deletes the pieces that no kept chain names (one script).
 */
import type Redis from 'ioredis';
import { CheckpointStore } from '../checkpoint/CheckpointStore';
import { RedisCheckpointStore, scanKeys } from '../checkpoint/RedisCheckpointStore';
import { sameRedisDatabase, withRedis } from './redisConnection';

/**
 * A delta chain longer than this is replaced by a full copy: restore applies the links one by
 * one, and each checkpoint records the chain, so a bound keeps both short when changes are few.
 */
export const MAX_CHAIN_LENGTH = 16;

/** How a checkpoint of the Redis backend references its key groups: by chain of pieces. */
export interface RedisStateHandle {
  /** `<keyPrefix>:<jobId>:<operatorUid>`: where the pieces are (a restore checks it is its own). */
  readonly space: string;
  /** Key group -> piece names, full copy first; a key group without state has no chain. */
  readonly chains: { readonly [keyGroup: string]: readonly string[] };
}

/** Piece names are checkpoint ids or `f<token>` (a final snapshot): no separator, nothing to escape. */
export const PIECE_NAME = /^[A-Za-z0-9]{1,64}$/;

export const pieceKey = (kgHash: string, name: string) => `${kgHash}:snap:${name}`;
export const pieceDeletesKey = (kgHash: string, name: string) => `${kgHash}:snap:${name}:del`;
export const chainsKey = (kgHash: string) => `${kgHash}:chains`;

/**
 * Takes key group's piece `name` (ARGV[1]) on top of the base chain (ARGV[2], comma-separated,
 * '' for none). A full copy (COPY, server-side) when there is no base, when the chain would
 * exceed ARGV[4] links, or when the base's deltas (ARGV[3] entries) plus this one would hold as
 * many entries as the key group has: past that point a copy is smaller to keep and faster to
 * restore. ARGV[3] = -1 asks for a full copy (the caller told it from its own counts and sent
 * no field names). Otherwise a delta with the changed fields (ARGV[5..]): their value, or their
 * deletion. Records the chain under the name. Returns 'full', 'delta' or 'empty' (no state).
 * KEYS: working hash, chains hash, piece, piece deletes.
 */
const TAKE_PIECE = `
local work, chains, piece, dels = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local name, base = ARGV[1], ARGV[2]
redis.call('DEL', piece, dels)
local changed = #ARGV - 4
local size = redis.call('HLEN', work)
local links = 0
if base ~= '' then links = select(2, string.gsub(base, ',', ',')) + 1 end
if base == '' or tonumber(ARGV[3]) < 0 or links + 1 > tonumber(ARGV[4]) or tonumber(ARGV[3]) + changed >= size then
  if size == 0 then
    redis.call('HDEL', chains, name)
    return 'empty'
  end
  redis.call('COPY', work, piece)
  redis.call('HSET', chains, name, name)
  return 'full'
end
for i = 5, #ARGV do
  local v = redis.call('HGET', work, ARGV[i])
  if v then redis.call('HSET', piece, ARGV[i], v) else redis.call('SADD', dels, ARGV[i]) end
end
redis.call('HSET', chains, name, base .. ',' .. name)
return 'delta'`;

/**
 * Rebuilds a working hash from a chain: KEYS = working hash, chains hash, then each piece and
 * its deletes set, full copy first. ARGV: the checkpoint restored (recorded as the chain's
 * owner, '' for none), the chain, the timer state's field prefix. Fails naming a missing
 * piece. Returns { delta entries in the chain, {state prefix, count, ...}, {field, text, ...}
 * of every entry of the keys that own timers }.
 */
const RESTORE_CHAIN = `
local work, chains = KEYS[1], KEYS[2]
redis.call('DEL', work)
local weight = 0
for i = 3, #KEYS, 2 do
  local piece, dels = KEYS[i], KEYS[i + 1]
  if i == 3 then
    if redis.call('COPY', piece, work) == 0 then return redis.error_reply('snapshot piece ' .. piece .. ' is missing from Redis') end
  else
    if redis.call('EXISTS', piece, dels) == 0 then return redis.error_reply('snapshot piece ' .. piece .. ' is missing from Redis') end
    local set = redis.call('HGETALL', piece)
    for j = 1, #set, 1000 do redis.call('HSET', work, unpack(set, j, math.min(j + 999, #set))) end
    local gone = redis.call('SMEMBERS', dels)
    for j = 1, #gone, 1000 do redis.call('HDEL', work, unpack(gone, j, math.min(j + 999, #gone))) end
    weight = weight + #set / 2 + #gone
  end
end
if ARGV[1] ~= '' then redis.call('HSET', chains, ARGV[1], ARGV[2]) end
local all = redis.call('HGETALL', work)
local counts, owners = {}, {}
local timers = ARGV[3]
for j = 1, #all, 2 do
  local f = all[j]
  local slash = string.find(f, '/', 1, true)
  if slash then
    local state = string.sub(f, 1, slash - 1)
    counts[state] = (counts[state] or 0) + 1
    if state .. '/' == timers then owners[string.sub(f, slash + 1)] = true end
  end
end
local countList, pinned = {}, {}
for state, n in pairs(counts) do
  countList[#countList + 1] = state
  countList[#countList + 1] = n
end
if next(owners) ~= nil then
  for j = 1, #all, 2 do
    local f = all[j]
    local slash = string.find(f, '/', 1, true)
    if slash and owners[string.sub(f, slash + 1)] then
      pinned[#pinned + 1] = f
      pinned[#pinned + 1] = all[j + 1]
    end
  end
end
return { weight, countList, pinned }`;

/**
 * Retention: KEYS[1] is the checkpoint store's sorted set of retained ids, KEYS[2..] chains
 * hashes; ARGV the names of snapshots still pending (kept too). Deletes every piece that no
 * kept chain names, and the chains of what is not kept. Atomic: a crash never leaves a kept
 * chain with a piece missing.
 */
const PRUNE = `
local keep = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do keep[id] = true end
for i = 1, #ARGV do keep[ARGV[i]] = true end
local deleted = 0
for k = 2, #KEYS do
  local chains = KEYS[k]
  local hash = string.sub(chains, 1, #chains - 7)
  local fields = redis.call('HGETALL', chains)
  local live, drop = {}, {}
  for j = 1, #fields, 2 do
    if keep[fields[j]] then
      for p in string.gmatch(fields[j + 1], '[^,]+') do live[p] = true end
    else
      drop[#drop + 1] = j
    end
  end
  for _, j in ipairs(drop) do
    for p in string.gmatch(fields[j + 1], '[^,]+') do
      if not live[p] then
        live[p] = true
        deleted = deleted + redis.call('DEL', hash .. ':snap:' .. p, hash .. ':snap:' .. p .. ':del')
      end
    end
    redis.call('HDEL', chains, fields[j])
  end
end
return deleted`;

type Args = Array<string | number>;
/** The scripts, as ioredis defines them on a client (EVALSHA, falling back to EVAL). */
export interface SnapshotScripts {
  sluiceTakePiece(...args: Args): unknown;
  sluiceRestoreChain(...args: Args): unknown;
  sluicePruneSnapshots(...args: Args): unknown;
}

export function defineSnapshotScripts(client: Redis): void {
  client.defineCommand('sluiceTakePiece', { numberOfKeys: 4, lua: TAKE_PIECE });
  client.defineCommand('sluiceRestoreChain', { lua: RESTORE_CHAIN });
  client.defineCommand('sluicePruneSnapshots', { lua: PRUNE });
}

/** What TAKE_PIECE answers. */
export type PieceKind = 'full' | 'delta' | 'empty';

/** The chain after taking piece `name` on `base` with the given outcome. */
export function chainAfter(base: readonly string[] | undefined, name: string, kind: PieceKind): readonly string[] {
  switch (kind) {
    case 'full':
      return [name];
    case 'delta':
      return [...(base ?? []), name];
    case 'empty':
      return [];
  }
}

/**
 * The fields changed since the base snapshot, by key group, cut into epochs at each snapshot
 * taken and not yet completed: snapshot n's delta is the union of the epochs up to n. When n
 * completes, its epochs are in the new base and go; when it is aborted, its epoch folds into
 * the next one, so its changes reach the next snapshot.
 */
export class ChangedFields {
  /** The epoch being written: key group -> fields. */
  private current = new Map<number, Set<string>>();
  /** Epochs ended by snapshots still pending, oldest first. */
  private readonly closed: Array<{ readonly id: number; readonly fields: Map<number, Set<string>> }> = [];

  /** The hot path: one field written (called once per entry and epoch). */
  record(keyGroup: number, field: string): void {
    let set = this.current.get(keyGroup);
    if (set === undefined) this.current.set(keyGroup, (set = new Set()));
    set.add(field);
  }

  /** Ends the epoch at snapshot `id`; returns every field changed since the base, by key group. */
  cut(id: number): Map<number, Set<string>> {
    this.closed.push({ id, fields: this.current });
    this.current = new Map();
    if (this.closed.length === 1) return this.closed[0].fields;
    const union = new Map<number, Set<string>>();
    for (const epoch of this.closed) {
      for (const [kg, fields] of epoch.fields) {
        const into = union.get(kg);
        if (into === undefined) union.set(kg, new Set(fields));
        else for (const f of fields) into.add(f);
      }
    }
    return union;
  }

  /** Snapshot `id` completed: what it holds is the base now. */
  completed(id: number): void {
    while (this.closed.length > 0 && this.closed[0].id <= id) this.closed.shift();
  }

  /** Snapshot `id` will never complete: its changes belong to the next epoch. */
  aborted(id: number): void {
    const i = this.closed.findIndex((e) => e.id === id);
    if (i < 0) return;
    const [epoch] = this.closed.splice(i, 1);
    const next = i < this.closed.length ? this.closed[i].fields : this.current;
    for (const [kg, fields] of epoch.fields) {
      const into = next.get(kg);
      if (into === undefined) next.set(kg, fields);
      else for (const f of fields) into.add(f);
    }
  }

  /** Forgets everything (a restore sets a new base). */
  clear(): void {
    this.current = new Map();
    this.closed.length = 0;
  }
}

/**
 * Deletes every snapshot piece and chain of a job's operators, for when its checkpoints are
 * discarded (a finished job): nothing references them then.
 */
export async function dropSnapshotPieces(redis: Redis, keyPrefix: string, jobId: string): Promise<number> {
  const keys = [...(await scanKeys(redis, `${keyPrefix}:${jobId}:*:kg:*:snap:*`)), ...(await scanKeys(redis, `${keyPrefix}:${jobId}:*:kg:*:chains`))];
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  return keys.length;
}

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
