/**
 * The Redis side of the master↔task-manager link: its keys, the scripts that append to its
 * streams, and the reading of an entry. Every entry carries the stream's next sequence number,
 * given by the script that appends it, so a reader knows when one it had not read is gone.
 */
import { isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type Redis from 'ioredis';
import { fencedRefusal, fencedScript } from '../state/redisFencing';
import { FencedCommandError } from './taskManagerLinkErrors';

/** The keys of one application's link, under the hash tag of its membership keys (one Redis Cluster slot with the epoch). */
export interface LinkKeys {
  /** The job's epoch (membershipKeys' epoch): the master's appends are fenced by it. */
  readonly epoch: string;
  /** Stream of the commands to one instance. */
  commands(instanceId: string): string;
  /** Stream of what every instance says to the master. */
  readonly replies: string;
  /** Hash beside a stream: `seq` (the last given), `trimmedSeq` and `trimmedEpoch` (the last sequence number and the newest epoch trimmed away). */
  meta(stream: string): string;
}

export function linkKeys(applicationId: string): LinkKeys {
  const tag = `{sluice:${applicationId}}`;
  return {
    epoch: `${tag}:epoch`,
    commands: (instanceId) => `${tag}:link:commands:${instanceId}`,
    replies: `${tag}:link:replies`,
    meta: (stream) => `${stream}:meta`,
  };
}

/** Entries a stream keeps by default: beyond, the oldest is trimmed (and a reader that had not read it fails). */
export const DEFAULT_LINK_MAX_LENGTH = 10_000;

/**
 * Appends one entry to KEYS[1] (meta KEYS[2]) with the next sequence number, after trimming the
 * stream to ARGV[1] - 1 entries (exactly: the trimmed ones are the oldest, whose last sequence
 * number and newest epoch the meta keeps; an entry of nobody's script, put there by hand, is
 * trimmed without a trace). ARGV: maxLength, epoch, from, body. Returns the sequence number.
 * Field order is fixed: seq, epoch, from, body.
 */
const APPEND = `local max = tonumber(ARGV[1])
local over = redis.call('XLEN', KEYS[1]) - max + 1
if over > 0 then
  local old = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', over)
  local epoch = tonumber(redis.call('HGET', KEYS[2], 'trimmedEpoch') or '0')
  local trimmed = redis.call('HGET', KEYS[2], 'trimmedSeq') or '0'
  for _, entry in ipairs(old) do
    local f = entry[2]
    if f[1] == 'seq' and f[3] == 'epoch' then trimmed = f[2]; epoch = math.max(epoch, tonumber(f[4]) or 0) end
  end
  redis.call('HSET', KEYS[2], 'trimmedEpoch', epoch, 'trimmedSeq', trimmed)
  redis.call('XTRIM', KEYS[1], 'MAXLEN', max - 1)
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('PERSIST', KEYS[2])
redis.call('XADD', KEYS[1], '*', 'seq', seq, 'epoch', ARGV[2], 'from', ARGV[3], 'body', ARGV[4])
return seq`;

/**
 * Deletes a stream, counting its entries as trimmed (a reader that had not read them fails
 * then); its meta goes ARGV[1] ms later unless the stream is begun again, so numbering goes on
 * where it was and an entry of a new stream is never taken for one of the old. Only a command
 * stream is forgotten, whose last entry is of its newest epoch (epochs only grow there).
 */
const FORGET = `local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if last and last[2][1] == 'seq' and last[2][3] == 'epoch' then
  local epoch = tonumber(redis.call('HGET', KEYS[2], 'trimmedEpoch') or '0')
  redis.call('HSET', KEYS[2], 'trimmedSeq', last[2][2], 'trimmedEpoch', math.max(epoch, tonumber(last[2][4]) or 0))
end
redis.call('DEL', KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`;

/** How long a forgotten stream's numbering is kept: a reader still reading it (a zombie) has long failed or ended by then. */
export const FORGOTTEN_STREAM_MEMORY_MS = 24 * 3600_000;

/**
 * Where a reader that skips what is there starts, read at one instant: the job's epoch
 * (KEYS[1]), the id of the stream's (KEYS[2]) last entry ('0-0' when it has none) and the last
 * sequence number given (meta KEYS[3]).
 */
const TAIL = `local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
return {redis.call('GET', KEYS[1]) or '0', last and last[1] or '0-0', redis.call('HGET', KEYS[3], 'seq') or '0'}`;

export function defineLinkScripts(redis: Redis): void {
  redis.defineCommand('sluiceLinkTail', { numberOfKeys: 3, lua: TAIL });
  redis.defineCommand('sluiceLinkAppend', { numberOfKeys: 2, lua: APPEND });
  redis.defineCommand('sluiceLinkFencedAppend', { numberOfKeys: 3, lua: fencedScript(APPEND) });
  redis.defineCommand('sluiceLinkFencedForget', { numberOfKeys: 3, lua: fencedScript(FORGET) });
}

type Scripted = Redis & {
  sluiceLinkTail(...args: string[]): Promise<unknown>;
  sluiceLinkAppend(...args: (string | number | Buffer)[]): Promise<unknown>;
  sluiceLinkFencedAppend(...args: (string | number | Buffer)[]): Promise<unknown>;
  sluiceLinkFencedForget(...args: (string | number)[]): Promise<unknown>;
};

/** Appends an instance's entry to `stream` (not fenced: the master ignores other epochs' entries). */
export function append(redis: Redis, keys: LinkKeys, stream: string, maxLength: number, epoch: number, from: string, body: Buffer): Promise<unknown> {
  return (redis as Scripted).sluiceLinkAppend(stream, keys.meta(stream), maxLength, epoch, from, body);
}

/** Appends a master's command for `instanceId` while the job's epoch is `epoch`; a FencedCommandError otherwise. */
export async function fencedAppend(redis: Redis, keys: LinkKeys, target: string, instanceId: string, maxLength: number, epoch: number, body: Buffer): Promise<void> {
  const stream = keys.commands(instanceId);
  await fenced(target, instanceId, () => (redis as Scripted).sluiceLinkFencedAppend(keys.epoch, stream, keys.meta(stream), epoch, maxLength, epoch, 'master', body));
}

/** Deletes the command stream of `instanceId` (its numbering kept a day) while the job's epoch is `epoch`; a FencedCommandError otherwise. */
export async function fencedForget(redis: Redis, keys: LinkKeys, target: string, instanceId: string, epoch: number): Promise<void> {
  const stream = keys.commands(instanceId);
  await fenced(target, instanceId, () => (redis as Scripted).sluiceLinkFencedForget(keys.epoch, stream, keys.meta(stream), epoch, FORGOTTEN_STREAM_MEMORY_MS));
}

async function fenced(target: string, instanceId: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (e) {
    const refusal = fencedRefusal(e, target);
    if (refusal !== undefined) throw new FencedCommandError(target, instanceId, refusal.epoch, refusal.currentEpoch, e);
    throw e;
  }
}

/** Where a reader starts: after entry `lastId`, expecting sequence number `nextSeq`. */
export interface ReadPosition {
  readonly lastId: string;
  readonly nextSeq: number;
}

/** Before every entry: where a reader of the whole stream would start. */
export const STREAM_START: ReadPosition = { lastId: '0-0', nextSeq: 1 };

const TailReplyCodec = t.tuple([t.string, t.string, t.string]);

/** The job's epoch and the position after the last entry of `stream`, at one instant. */
export async function streamTail(redis: Redis, keys: LinkKeys, stream: string): Promise<{ readonly epoch: number; readonly position: ReadPosition }> {
  const reply = TailReplyCodec.decode(await (redis as Scripted).sluiceLinkTail(keys.epoch, stream, keys.meta(stream)));
  if (isLeft(reply)) throw new Error(`Redis answered the link's tail script with an unexpected reply: ${PathReporter.report(reply).join('; ')}`);
  const [epoch, lastId, seq] = reply.right.map((x, i) => (i === 1 ? x : Number(x))) as [number, string, number];
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(seq)) throw new Error(`Redis holds an epoch ${reply.right[0]} or a sequence number ${reply.right[2]} that is no integer for ${stream}`);
  return { epoch, position: { lastId, nextSeq: seq + 1 } };
}

