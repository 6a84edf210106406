/**
 * The input side of a task: one channel per producer, holding what arrived and is not processed
 * yet, taken round-robin over the channels that are not blocked by barrier alignment. A
 * producer sends only the records it was granted credit for, so each queue holds at most the
 * channel's capacity in records (plus events, which take no credit); credit goes back for the
 * records taken, once per drain, not per record.
 */
import { dispatch } from 'nact';
import { Buffered } from './OutputGate';
import { TaskMsg, TaskRef } from './protocol';

/** What travels in-band on an input channel, in the order it was sent. */
export type InputItem = Extract<TaskMsg, { type: 'records' | 'endOfInput' | 'barrier' | 'barrier.cancel' | 'watermark' | 'idle' }>;

interface InputChannel {
  /** Changes only when the producer task is restarted alone (restartTask). */
  ref: TaskRef;
  /** The channel's index at the producer. */
  readonly remote: number;
  /** Its end of input was taken from the queue. */
  ended: boolean;
  /** Held by barrier alignment: its items wait until the checkpoint is aligned. */
  blocked: boolean;
  /** Records taken since credit was last granted back. */
  consumed: number;
  /** Arrived, not processed yet; bounded by the credit granted on the channel. */
  readonly queue: InputItem[];
}

export class InputGate {
  private readonly channels: InputChannel[];
  /** Where the round-robin continues. */
  private next = 0;
  /** Channels whose end of input was taken from the queue. */
  readonly ended = new Set<number>();
  /** Channels whose end of input has arrived (it may still wait in the queue). */
  readonly endArrived = new Set<number>();

  /** `remotes[c]`: the index of channel c at its producer; `refs[c]`: that producer. */
  constructor(remotes: readonly number[], refs: readonly TaskRef[], private readonly capacity: number) {
    if (refs.length !== remotes.length) throw new Error(`input gate: ${refs.length} producers for ${remotes.length} input channels`);
    this.channels = remotes.map((remote, c) => ({ ref: refs[c], remote, ended: false, blocked: false, consumed: 0, queue: [] }));
  }

  get size(): number {
    return this.channels.length;
  }

  /** Queues an item as it arrives on its channel. */
  receive(item: InputItem): void {
    const channel = this.channels[item.channel];
    if (channel === undefined) throw new Error(`input gate: '${item.type}' on channel ${item.channel}, which does not exist (the task has ${this.channels.length})`);
    if (item.type === 'endOfInput') this.endArrived.add(item.channel);
    channel.queue.push(item);
  }

  /** The next channel with something to take, round-robin over the unblocked ones; -1 when none. */
  nextReady(): number {
    const n = this.channels.length;
    for (let k = 0; k < n; k++) {
      const c = (this.next + k) % n;
      const channel = this.channels[c];
      if (!channel.blocked && channel.queue.length > 0) {
        this.next = (c + 1) % n;
        return c;
      }
    }
    return -1;
  }

  /** Takes the first item of channel `c`, which nextReady returned. */
  take(c: number): InputItem {
    const item = this.channels[c].queue.shift();
    if (item === undefined) throw new Error(`input gate: nothing to take on channel ${c}`);
    return item;
  }

  /** The item after the one just taken on channel `c`, if it arrived. */
  peek(c: number): InputItem | undefined {
    return this.channels[c].queue[0];
  }

  /** `n` records of channel `c` were processed: credit for them goes back at the next grant. */
  consumed(c: number, n: number): void {
    this.channels[c].consumed += n;
  }

  /** The end of input of channel `c` was taken: it gets no more credit. */
  markEnded(c: number): void {
    this.channels[c].ended = true;
    this.ended.add(c);
  }

  allEnded(): boolean {
    return this.ended.size === this.channels.length;
  }

  block(c: number): void {
    this.channels[c].blocked = true;
  }

  unblockAll(): void {
    for (const channel of this.channels) channel.blocked = false;
  }

  /** The first credit, once the task is open: each producer may send a channel's capacity. */
  grantInitial(): void {
    for (const channel of this.channels) dispatch(channel.ref, { type: 'demand', channel: channel.remote, credits: this.capacity });
  }

  /** Grants back what was taken since the last grant, on channels that did not end. */
  grantConsumed(): void {
    for (const channel of this.channels) {
      if (channel.consumed === 0 || channel.ended) continue;
      dispatch(channel.ref, { type: 'demand', channel: channel.remote, credits: channel.consumed });
      channel.consumed = 0;
    }
  }

  /**
   * The producer on channel `c` was restarted alone: its successor gets credit for what the
   * queue does not hold already, so records in flight stay under the channel's capacity.
   * `running` false: the task takes no input any more and grants nothing.
   */
  replaceProducer(c: number, ref: TaskRef, running: boolean): void {
    const channel = this.channels[c];
    channel.ref = ref;
    channel.consumed = 0;
    if (!running || channel.ended) return;
    let queued = 0;
    for (const item of channel.queue) if (item.type === 'records') queued += item.records.length;
    const credits = this.capacity - queued;
    if (credits > 0) dispatch(ref, { type: 'demand', channel: channel.remote, credits });
  }

  /** Records queued over all channels (metrics: the input queue's use). */
  queuedRecords(): number {
    let n = 0;
    for (const channel of this.channels) for (const item of channel.queue) if (item.type === 'records') n += item.records.length;
    return n;
  }

  /** Copies of the records queued on each channel (an unaligned checkpoint's channel state). */
  queuedByChannel(): Buffered[] {
    return this.channels.map((channel) => {
      const queued: Buffered = { records: [], timestamps: [] };
      for (const item of channel.queue) {
        if (item.type !== 'records') continue;
        queued.records.push(...item.records);
        queued.timestamps.push(...item.timestamps);
      }
      return queued;
    });
  }
}
