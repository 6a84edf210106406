/**
 * The Redis the specs run against, as a mocha root-hook plugin: the server on 127.0.0.1:6379
 * when it answers PING, otherwise a `redis-server` of our own on a free port (no persistence),
 * started on first use and stopped after the run. When neither works, specs that need Redis
 * fail naming the command that starts one, or are pending with SLUICE_SKIP_SERVICES=1.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import Redis from 'ioredis';
import { redisAnswers } from '../../src/state/redisConnection';

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const START_COMMAND = "redis-server --port 6379 --save '' --appendonly no";

/** A redis-server process started by the specs. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL when `crash`); it forgets what it held unless it keeps an append-only file. */
  stop(crash?: boolean): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

let shared: Promise<string> | undefined;
const started: OwnRedis[] = [];
let prefixCounter = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Options of a redis-server of our own. */
export interface OwnRedisOptions {
  /** Keep data across restarts in an append-only file in this folder, fsynced on every write. */
  readonly appendOnlyDir?: string;
}

/** Starts a redis-server of our own on a free port; it is stopped after the run at the latest. */
export async function startOwnRedis(options: OwnRedisOptions = {}): Promise<OwnRedis> {
  const port = await freePort();
  const persistence = options.appendOnlyDir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.appendOnlyDir];
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const own: OwnRedis = {
    url,
    port,
    async start() {
      let spawnError: Error | undefined;
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: 'ignore' });
      child.on('error', (e) => (spawnError = e));
      // A run that dies without its after hooks must not leave the server behind.
      const current = child;
      const killOnExit = () => current.kill('SIGKILL');
      process.once('exit', killOnExit);
      current.once('exit', () => process.off('exit', killOnExit));
      exited = new Promise((resolve) => child!.once('exit', () => resolve()));
      await waitUntil(async () => {
        if (spawnError !== undefined) throw new Error(`cannot start redis-server: ${spawnError.message}`);
        return redisAnswers(url);
      }, 30_000, `redis-server on port ${port}`); // a loaded machine can take seconds
    },
    async stop(crash = false) {
      if (child === undefined || child.exitCode !== null) return;
      child.kill(crash ? 'SIGKILL' : 'SIGTERM');
      await exited;
      child = undefined;
    },
  };
  await own.start();
  started.push(own);
  return own;
}

/** The Redis to probe first: SLUICE_REDIS_URL, or the development machines' 127.0.0.1:6379. */
async function locate(): Promise<string> {
  const probe = process.env.SLUICE_REDIS_URL ?? DEFAULT_URL;
  if (await redisAnswers(probe)) return probe;
  return (await startOwnRedis()).url;
}

/**
 * The URL of the Redis for specs (found or started once per run). In a `before` hook or a
 * test: without Redis the test fails naming the command that starts one, or is pending with
 * SLUICE_SKIP_SERVICES=1.
 */
export async function redisUrl(ctx: Mocha.Context): Promise<string> {
  shared ??= locate();
  try {
    return await shared;
  } catch (e) {
    if (process.env.SLUICE_SKIP_SERVICES === '1') ctx.skip();
    throw new Error(
      `these specs need Redis: none answers on ${process.env.SLUICE_REDIS_URL ?? DEFAULT_URL} and starting redis-server failed (${(e as Error).message}). ` +
        `Start one with \`${START_COMMAND}\`, or set SLUICE_SKIP_SERVICES=1 to mark these specs pending.`,
    );
  }
}

/** A key prefix no other test uses. */
export function uniquePrefix(name: string): string {
  return `spec-${name}-${process.pid}-${Date.now().toString(36)}-${++prefixCounter}`;
}

/** Deletes every key under `prefix:`. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    // Closed before it resolves: a spec's last hook may drop a prefix, and the suite's exit check follows.
    const closed = new Promise((resolve) => client.once('end', resolve));
    client.disconnect();
    await closed;
  }
}

/** Number of keys under `prefix:`. */
export async function countKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  } finally {
    client.disconnect();
  }
}

/** Root hooks: stop every redis-server the specs started. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await Promise.all(started.splice(0).map((s) => s.stop()));
    shared = undefined;
  },
};
