/**
 * The producing end of an exchange channel between two threads, or two instances (through
 * Kafka: the port is a FramePort). Records go only as far as the consumer granted (credits, in
 * records, as between tasks in one thread); every frame — a batch or an in-band event — takes a
 * slot of a window the consumer frees as it takes frames off the channel. So the port's queue
 * holds at most `maxFramesInFlight` frames and `credits` records, whatever the producer does:
 * nothing between the threads is unbounded. The sender keeps no queue of its own: a caller that
 * cannot send now keeps what it has (the task's output gate already queues behind missing
 * credit) and is told when to try again.
 *
 * One structured clone per batch: the batch is posted as it is, or in columns when its records
 * allow (batchColumns.ts), and V8 copies it into the message, but for the columns' number blocks,
 * which are transferred (docs/internals.md, "Exchange between threads").
 */
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { ChannelEvent } from '../runtime/protocol';
import { DemandFrameCodec, ExchangeFrame } from './exchangeProtocol';
import { ExchangeError, badFrame, boundExceeded } from './ExchangeError';
import { ChannelEnd } from './ChannelEnd';
import { buffersOf, toColumns } from './batchColumns';
import { FramePort } from './FramePort';

export interface BatchSenderEvents {
  /** Credits (`credits` more records, maybe 0) or window slots came back: what could not be sent may be now. */
  readonly writable: (credits: number) => void;
  /** The channel failed; nothing more can be sent. Called once. */
  readonly failed: (error: ExchangeError) => void;
}

export class BatchSender extends ChannelEnd {
  private credits = 0;
  private framesInFlight = 0;

  /** `name` says which channel this is in errors (e.g. `map/0 -> count/1`). */
  constructor(port: FramePort, name: string, maxFramesInFlight: number, private readonly events: BatchSenderEvents) {
    super(port, name, maxFramesInFlight, events.failed);
  }

  /** Records the consumer still takes. */
  get availableCredits(): number {
    return this.credits;
  }

  /** True when a batch of `records` records may be sent now. */
  canSendRecords(records: number): boolean {
    return this.state === 'open' && records <= this.credits && this.framesInFlight < this.maxFramesInFlight;
  }

  /** True when an in-band event may be sent now (events take a window slot, not credit). */
  canSendEvent(): boolean {
    return this.state === 'open' && this.framesInFlight < this.maxFramesInFlight;
  }

  /**
   * Sends one batch. The caller checks `canSendRecords` first: sending more than was granted
   * would break the bound, so it throws. A record that cannot be cloned (a function, a symbol)
   * throws the structured clone's error, naming the first such record.
   */
  sendRecords(records: readonly unknown[], timestamps: readonly number[]): void {
    if (!this.canSendRecords(records.length)) throw new Error(`exchange ${this.name}: ${records.length} records do not fit now (${this.credits} credits, ${this.framesInFlight}/${this.maxFramesInFlight} frames in flight, channel ${this.state}): check canSendRecords and wait for writable`);
    if (records.length !== timestamps.length) throw new Error(`exchange ${this.name}: ${records.length} records but ${timestamps.length} timestamps`);
    const columns = toColumns(records);
    if (columns === undefined) this.post({ type: 'records', records, timestamps }, records);
    else {
      // The columns' buffers and the timestamps' are this batch's own: they move, not copied.
      const times = new Float64Array(timestamps);
      this.post({ type: 'columns', columns, timestamps: times }, records, [...buffersOf(columns), times.buffer]);
    }
    this.credits -= records.length;
  }

  /** Sends an in-band event after everything sent before it. After `endOfInput` nothing more can be sent. */
  sendEvent(event: ChannelEvent): void {
    if (!this.canSendEvent()) throw new Error(`exchange ${this.name}: no room for a ${event.type} now (${this.framesInFlight}/${this.maxFramesInFlight} frames in flight, channel ${this.state}): check canSendEvent and wait for writable`);
    this.post(event, []);
    if (event.type === 'endOfInput') this.state = 'ended';
  }

  private post(frame: ExchangeFrame, records: readonly unknown[], transfer?: ArrayBuffer[]): void {
    try {
      this.port.postMessage(frame, transfer);
    } catch (e) {
      throw new Error(`exchange ${this.name}: ${(e as Error).message}${describeFirstUncloneable(records)}`);
    }
    this.framesInFlight++;
  }

  /** Demand from the consumer. */
  protected receive(message: unknown): void {
    if (this.state === 'failed') return;
    const decoded = DemandFrameCodec.decode(message);
    if (isLeft(decoded)) return this.fail(badFrame(this.name, PathReporter.report(decoded).join('; ')));
    if (decoded.right.frames > this.framesInFlight) return this.fail(boundExceeded(this.name, `${decoded.right.frames} frames acknowledged but ${this.framesInFlight} in flight`));
    this.credits += decoded.right.credits;
    this.framesInFlight -= decoded.right.frames;
    if (this.state === 'open') this.events.writable(decoded.right.credits);
  }
}

/** Only on the failure path: finds which record the structured clone refused. */
function describeFirstUncloneable(records: readonly unknown[]): string {
  for (let i = 0; i < records.length; i++) {
    try {
      structuredClone(records[i]);
    } catch {
      return ` (record ${i} of the batch cannot cross threads: records must be plain data, without functions or symbols)`;
    }
  }
  return '';
}
