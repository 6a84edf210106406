/**
 * What a producer actor keeps to feed an ActorSource: a bounded outbox of records not yet
 * acknowledged. It sends as the source's credits allow, drops records once acknowledged, and
 * resends from where a restarted source asks. `offer` refuses a record when the outbox is
 * full: that is where the job's backpressure reaches the application.
 *
 * @example
 * spawn(system, (outbox: ActorSourceOutbox<Order>, msg) => {
 *   if (isActorSourceSignal(msg)) outbox.handle(msg);
 *   else if (!outbox.offer(msg.order)) dispatch(msg.replyTo, 'busy, try later');
 *   return outbox;
 * }, 'orders', { initialStateFunc: () => new ActorSourceOutbox<Order>(10_000) });
 */
import { absurd } from 'fp-ts/function';
import { Ref, dispatch } from 'nact';
import { sameActor } from '../runtime/nactInternals';
import { ActorSourceMsg, ActorSourceSignal } from './actorSourceProtocol';

/** The producer's side of an actor source, kept as the producer actor's state: see the example above. */
export class ActorSourceOutbox<T> {
  private records: T[] = [];
  private head = 0;
  /** Number of the record at `head`: every record before it is acknowledged. */
  private base = 0;
  /** Number of the next record to send. */
  private nextToSend = 0;
  private credits = 0;
  private inlet: Ref<ActorSourceMsg<T>> | undefined;
  private completed = false;
  private completionSent = false;
  private failed: string | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ActorSourceOutbox: capacity must be a positive integer, got ${capacity}`);
  }

  /** Records held: sent and not acknowledged, or not sent yet. */
  get size(): number {
    return this.records.length - this.head;
  }

  /** Records sent and not acknowledged yet. */
  get inFlight(): number {
    return this.nextToSend - this.base;
  }

  /** How many records were acknowledged so far. */
  get acknowledged(): number {
    return this.base;
  }

  /** Whether `offer` would take a record now. */
  hasRoom(): boolean {
    return this.size < this.capacity && !this.completed;
  }

  /** Queues a record for the job; false (and nothing queued) when the outbox is full. */
  offer(record: T): boolean {
    if (this.completed) throw new Error('ActorSourceOutbox: offer after complete()');
    if (!this.hasRoom()) return false;
    this.records.push(record);
    this.flush();
    return true;
  }

  /** Queues as many of `records` as fit, in order, and sends once; returns how many were taken. */
  offerBatch(records: readonly T[]): number {
    if (this.completed) throw new Error('ActorSourceOutbox: offer after complete()');
    const n = Math.min(records.length, this.capacity - this.size);
    for (let i = 0; i < n; i++) this.records.push(records[i]);
    this.flush();
    return n;
  }

  /** No record follows: the source ends after the ones offered. */
  complete(): void {
    this.completed = true;
    this.flush();
  }

  /** Fails the source task with `reason`. */
  fail(reason: string): void {
    this.failed = reason;
    if (this.inlet !== undefined) dispatch(this.inlet, { type: 'source.fail', reason });
  }

  /** Takes a signal of the source: credits, acknowledgements, a (re)start. */
  handle(signal: ActorSourceSignal<T>): void {
    switch (signal.type) {
      case 'source.started':
        if (signal.resumeFrom < this.base) throw new Error(`ActorSourceOutbox: the source asks to resume from record ${signal.resumeFrom}, which was acknowledged already (up to ${this.base})`);
        this.inlet = signal.inlet;
        this.acknowledge(signal.resumeFrom);
        this.nextToSend = signal.resumeFrom;
        this.credits = signal.credits;
        this.completionSent = false;
        if (this.failed !== undefined) return this.fail(this.failed);
        break;
      case 'source.demand':
        // Signals of a source instance that was replaced are stale.
        if (!sameActor(signal.inlet, this.inlet)) return;
        this.credits += signal.credits;
        this.acknowledge(signal.acknowledged);
        break;
      case 'source.acknowledged':
        if (!sameActor(signal.inlet, this.inlet)) return;
        this.acknowledge(signal.upTo);
        break;
      default:
        return absurd(signal);
    }
    this.flush();
  }

  private acknowledge(upTo: number): void {
    const n = Math.min(upTo, this.nextToSend) - this.base;
    if (n <= 0) return;
    this.head += n;
    this.base += n;
    if (this.head === this.records.length) {
      this.records = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  private flush(): void {
    if (this.inlet === undefined) return;
    const end = this.base + this.size;
    const n = Math.min(this.credits, end - this.nextToSend);
    if (n > 0) {
      const from = this.head + (this.nextToSend - this.base);
      dispatch(this.inlet, { type: 'source.records', from: this.nextToSend, records: this.records.slice(from, from + n) });
      this.nextToSend += n;
      this.credits -= n;
    }
    if (this.completed && !this.completionSent && this.nextToSend === end) {
      this.completionSent = true;
      dispatch(this.inlet, { type: 'source.complete' });
    }
  }
}
