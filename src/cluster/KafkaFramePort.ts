/**
 * One end of an exchange channel between instances, as a FramePort: what is posted goes, in
 * order, into the channel's send partition (through the instance's KafkaExchange, which owns
 * the producer and the fetch loop); what the exchange fetches from the receive partition comes
 * out as 'message', frames of another attempt or epoch skipped. It behaves as a MessagePort
 * where the channel's ends rely on it: posting after close does nothing, a frame that cannot
 * be serialized throws at once, `close` on either end closes both (a marker record tells the
 * other end, behind every frame this end sent), and the events come on a later turn.
 *
 * Demand frames (consumer to producer) waiting to be produced are merged: a port holds at most
 * one, so what waits here is bounded by the sender's frame window (exchangeProtocol.ts) plus
 * one demand and the close marker, and a port that would hold more fails (it cannot: the
 * window forbids it; the check keeps the bound true whatever the caller does).
 */
import { EventEmitter } from 'events';
import * as v8 from 'v8';
import { FramePort } from './FramePort';
import { KafkaChannelAddress } from '../instances/kafkaChannelAddress';

/** A record waiting to be produced: its value now, or (a demand that may still grow) when taken. */
export interface OutgoingFrame {
  readonly port: KafkaFramePort;
  readonly value: Buffer | (() => Buffer);
  /** The close marker: produced with an empty value. */
  readonly close: boolean;
}

/** What a port needs of its exchange. */
export interface FrameOutbox {
  /** Queues a record for the port's send partition, after everything queued before. */
  send(frame: OutgoingFrame): void;
  /** The port started listening or closed: the fetch loop reads its partition, or stops. */
  changed(): void;
}

type DemandCounts = { type: 'demand'; credits: number; frames: number };

const isDemand = (frame: unknown): frame is DemandCounts =>
  typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === 'demand' && typeof (frame as DemandCounts).credits === 'number' && typeof (frame as DemandCounts).frames === 'number';

export class KafkaFramePort implements FramePort {
  private readonly events = new EventEmitter();
  /** `closed`: by either end, its frames still produced up to the marker; `failed`: its transport failed, nothing more produced. */
  private state: 'open' | 'closed' | 'failed' = 'open';
  /** Next offset of the receive partition to read (the exchange's fetch loop moves it). */
  nextOffset: number;
  /** Has a 'message' listener: only then is its partition fetched. */
  listening = false;
  /** Records queued for the producer, not taken yet. */
  private queued = 0;
  /** The number of the next record it produces (exchangeHeaders' `seq`). */
  private produced = 0;
  /** The number of the next record of its attempt and epoch it must read: one missing fails it. */
  expectedSeq = 0;
  /** A demand queued and not taken yet: later demand adds to it. */
  private pendingDemand: DemandCounts | undefined;

  constructor(
    readonly address: KafkaChannelAddress,
    /** In errors: which channel (e.g. `map/0 -> count/1`). */
    readonly name: string,
    private readonly outbox: FrameOutbox,
    /** The most records this port may have waiting to be produced. */
    private readonly maxQueued: number,
  ) {
    this.nextOffset = address.receiveFrom;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Its transport failed: what it still has queued is dropped. */
  get hasFailed(): boolean {
    return this.state === 'failed';
  }

  /** Serialized now (as a MessagePort clones at once), produced in order; a closed port drops it. */
  postMessage(frame: unknown): void {
    if (this.state !== 'open') return;
    if (isDemand(frame) && this.pendingDemand !== undefined) {
      this.pendingDemand.credits += frame.credits;
      this.pendingDemand.frames += frame.frames;
      return;
    }
    if (this.queued >= this.maxQueued) {
      this.fail(new Error(`${this.queued} frames wait to be produced to ${this.where('send')}, the most a channel may have (its frame window, a demand and the close marker)`));
      return;
    }
    let value: OutgoingFrame['value'];
    if (isDemand(frame)) {
      const demand: DemandCounts = { type: 'demand', credits: frame.credits, frames: frame.frames };
      this.pendingDemand = demand;
      value = () => {
        this.pendingDemand = undefined;
        return v8.serialize(demand);
      };
    } else value = v8.serialize(frame);
    this.queued++;
    this.outbox.send({ port: this, value, close: false });
  }

  on(event: 'message' | 'messageerror' | 'close' | 'error', listener: (arg: never) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    if (event === 'message' && !this.listening) {
      this.listening = true;
      this.outbox.changed();
    }
    return this;
  }

  /** Closes both ends: the marker follows every frame posted before. */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.pendingDemand = undefined;
    this.outbox.send({ port: this, value: Buffer.alloc(0), close: true });
    this.closed();
  }

  /** @internal The exchange took a queued record of this port. */
  taken(): void {
    this.queued--;
  }

  /** @internal The number of the record the exchange produces next for this port (taken in order, so in the partition's order). */
  nextSeq(): number {
    return this.produced++;
  }

  /** @internal A frame fetched from the receive partition, of this attempt and epoch. */
  receive(value: Buffer | null): void {
    if (this.state !== 'open') return;
    let frame: unknown;
    try {
      if (value === null) throw new Error('a record without a value');
      frame = v8.deserialize(value);
    } catch (e) {
      this.events.emit('messageerror', new Error(`a record of ${this.where('receive')} is not a frame: ${(e as Error).message}`));
      return;
    }
    this.events.emit('message', frame);
  }

  /** @internal The other end closed: this end closes too (no marker back). */
  peerClosed(): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.closed();
  }

  /** @internal The transport failed for this port: 'error', then 'close'; nothing more is sent or read. */
  fail(error: Error): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.pendingDemand = undefined;
    this.outbox.changed();
    setImmediate(() => {
      // An EventEmitter throws an 'error' nobody listens to: a port no channel end opened just closes.
      if (this.events.listenerCount('error') > 0) this.events.emit('error', error);
      this.events.emit('close');
    });
  }

  /** `send` or `receive` partition, for errors. */
  where(side: 'send' | 'receive'): string {
    return `${this.address.topic}/${side === 'send' ? this.address.sendPartition : this.address.receivePartition} (channel ${this.name})`;
  }

  private closed(): void {
    this.outbox.changed();
    setImmediate(() => this.events.emit('close'));
  }
}
