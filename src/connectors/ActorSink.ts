/**
 * A sink that delivers results to an application actor with acknowledgement (Pekko's
 * `Sink.actorRefWithBackpressure`, one batch at a time): each instance first sends
 * `sink.init` and waits for an ack, then sends one batch and waits for its ack before the
 * next. The task grants no credit upstream while it waits, so the consumer's own speed is the
 * job's backpressure and nothing queues in its mailbox beyond one batch per instance.
 *
 * Guarantee: with checkpoints, batches written after the last completed checkpoint are
 * delivered again after a restart (at-least-once); the consumer can tell the instance from
 * `index`. A consumer that does not ack holds the job for at most `ackTimeoutMs` (default
 * 60 s): an init without ack fails the job (the consumer is gone, or never acknowledges), a
 * batch without ack fails the task, and the job restarts by its strategy.
 *
 * @example
 * const consumer = spawnStateless(system, (msg: ActorSinkMsg<Score>) => {
 *   if (msg.type === 'sink.batch') msg.records.forEach(remember);
 *   acknowledge(msg); // init and batches need an ack; complete and stopped do not
 * }, 'scores');
 * scores.sinkTo(ActorSink.actorRefWithBackpressure<Score>(consumer));
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { Ref, dispatch, spawnStateless, stop } from 'nact';
import { Sink, SinkContext, SinkWriter } from '../graph/Sink';
import { TaskManagerInstance } from '../graph/TaskManagerInstance';
import { ServiceError } from '../services/ServiceError';
import { withinDeadline } from '../services/withinDeadline';

/** The consumer's actor path, for errors. */
function consumerName(ref: Ref<unknown>): string {
  const parts = (ref as { path?: { parts?: readonly string[] } }).path?.parts;
  return parts === undefined ? 'consumer' : `'${parts.join('/')}'`;
}

/** What the consumer actor receives. */
export type ActorSinkMsg<T> =
  /** Instance `index` is ready: ack to receive its first batch (Pekko's onInitMessage). */
  | { readonly type: 'sink.init'; readonly index: number; readonly ackTo: Ref<ActorSinkAck> }
  /** The next batch of instance `index`, in order; ack it to receive the next. */
  | { readonly type: 'sink.batch'; readonly index: number; readonly records: readonly T[]; readonly ackTo: Ref<ActorSinkAck> }
  /** Instance `index` ended its input: every batch was delivered (Pekko's onCompleteMessage). */
  | { readonly type: 'sink.complete'; readonly index: number }
  /** Instance `index` stopped before its input ended: the job failed, restarts or was cancelled. */
  | { readonly type: 'sink.stopped'; readonly index: number };

/** The acknowledgement a consumer sends for an init or a batch (`acknowledge(msg)` sends it). */
export type ActorSinkAck = { readonly type: 'sink.ack' };

/** Acknowledges an init or a batch; other messages need no ack. */
export function acknowledge(msg: ActorSinkMsg<unknown>): void {
  if (msg.type === 'sink.init' || msg.type === 'sink.batch') dispatch(msg.ackTo, { type: 'sink.ack' });
}

/** Options of an actor sink. */
export interface ActorSinkOptions {
  /** The longest an instance waits for the consumer's ack of an init or a batch (default 60 000 ms). */
  readonly ackTimeoutMs?: number;
}

export const DEFAULT_ACTOR_SINK_ACK_TIMEOUT_MS = 60_000;

/** What a writer in a task manager sends the sink object in the application's thread: the consumer's messages without their ackTo. */
const RemoteSinkMsgCodec = t.union([
  t.type({ type: t.literal('sink.init'), index: t.number }),
  t.type({ type: t.union([t.literal('sink.complete'), t.literal('sink.stopped')]), index: t.number }),
  t.type({ type: t.literal('sink.batch'), index: t.number, records: t.array(t.unknown) }),
]);
type RemoteSinkMsg = t.TypeOf<typeof RemoteSinkMsgCodec>;
const ACK: ActorSinkAck = { type: 'sink.ack' };

/** Delivers a stream to an application actor in batches, each acknowledged before the next (see docs/actors.md). */
export class ActorSink<T> implements Sink<T> {
  readonly name = 'Actor Sink';
  private constructor(readonly consumer: Ref<ActorSinkMsg<T>>, private readonly ackTimeoutMs: number) {}

  /** A sink whose batches `consumer` receives, one at a time, each acknowledged before the next. */
  static actorRefWithBackpressure<T>(consumer: Ref<any>, options: ActorSinkOptions = {}): ActorSink<T> {
    const { ackTimeoutMs = DEFAULT_ACTOR_SINK_ACK_TIMEOUT_MS } = options;
    if (!(Number.isInteger(ackTimeoutMs) && ackTimeoutMs >= 1)) throw new Error(`ActorSink: ackTimeoutMs must be a positive integer (ms), got ${ackTimeoutMs}`);
    return new ActorSink<T>(consumer, ackTimeoutMs);
  }

