/**
 * The window operator (keyed): puts each element into its windows (an accumulator each, or
 * the elements with an evictor; merging session windows), asks the trigger what to do, emits
 * results with the window's end as timestamp, sends elements of windows past their allowed
 * lateness to the late-data side output, and drops a window's state once the watermark passes
 * its end plus the lateness. Window contents, trigger state and timers are keyed state: they
 * are in every checkpoint.
 */
import { KeySelector } from '../../graph/Partitioning';
import { OperatorContext } from '../../graph/StreamOperator';
import { Key } from '../../state/keyHash';
import { Timer } from '../../state/KeyedTimerService';
import { Serializers } from '../../state/Serializer';
import { MapState } from '../../state/State';
import { MapStateDescriptor } from '../../state/StateDescriptor';
import { KeyedOperator } from './KeyedOperator';
import { sideOutputEmitter } from './sideOutputs';
import { OutputTag } from '../../graph/OutputTag';
import { WindowContents, WindowContext } from '../../windowing/ProcessWindowFunction';
import { Evictor } from '../../windowing/Evictor';
import { OnMergeContext, Trigger, TriggerResult, TriggerState } from '../../windowing/Trigger';
import { TimeWindow, Window, windowFromId } from '../../windowing/Window';
import { WindowAssigner } from '../../windowing/WindowAssigner';
import { WindowBuffer, accumulatingBuffer, evictingBuffer } from '../../windowing/WindowBuffer';

export interface WindowOperatorSpec<IN, ACC, OUT, KEY> {
  readonly assigner: WindowAssigner;
  readonly trigger: Trigger<IN> | undefined;
  /** With an evictor the windows keep their elements, not an accumulator. */
  readonly evictor: Evictor<IN> | undefined;
  readonly allowedLatenessMs: number;
  readonly lateDataTag: OutputTag<IN> | undefined;
  readonly contents: WindowContents<IN, ACC, OUT, KEY, Window>;
  readonly sideOutputTags: readonly OutputTag<unknown>[];
}

/** Enough for every window open at once in ordinary jobs (a sliding window's slides times a few). */
const INTERNED_WINDOWS = 1024;

/** The window a session element ends up in, what it holds so far, and whether it existed before. */
interface MergedSession {
  readonly window: TimeWindow;
  readonly stored: unknown;
  readonly existed: boolean;
}

export class WindowOperator<IN, ACC, OUT, KEY extends Key> extends KeyedOperator<IN, OUT> {
  /**
   * Window id -> what the window holds (see WindowBuffer), for the current key. A session
   * window whose contents were purged holds null: it still exists, so later elements merge
   * with it, as in Flink.
   */
  private windows!: MapState<string, unknown>;
  private triggerState!: MapState<string, unknown>;
  private buffer!: WindowBuffer<IN, unknown, OUT, KEY>;
  private trigger!: Trigger<IN>;
  private key!: KEY;
  private window!: Window;
  /** While windows merge: the windows merged away, whose trigger state onMerge may combine. */
  private mergedWindows: readonly Window[] = [];
  private windowContext!: WindowContext<Window>;
  private triggerContext!: OnMergeContext;
  /**
   * Time windows by start, reused for every element of a window: state and timers are named by
   * `window.id`, and looking up the same string again is cheap (its hash is kept), a fresh one
   * per element is not. Cleared when it grows past INTERNED_WINDOWS; only a cache.
   */
  private readonly interned = new Map<number, TimeWindow>();
  /** The same windows by id, for timers (named by window id). */
  private readonly internedById = new Map<string, TimeWindow>();

  constructor(private readonly spec: WindowOperatorSpec<IN, ACC, OUT, KEY>, keySelector: KeySelector<IN>) {
    super({}, keySelector);
  }

