/**
 * The output side of a task: partitions records onto channels and sends them in batches,
 * never more than the consumer granted (credit-based flow control, as Flink's). Records that
 * cannot be sent yet wait in a per-channel buffer; the task stops taking input while any
 * buffer holds a full batch, so buffers stay bounded by one batch plus what one input batch
 * produces.
 */
import { dispatch } from 'nact';
import { OutputEdgePlan } from '../graph/ExecutionPlan';
import { KeySelector } from '../graph/Partitioning';
import { keyGroupOf, operatorIndexForKeyGroup } from '../state/keyGroups';
import { noKey } from '../state/KeyCursor';
import { Output, RecordTime } from '../graph/StreamOperator';
import { ChannelEvent, TaskRef } from './protocol';

/** Records not sent yet, with their event timestamps (NaN: none) in a parallel array. */
export interface Buffered {
  records: unknown[];
  timestamps: number[];
}

interface Channel {
  /** Changes only when the consumer task is restarted alone (restartTask). */
  ref: TaskRef;
  /** The channel's index at the consumer. */
  readonly remote: number;
  credits: number;
  /** Records (and the event that follows them) queued behind records still waiting for credit. */
  readonly queued: Array<{ buffered: Buffered; readonly event: ChannelEvent }>;
  /** Records after the last queued event, not sent yet. */
  pending: Buffered;
}

interface Route {
  readonly kind: 'forward' | 'rebalance' | 'broadcast' | 'hash';
  readonly keySelector: KeySelector | undefined;
  /** Hash routes: the consumer fails records without a key itself (ExecutionPlan's OutputEdgePlan). */
  readonly keyedConsumer: boolean;
  readonly channels: readonly Channel[];
  /** For hash routes, the channel of each key group (computed once, not per record). */
  readonly channelOfKeyGroup: Uint16Array;
  /** Next channel for rebalance. */
  next: number;
}

export class OutputGate implements Output<unknown> {
  /** All channels by this task's output channel index (the index demand messages carry). */
  private readonly channels: Channel[] = [];
  private readonly main: Route[] = [];
  private readonly side = new Map<string, Route[]>();
  recordsOut = 0;
  /** The last watermark sent downstream (-Infinity: none yet), for metrics. */
  lastWatermark = -Infinity;

  constructor(
    edges: readonly OutputEdgePlan[],
    refs: readonly TaskRef[],
    private readonly batchSize: number,
    private readonly maxParallelism: number,
    taskIndex: number,
    private readonly time: RecordTime,
  ) {
    for (const edge of edges) {
      const channels = edge.channels.map((end) => {
        const channel: Channel = { ref: refs[this.channels.length], remote: end.channel, credits: 0, queued: [], pending: { records: [], timestamps: [] } };
        this.channels.push(channel);
        return channel;
      });
      const p = edge.partitioning;
      const channelOfKeyGroup = new Uint16Array(p.kind === 'hash' ? maxParallelism : 0);
      for (let kg = 0; kg < channelOfKeyGroup.length; kg++) channelOfKeyGroup[kg] = operatorIndexForKeyGroup(kg, channels.length, maxParallelism);
      const keySelector = p.kind === 'hash' ? p.keySelector : undefined;
      const route: Route = { kind: p.kind, keySelector, keyedConsumer: edge.keyedConsumer, channels, channelOfKeyGroup, next: taskIndex % channels.length };
      if (edge.tag === undefined) this.main.push(route);
      else this.side.set(edge.tag, [...(this.side.get(edge.tag) ?? []), route]);
    }
  }

  /**
   * The consumer on `channel` was restarted alone: send to its successor, which grants its own
   * credit; what the predecessor was granted is void. Records still buffered here go to the successor.
   */
  replaceConsumer(channel: number, ref: TaskRef): void {
    this.channels[channel].ref = ref;
    this.channels[channel].credits = 0;
  }

  collect(record: unknown): void {
    this.recordsOut++;
    const routes = this.main;
    for (let i = 0; i < routes.length; i++) this.route(routes[i], record);
  }

  collectSide(tag: string, record: unknown): void {
    const routes = this.side.get(tag);
    if (routes === undefined) return;
    for (let i = 0; i < routes.length; i++) this.route(routes[i], record);
  }

  emitWatermark(watermark: number): void {
    this.lastWatermark = watermark;
    this.emitEvent({ type: 'watermark', watermark });
  }

  emitIdle(): void {
    this.emitEvent({ type: 'idle' });
  }

