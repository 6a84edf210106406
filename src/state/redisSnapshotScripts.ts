/**
 * The Lua scripts of the Redis backend's incremental snapshots (RedisIncrementalSnapshotStrategy.ts),
 * run server-side so that state never travels through the process at checkpoints or restore,
 * and the io-ts codecs of their replies: a reply of another shape is refused, naming the
 * script, instead of being read as something it is not. Key layout: redisKeyLayout.ts. They are
 * defined on a client, plain or fenced by epoch, and called through redisStateWrites.ts.
 */
import { absurd } from 'fp-ts/function';
import { Either, left, right, isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';

/**
 * Takes key group's piece `name` (ARGV[1]) on top of the base chain (ARGV[2], comma-separated,
 * '' for none). A full copy (COPY, server-side) when there is no base, when the chain would
 * exceed ARGV[4] links, or when the base's deltas (ARGV[3] entries) plus this one would hold as
 * many entries as the key group has: past that point a copy is smaller to keep and faster to
 * restore. ARGV[3] = -1 asks for a full copy (the caller told it from its own counts and sent
 * no field names). Otherwise a delta with the changed fields (ARGV[5..]): their value, or their
 * deletion, read and written a thousand fields per command (HMGET, HSET, SADD), not one. Records the chain under the name. Returns 'full', 'delta' or 'empty' (no state).
 * KEYS: working hash, chains hash, piece, piece deletes.
 */
export const TAKE_PIECE_SCRIPT = `
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
for i = 5, #ARGV, 1000 do
  local last = math.min(i + 999, #ARGV)
  local values = redis.call('HMGET', work, unpack(ARGV, i, last))
  local set, gone = {}, {}
  for j = 1, #values do
    if values[j] then
      set[#set + 1] = ARGV[i + j - 1]
      set[#set + 1] = values[j]
    else
      gone[#gone + 1] = ARGV[i + j - 1]
    end
  end
  if #set > 0 then redis.call('HSET', piece, unpack(set)) end
  if #gone > 0 then redis.call('SADD', dels, unpack(gone)) end
end
redis.call('HSET', chains, name, base .. ',' .. name)
return 'delta'`;

/**
 * Rebuilds a working hash from a chain: KEYS = working hash, chains hash, then each piece and
 * its deletes set, full copy first. ARGV: the checkpoint restored (recorded as the chain's
 * owner, '' for none), the chain, the states to drop (their encoded names, comma-separated: an
 * encoded name holds no ','; '' for none), then the field prefixes of the pinning states. The
 * entries of the states to drop are deleted from the rebuilt hash (not from the pieces, which
 * the restored checkpoint still names). Fails naming a missing piece. Returns { delta entries
 * in the chain, {state prefix, count, ...} of the states kept, {field, text, ...} of every kept
 * entry of the pinned keys (those with a value in a pinning state), entries dropped }.
 */
export const RESTORE_CHAIN_SCRIPT = `
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
local counts, owners, pinning, drop, dropped = {}, {}, {}, {}, {}
for state in string.gmatch(ARGV[3], '[^,]+') do drop[state] = true end
for i = 4, #ARGV do pinning[ARGV[i]] = true end
for j = 1, #all, 2 do
  local f = all[j]
  local slash = string.find(f, '/', 1, true)
  if slash then
    local state = string.sub(f, 1, slash - 1)
    if drop[state] then
      dropped[#dropped + 1] = f
    else
      counts[state] = (counts[state] or 0) + 1
      if pinning[state .. '/'] then owners[string.sub(f, slash + 1)] = true end
    end
  end
end
for j = 1, #dropped, 1000 do redis.call('HDEL', work, unpack(dropped, j, math.min(j + 999, #dropped))) end
local countList, pinned = {}, {}
for state, n in pairs(counts) do
  countList[#countList + 1] = state
  countList[#countList + 1] = n
end
if next(owners) ~= nil then
  for j = 1, #all, 2 do
    local f = all[j]
    local slash = string.find(f, '/', 1, true)
    if slash and not drop[string.sub(f, 1, slash - 1)] and owners[string.sub(f, slash + 1)] then
      pinned[#pinned + 1] = f
      pinned[#pinned + 1] = all[j + 1]
    end
  end
end
return { weight, countList, pinned, #dropped }`;

/**
 * Retention: KEYS[1] is the checkpoint store's sorted set of retained ids, KEYS[2..] chains
 * hashes; ARGV the names of snapshots still pending (kept too). Deletes every piece that no
 * kept chain names, and the chains of what is not kept. Atomic: a crash never leaves a kept
 * chain with a piece missing.
 */
export const PRUNE_SCRIPT = `
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

/** The chain after taking piece `name` on `base` with the given outcome. */
export function chainAfter(base: readonly string[] | undefined, name: string, kind: PieceKind): readonly string[] {
  switch (kind) {
    case 'full':
      return [name];
    case 'delta':
      return [...(base ?? []), name];
    case 'empty':
      return [];
    default:
      return absurd(kind);
  }
}

const PieceKindCodec = t.keyof({ full: null, delta: null, empty: null });
/** What TAKE_PIECE_SCRIPT answers. */
export type PieceKind = t.TypeOf<typeof PieceKindCodec>;

/** RESTORE_CHAIN_SCRIPT's reply: { weight, {state prefix, count, ...}, {field, text, ...}, entries dropped }. */
const RestoreChainReplyCodec = t.tuple([t.number, t.array(t.union([t.string, t.number])), t.array(t.string), t.number]);

/** What RESTORE_CHAIN_SCRIPT tells of a rebuilt key group. */
export interface RestoredChain {
  /** Entries held by the chain's deltas. */
  readonly weight: number;
  /** Entries per state (by URI-encoded name, as in the fields). */
  readonly counts: ReadonlyArray<readonly [string, number]>;
  /** Every entry of the pinned keys: [field, text]. */
  readonly pinned: ReadonlyArray<readonly [string, string]>;
  /** Entries of the states to drop, deleted from the rebuilt hash. */
  readonly dropped: number;
}

function decodeReply<A, O>(codec: t.Type<A, O, unknown>, script: string, reply: unknown): Either<string, A> {
  const decoded = codec.decode(reply);
  return isLeft(decoded) ? left(`Redis answered ${script} with an unexpected reply: ${PathReporter.report(decoded).join('; ')}`) : right(decoded.right);
}

export function decodeTakePieceReply(reply: unknown): Either<string, PieceKind> {
  return decodeReply(PieceKindCodec, 'the snapshot script', reply);
}

export function decodePruneReply(reply: unknown): Either<string, number> {
  return decodeReply(t.number, 'the retention script', reply);
}

export function decodeRestoreChainReply(reply: unknown): Either<string, RestoredChain> {
  const decoded = decodeReply(RestoreChainReplyCodec, 'the restore script', reply);
  if (isLeft(decoded)) return decoded;
  const [weight, flatCounts, flatPinned, dropped] = decoded.right;
  if (flatCounts.length % 2 !== 0 || flatPinned.length % 2 !== 0) return left('Redis answered the restore script with an unexpected reply: lists of pairs of odd length');
  const counts: Array<readonly [string, number]> = [];
  for (let i = 0; i < flatCounts.length; i += 2) {
    const [name, n] = [flatCounts[i], Number(flatCounts[i + 1])];
    if (typeof name !== 'string' || !Number.isInteger(n)) return left(`Redis answered the restore script with an unexpected count: ${JSON.stringify([name, flatCounts[i + 1]])}`);
    counts.push([name, n]);
  }
  const pinned: Array<readonly [string, string]> = [];
  for (let i = 0; i < flatPinned.length; i += 2) pinned.push([flatPinned[i], flatPinned[i + 1]]);
  return right({ weight, counts, pinned, dropped });
}