  /** Called by the runtime: one writer per parallel instance, created in its task. */
  createWriter(context: SinkContext): SinkWriter<T> {
    return new ActorSinkWriter<T>(this.consumer, context, this.ackTimeoutMs);
  }

  /** The ackTo standing, in this thread, for the writer of each instance in a task manager. */
  private readonly remoteAcks = new Map<number, Ref<ActorSinkAck>>();

  /**
   * In the application's thread, for a writer in a task manager: its message goes to the
   * consumer with an ackTo of this thread, whose acks go back to the writer. A writer that
   * opens (sink.init) gets a new one; one that completes or stops has no more.
   */
  fromTaskManager(message: unknown, from: TaskManagerInstance): void {
    const decoded = RemoteSinkMsgCodec.decode(message);
    if (isLeft(decoded)) throw new Error(`Actor Sink: a writer in a task manager sent what is not a sink message: ${PathReporter.report(decoded).join('; ')}`);
    const msg: RemoteSinkMsg = decoded.right;
    const old = this.remoteAcks.get(msg.index);
    if (msg.type === 'sink.complete' || msg.type === 'sink.stopped') {
      if (old !== undefined) stop(old);
      this.remoteAcks.delete(msg.index);
      return dispatch(this.consumer, { type: msg.type, index: msg.index });
    }
    let ackTo = old;
    if (msg.type === 'sink.init' || ackTo === undefined) {
      if (old !== undefined) stop(old);
      ackTo = spawnStateless(from.parent as Ref<never>, () => from.reply(ACK)) as Ref<ActorSinkAck>;
      this.remoteAcks.set(msg.index, ackTo);
    }
    if (msg.type === 'sink.batch') dispatch(this.consumer, { type: msg.type, index: msg.index, records: msg.records as T[], ackTo });
    else dispatch(this.consumer, { type: 'sink.init', index: msg.index, ackTo });
  }

  /** The writer of instance `index` went with its task manager's thread: the consumer hears it stopped, as from a writer that closes, unless it completed or stopped already. */
  taskManagerLost(index: number): void {
    const ackTo = this.remoteAcks.get(index);
    if (ackTo === undefined) return;
    stop(ackTo);
    this.remoteAcks.delete(index);
    dispatch(this.consumer, { type: 'sink.stopped', index });
  }
}

class ActorSinkWriter<T> implements SinkWriter<T> {
  private ackTo: Ref<ActorSinkAck> | undefined;
  private awaiting: (() => void) | undefined;
  private ended = false;

  constructor(private readonly consumer: Ref<ActorSinkMsg<T>>, private readonly context: SinkContext, private readonly ackTimeoutMs: number) {}

  /** Sends to the consumer: with this thread's ackTo, or through the application's thread (in a task manager). */
  private tell: (msg: RemoteSinkMsg) => void = () => {};

  open(): Promise<void> {
    if (this.context.actor === undefined) throw new Error('Actor Sink: runs only inside a task actor');
    const { toApplication, fromApplication } = this.context;
    if (toApplication !== undefined && fromApplication !== undefined) {
      // In a task manager: the consumer is an actor of the application's thread, which relays its acks.
      fromApplication(() => this.acked());
      this.tell = toApplication;
    } else {
      const ackTo = (this.ackTo = spawnStateless(this.context.actor as Ref<never>, () => this.acked(), 'sink-ack') as Ref<ActorSinkAck>);
      this.tell = (msg) => dispatch(this.consumer, msg.type === 'sink.init' || msg.type === 'sink.batch' ? ({ ...msg, ackTo } as ActorSinkMsg<T>) : msg);
    }
    return this.send({ type: 'sink.init', index: this.context.index });
  }

  write(records: readonly T[]): Promise<void> {
    return this.send({ type: 'sink.batch', index: this.context.index, records: records as unknown[] });
  }

  finish(): void {
    this.ended = true;
    this.tell({ type: 'sink.complete', index: this.context.index });
  }

  close(): void {
    if (!this.ended) this.tell({ type: 'sink.stopped', index: this.context.index });
    this.acked();
    if (this.ackTo !== undefined) stop(this.ackTo);
  }

  private send(msg: Extract<RemoteSinkMsg, { type: 'sink.init' | 'sink.batch' }>): Promise<void> {
    const acked = new Promise<void>((resolve) => {
      this.awaiting = resolve;
      this.tell(msg);
    });
    const consumer = consumerName(this.consumer);
    // An init never acked: a restart would wait for the same consumer again.
    const restartable = msg.type !== 'sink.init';
    return withinDeadline(
      acked,
      this.ackTimeoutMs,
      () => new ServiceError('actor', consumer, `Actor Sink (instance ${this.context.index}): the consumer actor ${consumer} did not acknowledge ${msg.type} within ${this.ackTimeoutMs} ms: is it running, and does it call acknowledge(msg)? (ackTimeoutMs)`, restartable),
    );
  }

  /** An ack with nothing awaited (a duplicate) is ignored. */
  private acked(): void {
    const awaiting = this.awaiting;
    this.awaiting = undefined;
    awaiting?.();
  }
}