  private route(route: Route, record: unknown): void {
    const channels = route.channels;
    switch (route.kind) {
      case 'forward':
        this.push(channels[0], record);
        return;
      case 'rebalance':
        this.push(channels[route.next], record);
        route.next = route.next + 1 === channels.length ? 0 : route.next + 1;
        return;
      case 'broadcast':
        for (let i = 0; i < channels.length; i++) this.push(channels[i], record);
        return;
      case 'hash': {
        const key = route.keySelector!(record);
        // No key: the record goes on to the first instance, where the keyed operator fails it
        // by its own name and under its own supervision (KeyCursor.moveTo). A consumer without
        // keys (a sink after keyBy) would take it silently: this task's record fails here.
        if (key === null || key === undefined) {
          if (!route.keyedConsumer) throw noKey(key);
          return this.push(channels[0], record);
        }
        this.push(channels[route.channelOfKeyGroup[keyGroupOf(key, this.maxParallelism)]], record);
        return;
      }
    }
  }

  private push(channel: Channel, record: unknown): void {
    const pending = channel.pending;
    pending.records.push(record);
    pending.timestamps.push(this.time.timestamp);
    if (pending.records.length >= this.batchSize && channel.credits > 0) this.flush(channel);
  }

  /** Sends records from the front of `buffered` while credit lasts, taking them out of it. */
  private send(channel: Channel, buffered: Buffered): void {
    while (buffered.records.length > 0 && channel.credits > 0) {
      const n = Math.min(buffered.records.length, channel.credits, this.batchSize);
      let records = buffered.records;
      let timestamps = buffered.timestamps;
      if (n === records.length) {
        buffered.records = [];
        buffered.timestamps = [];
      } else {
        records = records.splice(0, n);
        timestamps = timestamps.splice(0, n);
      }
      channel.credits -= n;
      dispatch(channel.ref, { type: 'records', channel: channel.remote, records, timestamps });
    }
  }

  private flush(channel: Channel): void {
    while (channel.queued.length > 0) {
      const head = channel.queued[0];
      this.send(channel, head.buffered);
      if (head.buffered.records.length > 0) return;
      this.sendEvent(channel, head.event);
      channel.queued.shift();
    }
    if (channel.pending.records.length > 0) this.send(channel, channel.pending);
  }

  private sendEvent(channel: Channel, event: ChannelEvent): void {
    dispatch(channel.ref, { ...event, channel: channel.remote });
  }

  /** Sends what the credits allow on every channel, partial batches included. */
  flushAll(): void {
    for (let i = 0; i < this.channels.length; i++) {
      const c = this.channels[i];
      if (c.pending.records.length > 0 || c.queued.length > 0) this.flush(c);
    }
  }

  /**
   * Sends an event on every channel at once, ahead of the records still buffered (an unaligned
   * checkpoint barrier). Returns copies of the overtaken records by output channel: they belong
   * to the checkpoint as channel state, and are still sent after the event.
   */
  emitPriorityEvent(event: ChannelEvent): Buffered[] {
    return this.channels.map((c) => {
      const overtaken: Buffered = { records: [], timestamps: [] };
      for (const { buffered } of c.queued) {
        overtaken.records.push(...buffered.records);
        overtaken.timestamps.push(...buffered.timestamps);
      }
      overtaken.records.push(...c.pending.records);
      overtaken.timestamps.push(...c.pending.timestamps);
      this.sendEvent(c, event);
      return overtaken;
    });
  }

  /** Puts restored channel state back in front of everything else, by output channel. */
  restoreBuffered(byChannel: readonly Buffered[]): void {
    byChannel.forEach((restored, i) => {
      const c = this.channels[i];
      if (restored.records.length === 0) return;
      c.pending = { records: [...restored.records, ...c.pending.records], timestamps: [...restored.timestamps, ...c.pending.timestamps] };
    });
  }

  /** Emits an event on every channel, after every record emitted before it (docs/internals.md, invariant 1). */
  emitEvent(event: ChannelEvent): void {
    for (const c of this.channels) {
      if (c.queued.length === 0) this.send(c, c.pending);
      if (c.queued.length === 0 && c.pending.records.length === 0) this.sendEvent(c, event);
      else {
        c.queued.push({ buffered: c.pending, event });
        c.pending = { records: [], timestamps: [] };
      }
    }
  }

  /** The consumer on `channel` granted more records. */
  grant(channel: number, credits: number): void {
    const c = this.channels[channel];
    c.credits += credits;
    if (c.pending.records.length > 0 || c.queued.length > 0) this.flush(c);
  }

  private buffered(c: Channel): number {
    let n = c.pending.records.length;
    for (let i = 0; i < c.queued.length; i++) n += c.queued[i].buffered.records.length;
    return n;
  }

  /** Records waiting for credit over all channels (metrics: the output queue's use). */
  bufferedRecords(): number {
    let n = 0;
    for (let i = 0; i < this.channels.length; i++) n += this.buffered(this.channels[i]);
    return n;
  }

  /** False while some channel holds a full batch it cannot send: take no more input then. */
  hasRoom(): boolean {
    for (let i = 0; i < this.channels.length; i++) if (this.buffered(this.channels[i]) >= this.batchSize) return false;
    return true;
  }
}
