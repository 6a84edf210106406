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
import { ChannelEvent } from '../runtime/OutputGate';
import { DemandFrame, ExchangeFrameCodec } from './exchangeProtocol';
import { ExchangeError, badFrame, boundExceeded, peerGone } from './ExchangeError';

export interface BatchReceiverHandler {
  readonly records: (records: readonly unknown[], timestamps: readonly number[]) => void;
  readonly event: (event: ChannelEvent) => void;
  /** The channel failed; nothing more arrives. Called once. */
  readonly failed: (error: ExchangeError) => void;
}

export class BatchReceiver {
  /** Records granted and not yet received. */
  private outstanding = 0;
  /** Frames received, not yet acknowledged to the producer. */
  private unacknowledged = 0;
  private state: 'open' | 'ended' | 'failed' | 'closed' = 'open';

  /**
   * Grants `initialCredits` at once, as a task grants its channel capacity when wired.
   * `name` says which channel this is in errors.
   */
  constructor(
    private readonly port: MessagePort,
    private readonly name: string,
    initialCredits: number,
    private readonly maxFramesInFlight: number,
    private readonly handler: BatchReceiverHandler,
  ) {
    if (!(Number.isInteger(maxFramesInFlight) && maxFramesInFlight >= 1)) throw new Error(`maxFramesInFlight must be a positive integer, got ${maxFramesInFlight}`);
    port.on('message', (message: unknown) => this.receive(message));
    port.on('messageerror', (e: Error) => this.fail(badFrame(name, e.message)));
    port.on('close', () => (this.state === 'open' ? this.fail(peerGone(name)) : undefined));
    this.grant(initialCredits);
  }

  /** The handler took `credits` records off its input: the producer may send that many more. */
  grant(credits: number): void {
    if (!(Number.isInteger(credits) && credits >= 0)) throw new Error(`credits must be a non-negative integer, got ${credits}`);
    if (this.state !== 'open') return;
    this.outstanding += credits;
    this.reply(credits);
  }

  /** Stops listening; the producer sees its port close. */
  close(): void {
    if (this.state === 'open') this.state = 'closed';
    this.port.close();
  }

  private reply(credits: number): void {
    const demand: DemandFrame = { type: 'demand', credits, frames: this.unacknowledged };
    this.unacknowledged = 0;
    this.port.postMessage(demand);
  }

  private receive(message: unknown): void {
    if (this.state !== 'open') return;
    const decoded = ExchangeFrameCodec.decode(message);
    if (isLeft(decoded)) return this.fail(badFrame(this.name, PathReporter.report(decoded).join('; ')));
    const frame = decoded.right;
    this.unacknowledged++;
    if (frame.type === 'records') {
      if (frame.records.length > this.outstanding) return this.fail(boundExceeded(this.name, `${frame.records.length} records but ${this.outstanding} granted`));
      this.outstanding -= frame.records.length;
      this.handler.records(frame.records, frame.timestamps);
    } else {
      if (frame.type === 'endOfInput') this.state = 'ended';
      this.handler.event(frame);
    }
    // Window slots go back once half the window is taken, even when no credit does (a run of events).
    if (this.state === 'open' && this.unacknowledged * 2 >= this.maxFramesInFlight) this.reply(0);
  }

  private fail(error: ExchangeError): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.port.close();
    this.handler.failed(error);
  }
}
