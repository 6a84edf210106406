/**
 * What both ends of the master↔task-manager link share: two connections to the job's Redis
 * (one for appends, one that blocks reading), the reader of the end's stream, the hearing of
 * its failures, and the order of appends. Payloads are v8-serialized (restores may hold typed
 * arrays and Buffers) and decoded with the protocol's codecs on arrival.
 */
import { deserialize, serialize } from 'v8';
import { isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import type Redis from 'ioredis';
import { createLogger, Logger, LoggingOption } from '../logging/logger';
import { ServiceError } from '../services/ServiceError';
import { operationTimeoutProblem } from '../services/withinDeadline';
import { connectRedis, DEFAULT_REDIS_OPERATION_TIMEOUT_MS, redactUrl, whenReady } from '../state/redisConnection';
import { decodeProblems } from './decodeProblems';
import { LinkStreamReader } from './LinkStreamReader';
import { Pause, pauseOrReady } from './pauseOrReady';
import { TaskManagerLinkFailure } from './taskManagerLinkErrors';
import { DEFAULT_LINK_MAX_LENGTH, defineLinkScripts, LinkEntry, LinkKeys, linkKeys, ReadPosition } from './taskManagerLinkStreams';

const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** The options both ends take. */
export interface LinkEndOptions {
  readonly redis: string;
  readonly applicationId: string;
  readonly operationTimeoutMs?: number;
  readonly maxLength?: number;
  readonly logging?: LoggingOption;
}

/** What is wrong with an instance id, or undefined (ids name streams: ClusterOptions' rule). */
export function instanceIdProblem(u: unknown): string | undefined {
  return typeof u === 'string' && NAME.test(u) ? undefined : `instanceId must be 1 to 100 letters, digits, '.', '_' or '-', got ${JSON.stringify(u)}`;
}

/** Every problem of the shared options, with those the end adds. */
function optionProblems(o: LinkEndOptions, more: readonly (string | undefined)[]): string[] {
  return [
    typeof o.redis === 'string' && /^rediss?:\/\/[^/]/.test(o.redis) ? undefined : `redis must be a URL 'redis://host:port', got ${JSON.stringify(o.redis)}`,
    typeof o.applicationId === 'string' && NAME.test(o.applicationId) ? undefined : `applicationId must be 1 to 100 letters, digits, '.', '_' or '-', got ${JSON.stringify(o.applicationId)}`,
    operationTimeoutProblem(o.operationTimeoutMs),
    o.maxLength === undefined || (Number.isInteger(o.maxLength) && o.maxLength >= 1) ? undefined : `maxLength must be a positive integer, got ${JSON.stringify(o.maxLength)}`,
    ...more,
  ].filter((p): p is string => p !== undefined);
}

export class LinkEnd {
  readonly keys: LinkKeys;
  readonly target: string;
  readonly maxLength: number;
  readonly operationTimeoutMs: number;
  private reader: LinkStreamReader | undefined;
  private readonly failureListeners = new Set<(failure: TaskManagerLinkFailure) => void>();
  /** The failure that stopped the reader, told to listeners that come later. */
  private fatalFailure: TaskManagerLinkFailure | undefined;
  /** Settles when the last append was issued: the next is issued after it, so appends keep their order. */
  private issued: Promise<void> = Promise.resolve();
  private closed = false;
  /** Waits for the appending connection, which closing ends. */
  private readonly pauses = new Set<Pause>();
  /** The last connection error ioredis reported on the appending connection. */
  private lastWriteError: string | undefined;

  /** Both connections ready, or a ServiceError (after operationTimeoutMs) naming the server; bad options refused with every problem. */
  static async open(o: LinkEndOptions, name: string, problems: readonly (string | undefined)[]): Promise<LinkEnd> {
    const found = optionProblems(o, problems);
    if (found.length > 0) throw new Error(`invalid options of the task manager link:\n- ${found.join('\n- ')}`);
    const timeoutMs = o.operationTimeoutMs ?? DEFAULT_REDIS_OPERATION_TIMEOUT_MS;
    const logger = createLogger(o.logging).child({ applicationId: o.applicationId, link: name });
    const writing = connectRedis(o.redis, `sluice-${o.applicationId}-link-${name}`, { operationTimeoutMs: timeoutMs, logger });
    const reading = connectRedis(o.redis, `sluice-${o.applicationId}-link-${name}-reader`, { operationTimeoutMs: timeoutMs, logger });
    try {
      await Promise.all([whenReady(writing, o.redis, timeoutMs), whenReady(reading, o.redis, timeoutMs)]);
    } catch (e) {
      writing.disconnect();
      reading.disconnect();
      throw e;
    }
    defineLinkScripts(writing);
    return new LinkEnd(o, writing, reading, logger, timeoutMs);
  }

  private constructor(
    o: LinkEndOptions,
    readonly writing: Redis,
    private readonly reading: Redis,
    readonly logger: Logger,
    operationTimeoutMs: number,
  ) {
    this.keys = linkKeys(o.applicationId);
    this.target = redactUrl(o.redis);
    this.maxLength = o.maxLength ?? DEFAULT_LINK_MAX_LENGTH;
    this.operationTimeoutMs = operationTimeoutMs;
    writing.on('error', (e: Error) => (this.lastWriteError = e.message));
  }

  /** Starts reading `stream` after `start` (once: a second receiver is a mistake of the caller's). */
  read(stream: string, start: ReadPosition, floor: () => number, deliver: (entry: LinkEntry) => void): void {
    if (this.reader !== undefined) throw new Error(`${stream} has its receiver already: a link end has one`);
    if (this.closed) throw new Error(`the link end reading ${stream} is closed`);
    this.reader = new LinkStreamReader({
      reading: this.reading,
      commands: this.writing,
      commandsReady: () => this.writable('reading the stream\'s meta'),
      target: this.target,
      stream,
      metaKey: this.keys.meta(stream),
      start,
      operationTimeoutMs: this.operationTimeoutMs,
      floor,
      deliver,
      report: (failure) => this.report(failure),
      logger: this.logger,
    });
  }

  onFailure(listener: (failure: TaskManagerLinkFailure) => void): void {
    this.failureListeners.add(listener);
    if (this.fatalFailure !== undefined) listener(this.fatalFailure);
  }

  /** Logs the failure and tells every listener (one that throws does not keep it from the others). */
  report(failure: TaskManagerLinkFailure): void {
    if (failure.fatal) {
      this.fatalFailure ??= failure;
      this.logger.error({ stream: failure.stream, reason: failure.reason }, failure.message);
    } else {
      this.logger.warn({ stream: failure.stream, reason: failure.reason }, failure.message);
    }
    for (const listener of [...this.failureListeners]) {
      try {
        listener(failure);
      } catch (e) {
        this.logger.error({ err: e }, `a listener of the task manager link's failures threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** The decoded payload of `entry`, or, reported as undecodable, undefined. */
  decode<A>(codec: t.Type<A, unknown>, entry: LinkEntry, stream: string, what: string): A | undefined {
    let value: unknown;
    try {
      value = deserialize(entry.body);
    } catch (e) {
      this.undecodable(stream, entry, `${what} that v8 cannot deserialize (${e instanceof Error ? e.message : String(e)})`);
      return undefined;
    }
    const decoded = codec.decode(value);
    if (!isLeft(decoded)) return decoded.right;
    this.undecodable(stream, entry, `what is not ${what}: ${decodeProblems(decoded.left).join('; ')}`);
    return undefined;
  }

  private undecodable(stream: string, entry: LinkEntry, problem: string): void {
    this.report(new TaskManagerLinkFailure(this.target, 'undecodable', stream, false, `${stream}: entry ${entry.seq} (from ${entry.from}, epoch ${entry.epoch}) holds ${problem}; skipped`));
  }

  /** Runs the receiver of a message; a throw is reported, and reading goes on. */
  hand(stream: string, entry: LinkEntry, receive: () => void): void {
    try {
      receive();
    } catch (e) {
      this.report(
        new TaskManagerLinkFailure(this.target, 'listener', stream, false, `${stream}: the receiver threw on entry ${entry.seq} (from ${entry.from}, epoch ${entry.epoch}): ${e instanceof Error ? e.message : String(e)}`, e),
      );
    }
  }

  /**
   * Serializes `payload` and appends it by `write`, issued after every earlier append of this
   * end (so their order holds) and once the connection is ready (waiting at most
   * operationTimeoutMs). Never retried: an append whose answer was lost may have been applied.
   */
  append(what: string, payload: unknown, write: (body: Buffer) => Promise<unknown>): Promise<void> {
    if (this.closed) return Promise.reject(new ServiceError('redis', this.target, `cannot send ${what}: the task manager link is closed`, true));
    let body: Buffer;
    try {
      body = serialize(payload);
    } catch (e) {
      // The first line: v8 names the value it cannot take, then prints all of it.
      const why = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/ \{$/, '');
      return Promise.reject(new Error(`cannot send ${what}: v8 cannot serialize it (${why}); the link carries plain data (a MessagePort cannot leave its process)`));
    }
    const turn = this.issued.then(() => this.writable(`sending ${what}`));
    const written = turn.then(() => write(body));
    this.issued = turn.catch(() => undefined);
    return written.then(
      () => undefined,
      (e: unknown) => {
        if (e instanceof ServiceError) throw e;
        throw new ServiceError('redis', this.target, `sending ${what} through Redis at ${this.target} failed: ${e instanceof Error ? e.message : String(e)}`, true, e);
      },
    );
  }

  /** Resolves once the appending connection is ready; a ServiceError when it is not within operationTimeoutMs or the end closes. */
  private async writable(what: string): Promise<void> {
    if (this.writing.status !== 'ready' && !this.closed) {
      const pause = pauseOrReady(this.writing, this.operationTimeoutMs, true);
      this.pauses.add(pause);
      await pause.done;
      this.pauses.delete(pause);
    }
    if (this.closed) throw new ServiceError('redis', this.target, `${what} was cut short: the task manager link is closed`, true);
    if (this.writing.status !== 'ready') {
      throw new ServiceError(
        'redis',
        this.target,
        `cannot reach Redis at ${this.target}: no answer within ${this.operationTimeoutMs} ms${this.lastWriteError === undefined ? '' : ` (last error: ${this.lastWriteError})`}; ${what} failed`,
        false,
      );
    }
  }

  /** Stops reading and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pause of this.pauses) pause.end();
    this.writing.disconnect();
    if (this.reader !== undefined) await this.reader.stop();
    else this.reading.disconnect();
  }
}
