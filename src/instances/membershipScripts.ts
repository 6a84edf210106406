/**
 * The Redis side of membership, leadership and fencing (docs/internals.md, "Instances of one
 * job"): Lua scripts, so that each step is atomic and timed by the server's clock alone (no
 * instance's clock decides whether a lease ran out), and the codecs of their replies. Every key
 * of an application shares the hash tag `{sluice:<applicationId>}`: one Redis Cluster slot, so
 * a script may touch them all.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type Redis from 'ioredis';

/** The keys of one application's membership. */
export interface MembershipKeys {
  /** Sorted set: instance id → the server time (ms) its lease runs out. */
  readonly members: string;
  /** Hash: id, incarnation, expires (server ms) of the leader. */
  readonly leader: string;
  /** Hash: instance id → the incarnation (a token of the process) that holds it: a second process with the same id is refused, and a zombie of an id cannot act for its successor. */
  readonly incarnations: string;
  /** The epoch: bumped when a leader takes office and when it publishes an assignment. Every fenced write names the epoch it runs under. */
  readonly epoch: string;
  /** Hash: epoch, leader, body (the assignment as JSON). */
  readonly assignment: string;
  /** Where fenced writes of the application go: `data(name)`. */
  readonly data: (name: string) => string;
}

export function membershipKeys(applicationId: string): MembershipKeys {
  const tag = `{sluice:${applicationId}}`;
  return {
    members: `${tag}:members`,
    leader: `${tag}:leader`,
    incarnations: `${tag}:incarnations`,
    epoch: `${tag}:epoch`,
    assignment: `${tag}:assignment`,
    data: (name) => `${tag}:data:${name}`,
  };
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * One heartbeat of instance ARGV[1], incarnation ARGV[4], with lease ARGV[2] ms: drops the
 * members whose lease ran out; answers {'taken'} when another incarnation holds the id with a
 * running lease; otherwise renews its own lease, takes the leadership when the leader's lease ran out (bumping the epoch)
 * or renews it when it is the leader, and returns what the instance must know:
 * { leader, epoch, tookOffice 0|1, live members, { assignment epoch, its leader, its body } }
 * (leader and body '' when the assignment's epoch is ARGV[3], the one the instance holds).
 * KEYS: members, leader, epoch, assignment, incarnations.
 */
const HEARTBEAT = `${NOW}
local id, lease, me = ARGV[1], tonumber(ARGV[2]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], id) and redis.call('HGET', KEYS[5], id) ~= me then return {'taken'} end
redis.call('HSET', KEYS[5], id, me)
redis.call('ZADD', KEYS[1], now + lease, id)
local leader = redis.call('HGET', KEYS[2], 'id')
local expires = tonumber(redis.call('HGET', KEYS[2], 'expires') or '0')
local took = 0
if (not leader) or expires <= now then
  leader = id
  redis.call('HSET', KEYS[2], 'id', id, 'incarnation', me, 'expires', now + lease)
  redis.call('INCR', KEYS[3])
  took = 1
elseif leader == id then
  redis.call('HSET', KEYS[2], 'incarnation', me, 'expires', now + lease)
end
local epoch = tonumber(redis.call('GET', KEYS[3]) or '0')
local a = redis.call('HMGET', KEYS[4], 'epoch', 'leader', 'body')
local aEpoch = a[1] or '0'
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(members)
if aEpoch == ARGV[3] then return {leader, epoch, took, members, {aEpoch, '', ''}} end
return {leader, epoch, took, members, {aEpoch, a[2] or '', a[3] or ''}}`;

/**
 * The leader ARGV[1], incarnation ARGV[4], publishes assignment ARGV[3], if it still is the
 * leader, its lease runs and the epoch is still ARGV[2]: bumps the epoch and returns it; 0 when
 * fenced. KEYS: leader, epoch, assignment.
 */
const PUBLISH = `${NOW}
local l = redis.call('HMGET', KEYS[1], 'id', 'incarnation', 'expires')
if l[1] ~= ARGV[1] or l[2] ~= ARGV[4] or tonumber(l[3] or '0') <= now then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
local epoch = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], 'epoch', epoch, 'leader', ARGV[1], 'body', ARGV[3])
return epoch`;

/** SET KEYS[2] ARGV[2] only while the epoch (KEYS[1]) is ARGV[1]: 1 written, 0 refused. */
const FENCED_SET = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1`;

/**
 * Instance ARGV[1], incarnation ARGV[2], leaves: its lease goes, and so does its leadership,
 * so that another takes office at its next heartbeat. Nothing when another incarnation holds
 * the id. KEYS: members, leader, incarnations.
 */
const LEAVE = `if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('HGET', KEYS[2], 'incarnation') == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1`;

export function defineMembershipScripts(redis: Redis): void {
  redis.defineCommand('sluiceHeartbeat', { numberOfKeys: 5, lua: HEARTBEAT });
  redis.defineCommand('sluicePublishAssignment', { numberOfKeys: 3, lua: PUBLISH });
  redis.defineCommand('sluiceFencedSet', { numberOfKeys: 2, lua: FENCED_SET });
  redis.defineCommand('sluiceLeave', { numberOfKeys: 3, lua: LEAVE });
}

type Scripted = Redis & {
  sluiceHeartbeat(...args: (string | number)[]): Promise<unknown>;
  sluicePublishAssignment(...args: (string | number)[]): Promise<unknown>;
  sluiceFencedSet(...args: (string | number)[]): Promise<unknown>;
  sluiceLeave(...args: (string | number)[]): Promise<unknown>;
};

/** What one heartbeat tells an instance (`heartbeat` answers 'idTaken' instead when another live process holds its id). */
export interface Heartbeat {
  readonly leader: string;
  readonly epoch: number;
  /** This heartbeat made the instance the leader (the epoch was bumped). */
  readonly tookOffice: boolean;
  /** The live instances, in name order. */
  readonly members: readonly string[];
  /** The published assignment's epoch (0: none yet), and its leader and body when they are news to the instance. */
  readonly assignmentEpoch: number;
  readonly assignment: { readonly leader: string; readonly body: string } | undefined;
}

const HeartbeatReplyCodec = t.union([t.tuple([t.literal('taken')]), t.tuple([t.string, t.number, t.number, t.array(t.string), t.tuple([t.string, t.string, t.string])])]);

function decodeReply<A>(codec: t.Type<A, unknown>, script: string, reply: unknown): Either<string, A> {
  const decoded = codec.decode(reply);
  return isLeft(decoded) ? left(`Redis answered the ${script} script with an unexpected reply: ${PathReporter.report(decoded).join('; ')}`) : right(decoded.right);
}

/** An instance: its id, and the token of the process that holds it (its incarnation). */
export interface Incarnation {
  readonly id: string;
  readonly token: string;
}

export async function heartbeat(redis: Redis, keys: MembershipKeys, me: Incarnation, leaseMs: number, heldEpoch: number): Promise<Either<string, Heartbeat | 'idTaken'>> {
  const reply = await (redis as Scripted).sluiceHeartbeat(keys.members, keys.leader, keys.epoch, keys.assignment, keys.incarnations, me.id, leaseMs, String(heldEpoch), me.token);
  const decoded = decodeReply(HeartbeatReplyCodec, 'heartbeat', reply);
  if (isLeft(decoded)) return decoded;
  if (decoded.right.length === 1) return right('idTaken');
  const [leader, epoch, took, members, [assignmentEpoch, assignmentLeader, body]] = decoded.right;
  return right({ leader, epoch, tookOffice: took === 1, members, assignmentEpoch: Number(assignmentEpoch), assignment: body === '' ? undefined : { leader: assignmentLeader, body } });
}

/** The new epoch, or 'fenced' when the caller is no longer the leader of `epoch`. */
export async function publishAssignment(redis: Redis, keys: MembershipKeys, leader: Incarnation, epoch: number, body: string): Promise<Either<string, number | 'fenced'>> {
  const decoded = decodeReply(t.number, 'publish', await (redis as Scripted).sluicePublishAssignment(keys.leader, keys.epoch, keys.assignment, leader.id, String(epoch), body, leader.token));
  if (isLeft(decoded)) return decoded;
  return right(decoded.right === 0 ? 'fenced' : decoded.right);
}

/** Writes `value` under the application's `name` if `epoch` is still the job's epoch. */
export async function fencedSet(redis: Redis, keys: MembershipKeys, epoch: number, name: string, value: string): Promise<Either<string, 'written' | 'fenced'>> {
  const decoded = decodeReply(t.number, 'fenced write', await (redis as Scripted).sluiceFencedSet(keys.epoch, keys.data(name), String(epoch), value));
  if (isLeft(decoded)) return decoded;
  return right(decoded.right === 1 ? 'written' : 'fenced');
}

export async function leave(redis: Redis, keys: MembershipKeys, me: Incarnation): Promise<void> {
  await (redis as Scripted).sluiceLeave(keys.members, keys.leader, keys.incarnations, me.id, me.token);
}
