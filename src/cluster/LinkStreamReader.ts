/**
 * Reads one stream of the master↔task-manager link from a position (where the stream ended when
 * the reader's end opened), in order, on a connection of its own (XREAD BLOCK, each read
 * bounded), and hands each entry on. It checks the sequence numbers: entries it had not read
 * that are gone (trimmed while it lagged, or a stream deleted and begun again) stop it with a
 * `gap` failure, unless the stream never trimmed an entry of an epoch from `floor()` on (the
 * record keeps the newest trimmed epoch only, so this errs towards failing). A lost connection
 * is retried until it has been out for operationTimeoutMs, then it stops with an `unreachable`
 * failure.
 */
import type Redis from 'ioredis';
import type { Logger } from '../logging/logger';
import { Pause, pauseOrReady } from './pauseOrReady';
import { TaskManagerLinkFailure } from './taskManagerLinkErrors';
import { LinkEntry, linkEntry, ReadPosition } from './taskManagerLinkStreams';

/** Entries read per XREAD: the most handed on before the next read. */
const BATCH = 100;

export interface LinkStreamReaderOptions {
  /** The connection the reader owns: it blocks on it, and disconnects it when it stops. */
  readonly reading: Redis;
  /** A connection for the stream's meta, read when a gap is found, and what waits until it is ready. */
  readonly commands: Redis;
  readonly commandsReady: () => Promise<void>;
  /** The server, as errors name it. */
  readonly target: string;
  readonly stream: string;
  readonly metaKey: string;
  readonly start: ReadPosition;
  readonly operationTimeoutMs: number;
  /** Entries of an epoch below it do not matter to the reader: their trimming is no loss. */
  readonly floor: () => number;
  readonly deliver: (entry: LinkEntry) => void;
  readonly report: (failure: TaskManagerLinkFailure) => void;
  readonly logger: Logger;
}

export class LinkStreamReader {
  private lastId: string;
  private expectedSeq: number;
  private stopped = false;
  /** Stopped by its owner: whatever fails from then on is the closing, not news. */
  private closing = false;
  private readonly blockMs: number;
  private readonly running: Promise<void>;
  /** The pause between attempts to read, which stopping ends. */
  private pause: Pause | undefined;
  /** The last connection error ioredis reported on the reading connection. */
  private lastError: string | undefined;

  constructor(private readonly o: LinkStreamReaderOptions) {
    // Well inside the command timeout, which bounds each read as any command.
    this.blockMs = Math.max(10, Math.min(1000, Math.floor(o.operationTimeoutMs / 3)));
    this.lastId = o.start.lastId;
    this.expectedSeq = o.start.nextSeq;
    o.reading.on('error', (e: Error) => (this.lastError = e.message));
    this.running = this.run();
  }

  /** Stops at once: a blocked read ends with its connection. */
  async stop(): Promise<void> {
    this.closing = true;
    this.stopped = true;
    this.o.reading.disconnect();
    this.pause?.end();
    await this.running;
  }

