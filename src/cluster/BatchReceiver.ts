/**
 * The consuming end of an exchange channel between two threads (or two instances, through a
 * FramePort): decodes each frame as it arrives (io-ts; a message from another thread is outside
 * input), hands records and in-band events to its handler in the order they were sent, and
 * returns credits and window slots to the producer. It checks the producer sent no more records
 * than were granted, and refuses loudly otherwise (the frame window is the sender's to keep:
 * acknowledgements cross in flight, so this end cannot tell an overrun from a late
 * acknowledgement).
 *
 * Read-ahead: a credit round trip between threads takes several turns of both event loops, and a
 * producer granted only what its consumer grants waits for it again and again (2 task managers
 * were idle a quarter of the time). With `readAhead` r, the producer is granted r records beyond
 * the consumer's own grants; what arrives beyond the consumer's credit waits here, in order with
 * the events behind it, and is handed on whole as the consumer grants. A frame's window slot
 * goes back only once it is handed on, so what waits here is bounded twice: r records, and the
 * window's frames. A checkpoint barrier does not wait: it is handed on at once, with the records
 * ahead of it beyond the consumer's credit (at most r), so that a task handling barriers on
 * arrival (unaligned checkpoints) takes them into its snapshot as input queued before the
 * barrier, as in one thread, instead of the barrier waiting for the task to drain them; the
 * consumer's credit is short by as much until it grants them back. Only a batch larger than the consumer's whole capacity (which its credit
 * never reaches) is handed on in parts, as far as the credit goes; splitting others would halve
 * the batches for good.
 */
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { ChannelEvent } from '../runtime/protocol';
import { DemandFrame, ExchangeFrameCodec } from './exchangeProtocol';
import { ExchangeError, badFrame, boundExceeded } from './ExchangeError';
import { ChannelEnd } from './ChannelEnd';
import { fromColumns } from './batchColumns';
import { FramePort } from './FramePort';

export interface BatchReceiverHandler {
  readonly records: (records: readonly unknown[], timestamps: readonly number[]) => void;
  readonly event: (event: ChannelEvent) => void;
  /** The channel failed; nothing more arrives. Called once. */
  readonly failed: (error: ExchangeError) => void;
}

export interface ReadAhead {
  readonly records: number;
  readonly handlerCapacity: number;
}

/** A frame taken off the port, decoded, not yet handed on. */
type Held = { readonly records: readonly unknown[]; readonly timestamps: readonly number[] } | { readonly event: ChannelEvent };

export class BatchReceiver extends ChannelEnd {
  /** Records granted to the producer and not yet received. */
  private outstanding = 0;
  /** Records the handler granted and was not handed yet. */
  private handlerCredit = 0;
  /** Frames received and not handed on yet, in order (see read-ahead above). */
  private readonly held: Held[] = [];
  /** Records in `held`. */
  private heldRecords = 0;
  /** Barriers in `held`. */
  private heldBarriers = 0;
  /** Frames handed on, not yet acknowledged to the producer. */
  private unacknowledged = 0;
  private handing = false;
  private readonly handlerCapacity: number;

  /**
   * Grants `initialCredits` (and `readAhead`) at once, as a task grants its channel capacity when wired.
   * `name` says which channel this is in errors.
   */
  constructor(
    port: FramePort,
    name: string,
    initialCredits: number,
    maxFramesInFlight: number,
    private readonly handler: BatchReceiverHandler,
    /** Records granted beyond the handler's credit, and the most credit the handler grants (its channel's capacity). */
    readAhead: ReadAhead = { records: 0, handlerCapacity: Infinity },
  ) {
    super(port, name, maxFramesInFlight, handler.failed);
    if (!(Number.isInteger(readAhead.records) && readAhead.records >= 0)) throw new Error(`readAhead must be a non-negative integer, got ${readAhead.records}`);
    if (!(readAhead.handlerCapacity >= 1)) throw new Error(`a handler's capacity must be at least 1 record, got ${readAhead.handlerCapacity}`);
    this.handlerCapacity = readAhead.handlerCapacity;
    this.grant(initialCredits + readAhead.records);
    this.handlerCredit -= readAhead.records;
  }

