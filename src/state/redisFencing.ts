/**
 * Fencing of the Redis backend's writes by epoch (docs/cluster.md, "Membership, leadership,
 * epoch"): when a job runs over many processes, every task writes its keyed state under the
 * epoch of the assignment it runs under, and Redis refuses the write once the job's epoch
 * moved on (a new assignment or a new leader). The check runs inside the Lua script that
 * writes, so it is atomic with the write: a write Redis accepted happened before the epoch
 * moved, hence before the new owner of the key groups restored them (which it does under the
 * new epoch, replacing their hashes): nothing a zombie wrote survives into the new owner's
 * state, and nothing it writes later is applied.
 *
 * A refused write fails the backend for good with a FencedStateWriteError, which a restart
 * cannot mend (the epoch stays stale): the instance must rejoin and run under the new epoch.
 */
import { ServiceError } from '../services/ServiceError';

/** What fences a task's state writes: the Redis key holding the job's epoch, and the epoch the task runs under. */
export interface StateFencing {
  /** A string key in the state's Redis (database included) whose value is the job's epoch. */
  readonly epochKey: string;
  /** The epoch the task runs under: its writes are refused once the key holds anything else. */
  readonly epoch: number;
}

/** The start of a fenced script's error reply: `SLUICE_FENCED <the writer's epoch> <the job's epoch, or 'none'>`. */
const FENCED_REPLY = 'SLUICE_FENCED';

/**
 * `body` (a script of the backend) behind the epoch check: KEYS[1] is the epoch key, ARGV[1]
 * the writer's epoch; the body sees the other keys and arguments as its KEYS and ARGV, and
 * runs only while the key holds that epoch. Otherwise nothing is written and the script
 * answers an error reply naming both epochs.
 */
export function fencedScript(body: string): string {
  return `local function body(KEYS, ARGV)
${body}
end
local held = redis.call('GET', KEYS[1])
if held ~= ARGV[1] then return redis.error_reply('${FENCED_REPLY} ' .. ARGV[1] .. ' ' .. (held or 'none')) end
local keys, argv = {}, {}
for i = 2, #KEYS do keys[i - 1] = KEYS[i] end
for i = 2, #ARGV do argv[i - 1] = ARGV[i] end
return body(keys, argv)`;
}

/** HSET KEYS[1] of the field, value pairs of ARGV, in commands of at most 500 pairs. */
export const HSET_SCRIPT = `for j = 1, #ARGV, 1000 do redis.call('HSET', KEYS[1], unpack(ARGV, j, math.min(j + 999, #ARGV))) end
return #ARGV / 2`;

/** HDEL KEYS[1] of the fields of ARGV, in commands of at most 1000 fields. */
export const HDEL_SCRIPT = `local n = 0
for j = 1, #ARGV, 1000 do n = n + redis.call('HDEL', KEYS[1], unpack(ARGV, j, math.min(j + 999, #ARGV))) end
return n`;

/** DEL of KEYS. */
export const DEL_SCRIPT = `return redis.call('DEL', unpack(KEYS))`;

/** A state write Redis refused because the job's epoch moved on: this task's instance is a zombie. */
export class FencedStateWriteError extends ServiceError {
  constructor(
    target: string,
    /** The epoch the refused write was made under. */
    readonly epoch: number,
    /** The job's epoch when Redis refused it (undefined: the epoch key was gone). */
    readonly currentEpoch: number | undefined,
    cause: unknown,
  ) {
    super(
      'redis',
      target,
      `Redis at ${target} refused a keyed-state write of epoch ${epoch}: the job's epoch is ${currentEpoch ?? 'gone'} (its key groups were assigned anew, maybe to another instance); ` +
        'this instance was cut off longer than its lease and is fenced: it must rejoin the job and restore under the new epoch',
      false,
      cause,
    );
    this.name = 'FencedStateWriteError';
  }
}

/** The FencedStateWriteError a fenced script's error reply stands for; undefined for any other error. */
export function fencedRefusal(error: unknown, target: string): FencedStateWriteError | undefined {
  const message = error instanceof Error ? error.message : undefined;
  if (message === undefined || !message.startsWith(`${FENCED_REPLY} `)) return undefined;
  const [, writer, held] = message.split(' ');
  const current = Number(held);
  return new FencedStateWriteError(target, Number(writer), held === 'none' || !Number.isInteger(current) ? undefined : current, error);
}
