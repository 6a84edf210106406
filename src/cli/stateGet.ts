/**
 * `sluice state get`: one key's value in one state of one operator of a job whose keyed state
 * is in Redis, read from the working area through RedisStateInspector (as of the last flush:
 * the last checkpoint, the end of the job, or an eviction since). Entries are decoded as JSON,
 * which is what the built-in serializers write.
 */
import { absurd } from 'fp-ts/function';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { RedisStateInspector } from '../state/RedisStateInspector';
import { Serializers } from '../state/Serializer';
import { AnyStateDescriptor, ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../state/StateDescriptor';
import { Key } from '../state/keyHash';
import { EXIT } from './exitCodes';
import { CommandOutcome } from './CommandOutcome';

export const STATE_KINDS = ['value', 'list', 'map'] as const;
export type StateKind = (typeof STATE_KINDS)[number];
export const KEY_TYPES = ['string', 'number', 'json'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** The options of `state get`, decoded from the command line. */
export interface StateGetOptions {
  readonly redis: string;
  readonly prefix: string;
  readonly job: string;
  readonly operator: string;
  readonly state: string;
  readonly key: Key;
  readonly kind: StateKind;
  readonly maxParallelism: number;
  /** How long to wait for Redis to answer, in ms. */
  readonly timeout: number;
  readonly json: boolean;
}

/** The key as the job's key selector returned it: text, a number, or any JSON value. */
export function parseKey(text: string, type: KeyType): Either<string, Key> {
  switch (type) {
    case 'string':
      return right(text);
    case 'number': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? right(n) : left(`--key '${text}' is not a finite number (--key-type number)`);
    }
    case 'json':
      try {
        return right(JSON.parse(text) as Key);
      } catch {
        return left(`--key '${text}' is not JSON (--key-type json)`);
      }
    default:
      return absurd(type);
  }
}

function descriptorFor(kind: StateKind, name: string): AnyStateDescriptor {
  switch (kind) {
    case 'value':
      return new ValueStateDescriptor(name, Serializers.json());
    case 'list':
      return new ListStateDescriptor(name, Serializers.json());
    case 'map':
      return new MapStateDescriptor(name, Serializers.json(), Serializers.json());
    default:
      return absurd(kind);
  }
}

export async function stateGet(o: StateGetOptions): Promise<CommandOutcome> {
  const inspector = new RedisStateInspector(o.redis, o.prefix, o.maxParallelism, { operationTimeoutMs: o.timeout });
  let read;
  try {
    read = await inspector.readState(o.job, o.operator, descriptorFor(o.kind, o.state), o.key);
  } catch (e) {
    return { code: EXIT.unavailable, stdout: '', stderr: `sluice: ${(e as Error).message}\n` };
  }
  const where = { job: o.job, operator: o.operator, state: o.state, key: o.key };
  if (isLeft(read)) return { code: EXIT.unreadable, stdout: '', stderr: `sluice: cannot read it as ${o.kind} state: ${read.left}\n` };
  const value = read.right instanceof Map ? [...read.right] : read.right;
  if (value === undefined) {
    return {
      code: EXIT.notFound,
      stdout: o.json ? `${JSON.stringify({ ...where, found: false })}\n` : '',
      stderr: `sluice: key ${JSON.stringify(o.key)} has no value in state '${o.state}' of operator '${o.operator}' of job '${o.job}' (under prefix '${o.prefix}')\n`,
    };
  }
  return { code: EXIT.ok, stdout: o.json ? `${JSON.stringify({ ...where, found: true, value })}\n` : `${JSON.stringify(value)}\n`, stderr: '' };
}
