/**
 * How Sluice connects to Redis: one ioredis client per task backend (and one per checkpoint
 * store operation), failing fast instead of queueing while Redis is away, so that a lost
 * connection fails the task and the job recovers through its restart strategy.
 */
import Redis from 'ioredis';

/** Commands are refused while disconnected and never replayed after a reconnect: a task must fail, not write late. */
export function connectRedis(url: string, connectionName?: string): Redis {
  const client = new Redis(url, {
    ...(connectionName !== undefined ? { connectionName } : {}),
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  // ioredis reports connection errors as events; the commands that fail carry them to the task.
  client.on('error', () => undefined);
  return client;
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

/** Waits until the client can take commands; rejects, naming the URL, at the first connection error. */
export function whenReady(client: Redis, url: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('end', onEnd);
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new Error(`cannot reach Redis at ${redactUrl(url)}: ${e.message}`));
    };
    const onEnd = () => onError(new Error('connection ended'));
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
export async function withRedis<T>(url: string, f: (client: Redis) => Promise<T>): Promise<T> {
  const client = connectRedis(url);
  try {
    await whenReady(client, url);
    return await f(client);
  } finally {
    client.disconnect();
  }
}

/** Whether a Redis at `url` answers PING within a second (for tools that use a server when there is one). */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
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
