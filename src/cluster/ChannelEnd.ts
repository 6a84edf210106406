/**
 * What both ends of an exchange channel share: the port (FramePort), its lifecycle, and how a failure
 * ends it — once, closing the port, with the handler told. A port that closes before the
 * channel ended (end of input sent or received) means the other thread (or instance) is gone.
 */
import { ExchangeError, badFrame, peerGone, transportFailed } from './ExchangeError';
import { FramePort } from './FramePort';

/** `ended`: end of input went through; `closed`: this end closed it. */
export type ChannelState = 'open' | 'ended' | 'failed' | 'closed';

export abstract class ChannelEnd {
  protected state: ChannelState = 'open';

  protected constructor(
    protected readonly port: FramePort,
    /** Which channel this is, in errors (e.g. `map/0 -> count/1`). */
    protected readonly name: string,
    protected readonly maxFramesInFlight: number,
    private readonly failed: (error: ExchangeError) => void,
  ) {
    if (!(Number.isInteger(maxFramesInFlight) && maxFramesInFlight >= 1)) throw new Error(`maxFramesInFlight must be a positive integer, got ${maxFramesInFlight}`);
    port.on('message', (message: unknown) => this.receive(message));
    port.on('messageerror', (e: Error) => this.fail(badFrame(name, e.message)));
    port.on('close', () => (this.state === 'open' ? this.fail(peerGone(name)) : undefined));
    port.on('error', (e: Error) => this.fail(transportFailed(name, e.message)));
  }

  /** A message from the other end, not decoded yet. */
  protected abstract receive(message: unknown): void;

  /** Stops listening; the other end sees its port close (a failure there unless the channel ended). */
  close(): void {
    if (this.state === 'open') this.state = 'closed';
    this.port.close();
  }

  protected fail(error: ExchangeError): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.port.close();
    this.failed(error);
  }
}
