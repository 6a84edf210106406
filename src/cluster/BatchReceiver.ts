/**
 * The consuming end of an exchange channel between two threads: decodes each frame as it
 * arrives (io-ts; a message from another thread is outside input), hands records and in-band
 * events to its handler in the order they were sent, and returns credits and window slots to
 * the producer. It checks the producer sent no more records than were granted, and refuses
 * loudly otherwise (the frame window is the sender's to keep: acknowledgements cross in flight,
 * so this end cannot tell an overrun from a late acknowledgement).
 */
import { MessagePort } from 'worker_threads';
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { ChannelEvent } from '../runtime/protocol';
import { DemandFrame, ExchangeFrameCodec } from './exchangeProtocol';
import { ExchangeError, badFrame, boundExceeded } from './ExchangeError';
import { ChannelEnd } from './ChannelEnd';
import { fromColumns } from './batchColumns';

export interface BatchReceiverHandler {
  readonly records: (records: readonly unknown[], timestamps: readonly number[]) => void;
  readonly event: (event: ChannelEvent) => void;
  /** The channel failed; nothing more arrives. Called once. */
  readonly failed: (error: ExchangeError) => void;
}

export class BatchReceiver extends ChannelEnd {
  /** Records granted and not yet received. */
  private outstanding = 0;
  /** Frames received, not yet acknowledged to the producer. */
  private unacknowledged = 0;

  /**
   * Grants `initialCredits` at once, as a task grants its channel capacity when wired.
   * `name` says which channel this is in errors.
   */
  constructor(port: MessagePort, name: string, initialCredits: number, maxFramesInFlight: number, private readonly handler: BatchReceiverHandler) {
    super(port, name, maxFramesInFlight, handler.failed);
    this.grant(initialCredits);
  }

  /** The handler took `credits` records off its input: the producer may send that many more. */
  grant(credits: number): void {
    if (!(Number.isInteger(credits) && credits >= 0)) throw new Error(`credits must be a non-negative integer, got ${credits}`);
    if (this.state !== 'open') return;
    this.outstanding += credits;
    this.reply(credits);
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
    this.unacknowledged++;
    if (frame.type === 'records' || frame.type === 'columns') {
      const count = frame.type === 'records' ? frame.records.length : frame.columns.count;
      if (count > this.outstanding) return this.fail(boundExceeded(this.name, `${count} records but ${this.outstanding} granted`));
      this.outstanding -= count;
      if (frame.type === 'records') this.handler.records(frame.records, frame.timestamps);
      else this.handler.records(fromColumns(frame.columns), numbersOf(frame.timestamps));
    } else {
      if (frame.type === 'endOfInput') this.state = 'ended';
      this.handler.event(frame);
    }
    // Window slots go back once half the window is taken, even when no credit does (a run of events).
    if (this.state === 'open' && this.unacknowledged * 2 >= this.maxFramesInFlight) this.reply(0);
  }
}

/** A Float64Array's numbers in an array (Array.from goes through the iterator: several times slower). */
function numbersOf(values: Float64Array): number[] {
  const numbers = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) numbers[i] = values[i];
  return numbers;
}
