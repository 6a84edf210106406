/**
 * How Sluice connects to Redis: one ioredis client per task backend (and one per checkpoint
 * store operation), failing fast instead of queueing while Redis is away, so that a lost
 * connection fails the task and the job recovers through its restart strategy. Every wait is
 * bounded by `operationTimeoutMs`: a command (or each command of a pipeline) without an answer
 * fails after it, and a client that cannot reach Redis for that long fails with a
 * ServiceError naming the server that a restart cannot mend.
 */
import type Redis from 'ioredis';
import type * as IORedis from 'ioredis';
import type { Logger } from '../logging/logger';
import { ServiceError } from '../services/ServiceError';

/**
 * ioredis's client class, loaded by the first connection rather than at import, so that the core
 * (`import … from 'sluice'`) and jobs on memory state never load ioredis (specs/package/coreImport.spec.ts).
 */
function ioredis(): typeof IORedis.Redis {
  return (require('ioredis') as typeof IORedis).Redis;
}

/** The longest Sluice waits on Redis for one operation by default: a connection, a command, a pipeline. */
export const DEFAULT_REDIS_OPERATION_TIMEOUT_MS = 30_000;

/** How long Sluice waits on Redis, and where its client's lines are logged. */
export interface RedisConnectionOptions {
  /** The bound on a command and on reaching the server (default DEFAULT_REDIS_OPERATION_TIMEOUT_MS). */
  readonly operationTimeoutMs?: number;
  /** Where the client's connection errors, reconnects and recoveries are logged. */
  readonly logger?: Logger;
}

/** Commands are refused while disconnected and never replayed after a reconnect: a task must fail, not write late. */
export function connectRedis(url: string, connectionName?: string, options: RedisConnectionOptions = {}): Redis {
  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS;
  const client = new (ioredis())(url, {
    ...(connectionName !== undefined ? { connectionName } : {}),
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.min(2000, timeoutMs),
    // Also bounds the ready check: a server that accepts connections and never answers
    // (stopped, or not Redis) would otherwise hold the client in 'connect' for ever.
    commandTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  routeRedisEvents(client, redactUrl(url), options.logger);
  return client;
}

/**
 * ioredis reports connection trouble as events, not log lines: they go to the logger (the
 * commands that fail carry the error to the task). A reconnect is logged with the error that
 * caused it, once per distinct error while the outage lasts, so a long outage is not a flood.
 */
function routeRedisEvents(client: Redis, server: string, logger: Logger | undefined): void {
  let lastError: string | undefined;
  let loggedError: string | undefined;
  client.on('error', (e: Error) => {
    lastError = e.message;
  });
  if (logger === undefined) return;
  client.on('reconnecting', (delayMs: number) => {
    if (lastError === loggedError) return;
    loggedError = lastError;
    logger.warn({ redis: server, delayMs, cause: lastError }, `Redis at ${server}: reconnecting in ${delayMs} ms after: ${lastError ?? 'connection closed'}`);
  });
  client.on('ready', () => {
    if (loggedError === undefined) return;
    logger.info({ redis: server }, `Redis at ${server}: connected again`);
    loggedError = undefined;
    lastError = undefined;
  });
}

/**
 * Whether two `redis://` URLs name the same database of the same server (host, port, db;
 * credentials aside). Different spellings of one host (localhost, 127.0.0.1) count as different.
 */
export function sameRedisDatabase(a: string, b: string): boolean {
  const at = (url: string) => {
    try {
      const u = new URL(url);
      const db = u.pathname.replace(/^\//, '');
      return `${u.hostname.toLowerCase()}:${u.port || '6379'}/${db === '' ? '0' : Number(db)}`;
    } catch {
      return undefined;
    }
  };
  const x = at(a);
  return x !== undefined && x === at(b);
}

/**
 * Waits until the client can take commands, through ioredis's reconnects, for at most
 * `timeoutMs`. Past it, rejects with a ServiceError naming the server and the last connection
 * error, that a restart cannot mend (Redis stayed out of reach for the whole bound); rejects
 * at once, restartable, when the client is closed first.
 */
export function whenReady(client: Redis, url: string, timeoutMs = DEFAULT_REDIS_OPERATION_TIMEOUT_MS): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  const server = redactUrl(url);
  if (client.status === 'end') return Promise.reject(new ServiceError('redis', server, `the connection to Redis at ${server} is closed`, true));
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('end', onEnd);
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (e: Error) => {
      lastError = e;
    };
    const onEnd = () => {
      cleanup();
      reject(new ServiceError('redis', server, `the connection to Redis at ${server} was closed before it was ready${lastError ? ` (${lastError.message})` : ''}`, true, lastError));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new ServiceError(
          'redis',
          server,
          `cannot reach Redis at ${server}: no answer within ${timeoutMs} ms${lastError ? ` (last error: ${lastError.message})` : ''}. ` +
            'Start Redis there or correct the url; to wait longer for it, raise operationTimeoutMs.',
          false,
          lastError,
        ),
      );
    }, timeoutMs);
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('end', onEnd);
  });
}

/** The URL without its password, for errors and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

/** Runs `f` with a fresh client and always closes it: no connection outlives the operation. */
export async function withRedis<T>(url: string, f: (client: Redis) => Promise<T>, options: RedisConnectionOptions = {}): Promise<T> {
  const client = connectRedis(url, undefined, options);
  try {
    await whenReady(client, url, options.operationTimeoutMs);
    return await f(client);
  } finally {
    client.disconnect();
  }
}

/** Whether a Redis at `url` answers PING within a second (for tools that use a server when there is one). */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new (ioredis())(url, { lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Every key matching `pattern`, by SCAN (never KEYS, which blocks the server). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return [...new Set(out)];
}
