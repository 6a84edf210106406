/**
 * A TCP socket source (Flink's socketTextStream): connects to host:port and emits the text
 * it receives, split into lines (the delimiter is removed; a last line without delimiter is
 * emitted when the peer closes). The input ends when the peer closes the connection.
 *
 * Backpressure: received lines wait in a bounded buffer that `poll` drains; when it is full
 * the socket is paused, so TCP flow control slows the sender.
 *
 * Guarantee: a socket cannot be rewound. After a restore the source connects again and
 * reads what the peer sends from then on; its position (lines emitted so far) is only
 * reported. Lines received but not yet emitted when a task fails are lost: at-most-once for
 * the socket, whatever the checkpointing mode. Use Kafka where input must be replayed.
 *
 * @example
 * const lines = env.socketTextStream('127.0.0.1', 9999);
 */
import * as net from 'net';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { PollResult, Source, SourceReader, SplitContext } from '../graph/Source';

/** Options of a socket text source. */
export interface SocketTextSourceOptions {
  /** Default '\n'; a '\r' before it is removed too. */
  readonly delimiter?: string;
  /** Lines buffered before the socket is paused (default 10000). */
  readonly bufferLines?: number;
  /** Connection timeout (default 10000 ms). */
  readonly connectTimeoutMs?: number;
}

const SocketPositionCodec = t.type({ lines: t.number });
/** Lines emitted so far; reported in checkpoints, not used to rewind (a socket cannot). */
export type SocketTextPosition = t.TypeOf<typeof SocketPositionCodec>;

const POLL_WAIT_MS = 50;

/**
 * The lines received on a TCP connection (`env.socketTextStream(host, port)`); it cannot rewind, so it is at-most-
 * once.
 */
export class SocketTextSource implements Source<string> {
  readonly name: string;
  /** One connection: one instance. */
  readonly parallel = false;

  constructor(readonly host: string, readonly port: number, private readonly options: SocketTextSourceOptions = {}) {
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`SocketTextSource: port must be 1..65535, got ${port}`);
    if (options.delimiter === '') throw new RangeError('SocketTextSource: the delimiter must not be empty');
    this.name = `Socket Source (${host}:${port})`;
  }

  /** Called by the runtime: one reader per parallel instance, created in its task. */
  createReader(split: SplitContext): SourceReader<string> {
    let emitted = 0;
    if (split.restoredPosition !== undefined) {
      const decoded = SocketPositionCodec.decode(split.restoredPosition);
      if (isLeft(decoded)) throw new Error(`${this.name}: cannot resume from position ${JSON.stringify(split.restoredPosition)}; expected { lines: number }`);
      emitted = decoded.right.lines;
    }
    const { host, port, name } = this;
    const delimiter = this.options.delimiter ?? '\n';
    const capacity = this.options.bufferLines ?? 10_000;
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 10_000;
    let socket: net.Socket | undefined;
    let lines: string[] = [];
    let head = 0;
    let partial = '';
    let ended = false;
    let paused = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const push = (line: string) => lines.push(delimiter === '\n' && line.endsWith('\r') ? line.slice(0, -1) : line);
    return {
      open: () =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect({ host, port });
          socket = s;
          s.setEncoding('utf8');
          const timer = setTimeout(() => s.destroy(new Error(`${name}: no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
          s.once('connect', () => {
            clearTimeout(timer);
            resolve();
          });
          s.on('error', (e) => {
            clearTimeout(timer);
            failure = new Error(`${name}: ${e.message}`);
            reject(failure);
            notify();
          });
          s.on('data', (chunk: string) => {
            partial += chunk;
            let at = partial.indexOf(delimiter);
            let from = 0;
            while (at >= 0) {
              push(partial.slice(from, at));
              from = at + delimiter.length;
              at = partial.indexOf(delimiter, from);
            }
            partial = partial.slice(from);
            if (lines.length - head >= capacity && !paused) {
              paused = true;
              s.pause();
            }
            notify();
          });
          s.on('end', () => {
            if (partial.length > 0) push(partial);
            partial = '';
            ended = true;
            notify();
          });
        }),
      poll(max, emit): PollResult | Promise<PollResult> {
        if (failure !== undefined) throw failure;
        if (head === lines.length) {
          if (ended) return 'end';
          return new Promise<PollResult>((resolve) => {
            const timer = setTimeout(notify, POLL_WAIT_MS);
            wake = () => {
              clearTimeout(timer);
              resolve('more');
            };
          });
        }
        let n = 0;
        while (n < max && head < lines.length) {
          emit(lines[head++]);
          n++;
        }
        emitted += n;
        if (head === lines.length) {
          lines = [];
          head = 0;
        } else if (head > 4096) {
          lines = lines.slice(head);
          head = 0;
        }
        if (paused && lines.length - head <= capacity / 2) {
          paused = false;
          socket?.resume();
        }
        return ended && head === lines.length ? 'end' : 'more';
      },
      position: (): SocketTextPosition => ({ lines: emitted }),
      close() {
        notify();
        socket?.destroy();
        socket = undefined;
      },
    };
  }
}