/** One entry of a link stream, as appended by the scripts above. */
export interface LinkEntry {
  readonly id: string;
  readonly seq: number;
  readonly epoch: number;
  readonly from: string;
  readonly body: Buffer;
}

/** An entry no script of the link wrote: why, and its sequence number if it has one. */
export interface ForeignEntry {
  readonly problem: string;
  readonly seq: number | undefined;
}

/** The entry of a stream's `id` and its fields, or why it is none of the link's. */
export function linkEntry(id: string, fields: readonly Buffer[]): LinkEntry | ForeignEntry {
  const field = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) field.set(fields[i].toString(), fields[i + 1]);
  const seq = Number(field.get('seq')?.toString());
  const epoch = Number(field.get('epoch')?.toString());
  const from = field.get('from')?.toString();
  const body = field.get('body');
  const seqOk = Number.isSafeInteger(seq) && seq > 0;
  const problems = [
    ...(seqOk ? [] : ['no positive integer seq']),
    ...(Number.isSafeInteger(epoch) && epoch >= 0 ? [] : ['no epoch']),
    ...(from === undefined ? ['no from'] : []),
    ...(body === undefined ? ['no body'] : []),
  ];
  if (problems.length > 0 || from === undefined || body === undefined) return { problem: `entry ${id} has ${problems.join(', ')}`, seq: seqOk ? seq : undefined };
  return { id, seq, epoch, from, body };
}
