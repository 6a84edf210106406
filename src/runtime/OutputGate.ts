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
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { Output } from './StreamOperator';
import { TaskRef } from './protocol';

/** An in-band event: it travels in order with the records around it and takes no credit. */
export type ChannelEvent =
  | { readonly type: 'barrier'; readonly id: CheckpointId }
  | { readonly type: 'barrier.cancel'; readonly id: CheckpointId }
  | { readonly type: 'endOfInput' };

interface Channel {
  readonly ref: TaskRef;
  /** The channel's index at the consumer. */
  readonly remote: number;
  credits: number;
  /** Records (and the event that follows them) queued behind records still waiting for credit. */
  readonly queued: Array<{ records: unknown[]; readonly event: ChannelEvent }>;
  /** Records after the last queued event, not sent yet. */
  pending: unknown[];
}

interface Route {
  readonly kind: 'forward' | 'rebalance' | 'broadcast' | 'hash';
  readonly keySelector: KeySelector | undefined;
  readonly channels: readonly Channel[];
  /** Next channel for rebalance. */
  next: number;
}

export class OutputGate implements Output<unknown> {
  /** All channels by this task's output channel index (the index demand messages carry). */
  private readonly channels: Channel[] = [];
  private readonly main: Route[] = [];
  private readonly side = new Map<string, Route[]>();
  recordsOut = 0;

  constructor(
    edges: readonly OutputEdgePlan[],
    refs: readonly TaskRef[],
    private readonly batchSize: number,
    private readonly maxParallelism: number,
    taskIndex: number,
  ) {
    for (const edge of edges) {
      const channels = edge.channels.map((end) => {
        const channel: Channel = { ref: refs[this.channels.length], remote: end.channel, credits: 0, queued: [], pending: [] };
        this.channels.push(channel);
        return channel;
      });
      const p = edge.partitioning;
      const route: Route = { kind: p.kind, keySelector: p.kind === 'hash' ? p.keySelector : undefined, channels, next: taskIndex % channels.length };
      if (edge.tag === undefined) this.main.push(route);
      else this.side.set(edge.tag, [...(this.side.get(edge.tag) ?? []), route]);
    }
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
        const keyGroup = keyGroupOf(route.keySelector!(record), this.maxParallelism);
        this.push(channels[operatorIndexForKeyGroup(keyGroup, channels.length, this.maxParallelism)], record);
        return;
      }
    }
  }

  private push(channel: Channel, record: unknown): void {
    channel.pending.push(record);
    if (channel.pending.length >= this.batchSize && channel.credits > 0) this.flush(channel);
  }

  /** Sends records from the front of `records` while credit lasts; returns what is left. */
  private send(channel: Channel, records: unknown[]): unknown[] {
    while (records.length > 0 && channel.credits > 0) {
      const n = Math.min(records.length, channel.credits, this.batchSize);
      const batch = n === records.length ? records : records.splice(0, n);
      if (batch === records) records = [];
      channel.credits -= n;
      dispatch(channel.ref, { type: 'records', channel: channel.remote, records: batch });
    }
    return records;
  }

  private flush(channel: Channel): void {
    while (channel.queued.length > 0) {
      const head = channel.queued[0];
      head.records = this.send(channel, head.records);
      if (head.records.length > 0) return;
      this.sendEvent(channel, head.event);
      channel.queued.shift();
    }
    if (channel.pending.length > 0) channel.pending = this.send(channel, channel.pending);
  }

  private sendEvent(channel: Channel, event: ChannelEvent): void {
    dispatch(channel.ref, { ...event, channel: channel.remote });
  }

  /** Sends what the credits allow on every channel, partial batches included. */
  flushAll(): void {
    for (let i = 0; i < this.channels.length; i++) {
      const c = this.channels[i];
      if (c.pending.length > 0 || c.queued.length > 0) this.flush(c);
    }
  }

  /**
   * Sends an event on every channel at once, ahead of the records still buffered (an unaligned
   * checkpoint barrier). Returns copies of the overtaken records by output channel: they belong
   * to the checkpoint as channel state, and are still sent after the event.
   */
  emitPriorityEvent(event: ChannelEvent): unknown[][] {
    return this.channels.map((c) => {
      const overtaken: unknown[] = [];
      for (const segment of c.queued) for (const r of segment.records) overtaken.push(r);
      for (const r of c.pending) overtaken.push(r);
      this.sendEvent(c, event);
      return overtaken;
    });
  }

  /** Puts restored channel state back in front of everything else, by output channel. */
  restoreBuffered(byChannel: readonly (readonly unknown[])[]): void {
    byChannel.forEach((records, i) => {
      if (records.length > 0) this.channels[i].pending = [...records, ...this.channels[i].pending];
    });
  }

  /** Emits an event on every channel, after every record emitted before it (invariant 1). */
  emitEvent(event: ChannelEvent): void {
    for (const c of this.channels) {
      if (c.queued.length === 0) c.pending = this.send(c, c.pending);
      if (c.queued.length === 0 && c.pending.length === 0) this.sendEvent(c, event);
      else {
        c.queued.push({ records: c.pending, event });
        c.pending = [];
      }
    }
  }

  /** The consumer on `channel` granted more records. */
  grant(channel: number, credits: number): void {
    const c = this.channels[channel];
    c.credits += credits;
    if (c.pending.length > 0 || c.queued.length > 0) this.flush(c);
  }

  private buffered(c: Channel): number {
    let n = c.pending.length;
    for (let i = 0; i < c.queued.length; i++) n += c.queued[i].records.length;
    return n;
  }

  /** False while some channel holds a full batch it cannot send: take no more input then. */
  hasRoom(): boolean {
    for (let i = 0; i < this.channels.length; i++) if (this.buffered(this.channels[i]) >= this.batchSize) return false;
    return true;
  }
}