  protected override onOpen(context: OperatorContext): void {
    super.onOpen(context);
    this.trigger = this.spec.trigger ?? this.spec.assigner.defaultTrigger<IN>();
    const evictor = this.spec.evictor;
    this.buffer = (evictor === undefined ? accumulatingBuffer(this.spec.contents) : evictingBuffer(this.spec.contents, evictor)) as WindowBuffer<IN, unknown, OUT, KEY>;
    this.windows = this.state.getMapState(new MapStateDescriptor(evictor === undefined ? 'window-contents' : 'window-elements', Serializers.string, Serializers.json<unknown>()));
    this.triggerState = this.state.getMapState(new MapStateDescriptor('window-trigger-state', Serializers.string, Serializers.json<unknown>()));
    const timers = this.timers;
    const output = sideOutputEmitter(context.operatorName, this.spec.sideOutputTags, () => this.out);
    const self = this;
    this.windowContext = {
      get window() {
        return self.window;
      },
      currentWatermark: () => timers.currentWatermark(),
      currentProcessingTime: () => context.processingTime.now(),
      output,
    };
    const stateId = (window: Window, name: string) => `${window.id}|${name}`;
    this.triggerContext = {
      currentWatermark: () => timers.currentWatermark(),
      currentProcessingTime: () => context.processingTime.now(),
      registerEventTimeTimer: (t) => timers.registerEventTimeTimer(self.window.id, t),
      registerProcessingTimeTimer: (t) => timers.registerProcessingTimeTimer(self.window.id, t),
      deleteEventTimeTimer: (t) => timers.deleteEventTimeTimer(self.window.id, t),
      deleteProcessingTimeTimer: (t) => timers.deleteProcessingTimeTimer(self.window.id, t),
      getState: <V>(name: string): TriggerState<V> => ({
        get: () => self.triggerState.get(stateId(self.window, name)) as V | undefined,
        set: (v) => self.triggerState.put(stateId(self.window, name), v),
        clear: () => self.triggerState.remove(stateId(self.window, name)),
      }),
      mergePartitionedState: <V>(name: string, merge: (a: V, b: V) => V) => {
        let merged = self.triggerState.get(stateId(self.window, name)) as V | undefined;
        for (const old of self.mergedWindows) {
          const value = self.triggerState.get(stateId(old, name)) as V | undefined;
          if (value !== undefined) merged = merged === undefined ? value : merge(merged, value);
        }
        if (merged !== undefined) self.triggerState.put(stateId(self.window, name), merged);
      },
    };
  }

  private cleanupTime(window: Window): number {
    if (window.kind === 'global') return Infinity;
    return this.spec.assigner.isEventTime ? window.maxTimestamp() + this.spec.allowedLatenessMs : window.maxTimestamp();
  }

  private isLate(window: Window): boolean {
    return this.spec.assigner.isEventTime && this.cleanupTime(window) <= this.timers.currentWatermark();
  }

  processElement(record: IN): void {
    this.key = this.enterKey(record) as KEY;
    const time = this.context.time;
    const recordTimestamp = time.timestamp;
    const timestamp = this.spec.assigner.isEventTime ? recordTimestamp : this.context.processingTime.now();
    if (Number.isNaN(timestamp)) {
      throw new Error(`operator '${this.context.operatorName}': an event-time window needs timestamps; call assignTimestampsAndWatermarks(...) before it`);
    }
    let windows = this.spec.assigner.assignWindows(timestamp);
    if (!this.spec.assigner.merging) windows = this.intern(windows);
    let merged: MergedSession | undefined;
    if (this.spec.assigner.merging) {
      merged = this.mergeSessions(windows[0] as TimeWindow);
      windows = [merged.window];
    }
    let accepted = false;
    for (const window of windows) {
      if (this.isLate(window)) continue;
      accepted = true;
      this.window = window;
      const previous = merged !== undefined ? merged.stored : this.windows.get(window.id);
      this.windows.put(window.id, this.buffer.add(record, recordTimestamp, previous ?? undefined));
      this.act(this.trigger.onElement(record, timestamp, window, this.triggerContext), window);
      // A window that held something has its cleanup timer already: it is deleted only with the window.
      if (merged !== undefined ? !merged.existed : previous === undefined) this.registerCleanup(window);
    }
    if (!accepted) {
      if (this.spec.lateDataTag !== undefined) this.out.collectSide(this.spec.lateDataTag.id, record);
      else if (this.context.metrics !== undefined) this.context.metrics.lateRecordsDropped++;
    }
    // The record's own timestamp again for whatever comes after in the chain.
    time.timestamp = recordTimestamp;
  }