  private async run(): Promise<void> {
    let outageSince: number | undefined;
    let retries = 0;
    while (!this.stopped) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await this.o.reading.xreadBuffer('COUNT', BATCH, 'BLOCK', this.blockMs, 'STREAMS', this.o.stream, this.lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
        outageSince = undefined;
        retries = 0;
      } catch (e) {
        if (this.stopped) return;
        outageSince ??= Date.now();
        retries += 1;
        if (!(await this.recover(e, outageSince, retries))) return;
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          if (this.stopped || !(await this.accept(id.toString(), fields))) return;
        }
      }
    }
  }

  /**
   * Waits for the connection to be ready again (a command that failed on a live one is tried
   * again after a short pause, so it does not spin); false when the outage outlasted its bound.
   */
  private async recover(error: unknown, outageSince: number, retries: number): Promise<boolean> {
    const message = error instanceof Error ? error.message : String(error);
    if (retries === 1) this.o.logger.warn({ stream: this.o.stream }, `reading ${this.o.stream} from Redis at ${this.o.target} failed (${message}); trying again for up to ${this.o.operationTimeoutMs} ms`);
    const left = () => outageSince + this.o.operationTimeoutMs - Date.now();
    const live = this.o.reading.status === 'ready';
    this.pause = pauseOrReady(this.o.reading, live ? Math.min(retries * 50, 500, left()) : left(), !live);
    await this.pause.done;
    this.pause = undefined;
    if (this.stopped) return false;
    if (this.o.reading.status === 'ready' && left() > 0) return true;
    return this.fatal(
      'unreachable',
      `reading ${this.o.stream} from Redis at ${this.o.target} failed for ${this.o.operationTimeoutMs} ms (operationTimeoutMs), last: ${live ? message : (this.lastError ?? message)}; nothing more is read from it`,
      error,
    );
  }

  /** Checks an entry's place and hands it on; false when it stopped the reader. */
  private async accept(id: string, fields: Buffer[]): Promise<boolean> {
    this.lastId = id;
    const entry = linkEntry(id, fields);
    if ('problem' in entry) {
      if (entry.seq !== undefined) this.expectedSeq = Math.max(this.expectedSeq, entry.seq + 1);
      this.o.report(new TaskManagerLinkFailure(this.o.target, 'undecodable', this.o.stream, false, `${this.o.stream}: ${entry.problem}, which no Sluice link writes; skipped`));
      return true;
    }
    if (entry.seq < this.expectedSeq) {
      return this.fatal(
        'gap',
        `${this.o.stream} began again (entry ${id} has sequence number ${entry.seq}, ${this.expectedSeq} was next): it was deleted and its numbering forgotten since this reader read it, so what was sent to it may be lost; nothing more is read from it`,
      );
    }
    if (entry.seq > this.expectedSeq && !(await this.lossless(entry))) return false;
    this.expectedSeq = entry.seq + 1;
    this.o.deliver(entry);
    return true;
  }

  /** Entries expectedSeq..entry.seq-1 are gone: true when only epochs below the floor were trimmed; otherwise stops the reader. */
  private async lossless(entry: LinkEntry): Promise<boolean> {
    const first = this.expectedSeq;
    const last = entry.seq - 1;
    let meta: (string | null)[];
    try {
      await this.o.commandsReady();
      meta = await this.o.commands.hmget(this.o.metaKey, 'trimmedSeq', 'trimmedEpoch');
    } catch (e) {
      return this.fatal('gap', `${this.o.stream}: entries ${first}..${last} are gone and the stream's record of its trimming could not be read (${e instanceof Error ? e.message : String(e)}); nothing more is read from it`, e);
    }
    const trimmedSeq = Number(meta[0] ?? '0');
    const trimmedEpoch = Number(meta[1] ?? '0');
    const floor = this.o.floor();
    if (last > trimmedSeq) return this.fatal('gap', `${this.o.stream}: entries ${first}..${last} are gone but only those up to ${trimmedSeq} were trimmed; nothing more is read from it`);
    if (trimmedEpoch >= floor) {
      return this.fatal(
        'gap',
        `${this.o.stream}: entries ${first}..${last} were trimmed (the stream keeps its newest maxLength entries) before this reader read them, and the stream trimmed entries of epoch ${trimmedEpoch}, not older than ${floor}: ` +
          'messages that mattered may be lost (the reader lagged, or the stream filled while nobody read it); nothing more is read from it',
      );
    }
    this.o.logger.debug({ stream: this.o.stream, first, last, trimmedEpoch }, `${this.o.stream}: entries ${first}..${last} of epochs up to ${trimmedEpoch} were trimmed before this reader read them; they were of no epoch it reads`);
    return true;
  }

  private fatal(reason: 'gap' | 'unreachable', message: string, cause?: unknown): false {
    this.stopped = true;
    this.o.reading.disconnect();
    if (!this.closing) this.o.report(new TaskManagerLinkFailure(this.o.target, reason, this.o.stream, true, message, cause));
    return false;
  }
}