  /** Records waiting here for the handler's credit. */
  get waiting(): number {
    return this.heldRecords;
  }

  /** The handler took `credits` records off its input: the producer may send that many more. */
  grant(credits: number): void {
    if (!(Number.isInteger(credits) && credits >= 0)) throw new Error(`credits must be a non-negative integer, got ${credits}`);
    // Once end of input came, credit only hands on what waits here: the producer sends nothing more.
    if (this.state === 'ended') {
      this.handlerCredit += credits;
      return this.handOn();
    }
    if (this.state !== 'open') return;
    this.outstanding += credits;
    this.handlerCredit += credits;
    this.handOn();
    if (this.state === 'open') this.reply(credits);
  }

  private reply(credits: number): void {
    const demand: DemandFrame = { type: 'demand', credits, frames: this.unacknowledged };
    this.unacknowledged = 0;
    this.port.postMessage(demand);
  }

  protected receive(message: unknown): void {
    if (this.state !== 'open') return;
    const decoded = ExchangeFrameCodec.decode(message);
    if (isLeft(decoded)) return this.fail(badFrame(this.name, PathReporter.report(decoded).join('; ')));
    const frame = decoded.right;
    if (frame.type === 'records' || frame.type === 'columns') {
      const count = frame.type === 'records' ? frame.records.length : frame.columns.count;
      if (count > this.outstanding) return this.fail(boundExceeded(this.name, `${count} records but ${this.outstanding} granted`));
      this.outstanding -= count;
      this.heldRecords += count;
      if (frame.type === 'records') this.held.push({ records: frame.records, timestamps: frame.timestamps });
      else this.held.push({ records: fromColumns(frame.columns), timestamps: numbersOf(frame.timestamps) });
    } else {
      if (frame.type === 'endOfInput') this.state = 'ended';
      if (frame.type === 'barrier') this.heldBarriers++;
      this.held.push({ event: frame });
    }
    this.handOn();
    // Window slots go back once half the window is handed on, even when no credit does (a run of events).
    if (this.state === 'open' && this.unacknowledged * 2 >= this.maxFramesInFlight) this.reply(0);
  }

  /** Hands on what waits, in order, as far as the handler's credit goes (a grant from inside the handler only adds credit). */
  private handOn(): void {
    if (this.handing) return;
    this.handing = true;
    try {
      while (this.held.length > 0 && this.state !== 'failed' && this.state !== 'closed') {
        const next = this.held[0];
        if ('event' in next) {
          this.held.shift();
          this.unacknowledged++;
          if (next.event.type === 'barrier') this.heldBarriers--;
          this.handler.event(next.event);
          continue;
        }
        // A barrier waiting behind records pulls them through (see read-ahead above).
        const n = this.heldBarriers > 0 || next.records.length <= this.handlerCredit ? next.records.length : next.records.length > this.handlerCapacity ? Math.max(0, this.handlerCredit) : 0;
        if (n === 0) return;
        this.handlerCredit -= n;
        this.heldRecords -= n;
        if (n === next.records.length) {
          this.held.shift();
          this.unacknowledged++;
          this.handler.records(next.records, next.timestamps);
        } else {
          this.held[0] = { records: next.records.slice(n), timestamps: next.timestamps.slice(n) };
          this.handler.records(next.records.slice(0, n), next.timestamps.slice(0, n));
        }
      }
    } finally {
      this.handing = false;
    }
  }
}

/** A Float64Array's numbers in an array (Array.from goes through the iterator: several times slower). */
function numbersOf(values: Float64Array): number[] {
  const numbers = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) numbers[i] = values[i];
  return numbers;
}