  /** The same window objects as before for windows seen before (see `interned`). */
  private intern(windows: Window[]): Window[] {
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i];
      if (w.kind !== 'time') continue;
      const known = this.interned.get(w.start);
      if (known !== undefined && known.end === w.end) windows[i] = known;
      else {
        if (this.interned.size >= INTERNED_WINDOWS) {
          this.interned.clear();
          this.internedById.clear();
        }
        this.interned.set(w.start, w);
        this.internedById.set(w.id, w);
      }
    }
    return windows;
  }

  /**
   * A session window for the new element, merged with every window of the key it overlaps
   * (existing windows of a key never overlap each other). When that changes windows (the
   * element does not just fall inside one), the trigger merges its state into the merged
   * window (onMerge) and the old windows are cleared, as in Flink.
   */
  private mergeSessions(fresh: TimeWindow): MergedSession {
    let window = fresh;
    const overlapping: TimeWindow[] = [];
    for (const id of this.windows.keys()) {
      const existing = windowFromId(id);
      if (existing.kind !== 'time' || !existing.intersects(fresh)) continue;
      window = window.cover(existing);
      overlapping.push(existing);
    }
    if (overlapping.length === 0) return { window, stored: undefined, existed: false };
    // Earliest first: with an evictor, the merged window's elements are in that order.
    overlapping.sort((a, b) => a.start - b.start);
    const held: unknown[] = overlapping.map((w) => this.windows.get(w.id)).filter((s) => s !== null && s !== undefined);
    const stored = held.length === 0 ? undefined : held.reduce((a, b) => this.buffer.merge(a, b));
    if (overlapping.length === 1 && overlapping[0].id === window.id) return { window: overlapping[0], stored, existed: true };
    this.window = window;
    this.mergedWindows = overlapping;
    this.trigger.onMerge?.(window, this.triggerContext);
    this.mergedWindows = [];
    for (const old of overlapping) this.clearWindow(old);
    return { window, stored, existed: false };
  }

  private act(result: TriggerResult, window: Window): void {
    if (result === 'FIRE' || result === 'FIRE_AND_PURGE') this.emit(window);
    if (result === 'PURGE' || result === 'FIRE_AND_PURGE') this.empty(window);
  }

  /** Drops a window's contents; a session window stays (see `windows`). */
  private empty(window: Window): void {
    if (this.spec.assigner.merging) this.windows.put(window.id, null);
    else this.windows.remove(window.id);
  }

  private emit(window: Window): void {
    const stored = this.windows.get(window.id);
    if (stored === undefined || stored === null) return;
    this.window = window;
    this.context.time.timestamp = window.kind === 'time' ? window.maxTimestamp() : NaN;
    const kept = this.buffer.emit(this.key, this.windowContext, stored, this.out);
    if (kept === undefined) this.empty(window);
    else if (kept !== stored) this.windows.put(window.id, kept);
  }

  /** A timer at the window's cleanup time, in the assigner's time domain. */
  private registerCleanup(window: Window): void {
    const time = this.cleanupTime(window);
    if (time === Infinity) return;
    if (this.spec.assigner.isEventTime) this.timers.registerEventTimeTimer(window.id, time);
    else this.timers.registerProcessingTimeTimer(window.id, time);
  }

  private clearWindow(window: Window): void {
    this.window = window;
    this.windows.remove(window.id);
    this.trigger.clear(window, this.triggerContext);
    const time = this.cleanupTime(window);
    if (time === Infinity) return;
    if (this.spec.assigner.isEventTime) this.timers.deleteEventTimeTimer(window.id, time);
    else this.timers.deleteProcessingTimeTimer(window.id, time);
  }

  protected override onTimer(timer: Timer): void {
    this.key = timer.key as KEY;
    const window = this.internedById.get(timer.namespace) ?? windowFromId(timer.namespace);
    this.window = window;
    // A session window merged away is gone; other windows see their timers even when purged.
    if (!this.spec.assigner.merging || this.windows.contains(window.id)) {
      const result =
        timer.domain === 'event' ? this.trigger.onEventTime(timer.time, window, this.triggerContext) : this.trigger.onProcessingTime(timer.time, window, this.triggerContext);
      this.act(result, window);
    }
    const cleanup = this.cleanupTime(window);
    const due = timer.domain === 'event' ? this.spec.assigner.isEventTime && timer.time === cleanup : !this.spec.assigner.isEventTime && timer.time === cleanup;
    if (due) this.clearWindow(window);
  }
}
