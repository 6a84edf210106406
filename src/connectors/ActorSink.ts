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
import { Ref, dispatch, spawnStateless, stop } from 'nact';
import { Sink, SinkContext, SinkWriter } from '../graph/Sink';
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
}

class ActorSinkWriter<T> implements SinkWriter<T> {
  private ackTo: Ref<ActorSinkAck> | undefined;
  private awaiting: (() => void) | undefined;
  private ended = false;

  constructor(private readonly consumer: Ref<ActorSinkMsg<T>>, private readonly context: SinkContext, private readonly ackTimeoutMs: number) {}

  open(): Promise<void> {
    if (this.context.actor === undefined) throw new Error('Actor Sink: runs only inside a task actor');
    this.ackTo = spawnStateless(this.context.actor as Ref<never>, () => this.acked(), 'sink-ack') as Ref<ActorSinkAck>;
    return this.send({ type: 'sink.init', index: this.context.index, ackTo: this.ackTo });
  }

  write(records: readonly T[]): Promise<void> {
    return this.send({ type: 'sink.batch', index: this.context.index, records, ackTo: this.ackTo! });
  }

  finish(): void {
    this.ended = true;
    dispatch(this.consumer, { type: 'sink.complete', index: this.context.index });
  }

  close(): void {
    if (!this.ended) dispatch(this.consumer, { type: 'sink.stopped', index: this.context.index });
    this.acked();
    if (this.ackTo !== undefined) stop(this.ackTo);
  }

  private send(msg: ActorSinkMsg<T>): Promise<void> {
    const acked = new Promise<void>((resolve) => {
      this.awaiting = resolve;
      dispatch(this.consumer, msg);
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
