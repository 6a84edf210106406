/**
 * Event-time and processing-time timers per key and namespace (a window, or '' for a
 * process function), as Flink's InternalTimerService. Timers are keyed state (so they are in
 * every checkpoint and follow their key group on rescale); a heap per time domain orders them
 * for firing. A timer is registered once per (key, namespace, time) and fires once.
 */
import { Key } from './keyHash';
import { KeyedStateBackend } from './KeyedStateBackend';
import { MinHeap } from './MinHeap';
import { Serializers } from './Serializer';
import { MapState } from './State';
import { MapStateDescriptor } from './StateDescriptor';
import type { ProcessingTimeService } from '../time/ProcessingTimeService';

export type TimeDomain = 'event' | 'processing';

export interface Timer {
  readonly key: Key;
  readonly namespace: string;
  readonly time: number;
  readonly domain: TimeDomain;
}

/** The timers' state: it pins its keys (KeyedStateBackend.pinnedKeys; the Redis factory names it). */
export const TIMERS_STATE = '__timers';
/** Namespaces whose timer ids are kept (see `ids`). */
const TIMER_IDS_CACHED = 4096;
const TIMES_CACHED_PER_NAMESPACE = 8;

const timerId = (domain: TimeDomain, namespace: string, time: number) => `${domain === 'event' ? 'e' : 'p'}|${time}|${namespace}`;

export class KeyedTimerService {
  private readonly registered: MapState<string, number>;
  private readonly event = new MinHeap<Timer>((t) => t.time);
  private readonly processing = new MinHeap<Timer>((t) => t.time);
  private watermark = -Infinity;
  /** Processing time a Node timer is armed for; one at a time, for the earliest. */
  private armedFor = Infinity;
  private cancelArmed: (() => void) | undefined;
  /**
   * Timer ids by domain, namespace and time, reused: a window operator registers the same
   * timer for every element of a window, and a fresh id string is hashed again on every
   * lookup. Cleared when it grows past TIMER_IDS_CACHED; only a cache.
   */
  private readonly ids: Record<TimeDomain, Map<string, Map<number, string>>> = { event: new Map(), processing: new Map() };

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly processingTime: ProcessingTimeService,
    /** Called with the timer's key set as the backend's current key. */
    private readonly onTimer: (timer: Timer) => void,
  ) {
    this.registered = backend.getMapState(new MapStateDescriptor(TIMERS_STATE, Serializers.string, Serializers.number));
    this.restoreQueues();
  }

  currentWatermark(): number {
    return this.watermark;
  }

  registerEventTimeTimer(namespace: string, time: number): void {
    this.register('event', namespace, time);
  }

  registerProcessingTimeTimer(namespace: string, time: number): void {
    this.register('processing', namespace, time);
    this.armProcessingTimer();
  }

  deleteEventTimeTimer(namespace: string, time: number): void {
    this.registered.remove(this.idOf('event', namespace, time));
  }

  deleteProcessingTimeTimer(namespace: string, time: number): void {
    this.registered.remove(this.idOf('processing', namespace, time));
  }

  private idOf(domain: TimeDomain, namespace: string, time: number): string {
    const ids = this.ids[domain];
    let byTime = ids.get(namespace);
    if (byTime === undefined) {
      if (ids.size >= TIMER_IDS_CACHED) ids.clear();
      ids.set(namespace, (byTime = new Map()));
    }
    let id = byTime.get(time);
    if (id === undefined) {
      // A window has one or two timer times; a process function's namespace has many.
      if (byTime.size >= TIMES_CACHED_PER_NAMESPACE) byTime.clear();
      byTime.set(time, (id = timerId(domain, namespace, time)));
    }
    return id;
  }

  /** Fires, in time order, every event-time timer at or before `watermark`. */
  advanceWatermark(watermark: number): void {
    this.watermark = Math.max(this.watermark, watermark);
    this.fire(this.event, this.watermark);
  }

  private register(domain: TimeDomain, namespace: string, time: number): void {
    if (this.backend.pinnedKeys === undefined) {
      // Timers must be found again after a restore, and fire outside any batch's prefetch.
      throw new Error('timers (and windows) need a state backend that pins the keys owning timers (pinnedKeys)');
    }
    const id = this.idOf(domain, namespace, time);
    if (this.registered.contains(id)) return;
    this.registered.put(id, 1);
    (domain === 'event' ? this.event : this.processing).push({ key: this.backend.getCurrentKey(), namespace, time, domain });
  }

  private fire(queue: MinHeap<Timer>, upTo: number): void {
    for (let next = queue.peek(); next !== undefined && next.time <= upTo; next = queue.peek()) {
      queue.pop();
      this.backend.setCurrentKey(next.key);
      const id = this.idOf(next.domain, next.namespace, next.time);
      // Deleted timers stay in the heap; the state says whether a timer still stands.
      if (!this.registered.contains(id)) continue;
      this.registered.remove(id);
      this.onTimer(next);
    }
  }

  private armProcessingTimer(): void {
    const next = this.processing.peek();
    if (next === undefined || next.time >= this.armedFor) return;
    this.cancelArmed?.();
    this.armedFor = next.time;
    this.cancelArmed = this.processingTime.registerTimer(next.time, (time) => {
      this.armedFor = Infinity;
      this.cancelArmed = undefined;
      this.fire(this.processing, time);
      this.armProcessingTimer();
    });
  }

  /** After a restore, the timers are in state only: put them back in the queues. */
  private restoreQueues(): void {
    const pinnedKeys = this.backend.pinnedKeys;
    if (pinnedKeys === undefined) return;
    const current = this.backend.getCurrentKey();
    for (const key of pinnedKeys.call(this.backend, TIMERS_STATE)) {
      this.backend.setCurrentKey(key);
      for (const id of this.registered.keys()) {
        const [kind, timeText, ...rest] = id.split('|');
        const timer: Timer = { key, namespace: rest.join('|'), time: Number(timeText), domain: kind === 'e' ? 'event' : 'processing' };
        (timer.domain === 'event' ? this.event : this.processing).push(timer);
      }
    }
    if (current !== '') this.backend.setCurrentKey(current);
    this.armProcessingTimer();
  }

  dispose(): void {
    this.cancelArmed?.();
  }
}
