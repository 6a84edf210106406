/**
 * The channels between two task managers of one instance (docs/cluster.md, "Task managers in
 * an instance"). The leader cannot make a MessagePort in another process, so it names each such
 * channel (a LocalBridge's `key`, unique per wiring) in the commands of both ends; the
 * instance's main thread, which forwards both, makes one MessageChannel per key and hands the
 * producer's end port1 and the consumer's port2, in place of the name. A pair whose other end
 * never came (its task manager's command was dropped, its attempt ended) is let go once a
 * deploy of a later attempt arrives, so what is held is one attempt's channels at most. It is
 * not closed: its end handed out is in a command, maybe still held for a thread that boots, and
 * closing either end detaches both, which could then not be transferred with it (DataCloneError,
 * seen in CI). The holder's tasks belong to an ended attempt, which the thread drops at the
 * later deploy, closing its end and so the other.
 */
import { MessageChannel, MessagePort } from 'worker_threads';
import { Bridge, LocalBridge, PortBridge } from './taskManagerProtocol';

interface Pair {
  readonly channel: MessageChannel;
  readonly epoch: number;
  readonly attempt: number;
  outletTaken: boolean;
  inletTaken: boolean;
}

/** Bridges with their ports in place of local names, and the ports their command must transfer. */
export interface Paired {
  readonly outlets: Bridge[];
  readonly inlets: Bridge[];
  readonly transfer: MessagePort[];
}

export class LocalChannels {
  private readonly pairs = new Map<string, Pair>();

  /** How many channels wait for their other end (for specs). */
  get waiting(): number {
    return this.pairs.size;
  }

  /** The bridges of one command, each local one replaced by its end's port. */
  pair(outlets: readonly Bridge[], inlets: readonly Bridge[]): Paired {
    const transfer: MessagePort[] = [];
    const end = (bridge: Bridge, side: 'outlet' | 'inlet'): Bridge => {
      if (!('local' in bridge)) return bridge;
      const port = this.take(bridge, side);
      transfer.push(port);
      return { task: bridge.task, channel: bridge.channel, name: bridge.name, port } satisfies PortBridge;
    };
    return { outlets: outlets.map((b) => end(b, 'outlet')), inlets: inlets.map((b) => end(b, 'inlet')), transfer };
  }

  /** A deploy of (`epoch`, `attempt`) arrived: the pairs of earlier attempts will never be completed, and are let go. */
  attemptStarted(epoch: number, attempt: number): void {
    for (const [key, pair] of this.pairs) if (pair.epoch < epoch || (pair.epoch === epoch && pair.attempt < attempt)) this.pairs.delete(key);
  }

  /** Lets every waiting pair go: the instance stops (its threads end, and their ends with them). */
  close(): void {
    this.pairs.clear();
  }

  private take(bridge: LocalBridge, side: 'outlet' | 'inlet'): MessagePort {
    const { key, epoch, attempt } = bridge.local;
    let pair = this.pairs.get(key);
    if (pair === undefined) {
      pair = { channel: new MessageChannel(), epoch, attempt, outletTaken: false, inletTaken: false };
      this.pairs.set(key, pair);
    }
    const taken = side === 'outlet' ? pair.outletTaken : pair.inletTaken;
    if (taken) throw new Error(`channel ${bridge.name} (${key}) was handed its ${side} twice: a local channel has one producer and one consumer`);
    if (side === 'outlet') pair.outletTaken = true;
    else pair.inletTaken = true;
    if (pair.outletTaken && pair.inletTaken) this.pairs.delete(key);
    return side === 'outlet' ? pair.channel.port1 : pair.channel.port2;
  }
}
