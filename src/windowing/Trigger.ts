/**
 * Triggers decide when a window's result is emitted (FIRE) and when its contents are dropped
 * (PURGE), as in Flink. A trigger sees one key's window at a time through its context.
 */
import { Window } from './Window';

/**
 * What a trigger decides: nothing yet (CONTINUE), emit the window's result (FIRE), drop its contents (PURGE), or
 * both.
 */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

/** A value a trigger keeps per key and window (a count, say); in keyed state, so in checkpoints. */
export interface TriggerState<V> {
  /** The value kept for this key and window, undefined when none is. */
  get(): V | undefined;
  /** Replaces the value kept for this key and window. */
  set(value: V): void;
  /** Drops the value kept for this key and window. */
  clear(): void;
}

/** What a trigger sees of its key's window: the clocks, timers and per-window state. */
export interface TriggerContext {
  /** The task's current event-time watermark. */
  currentWatermark(): number;
  /** The task's processing-time clock, in epoch milliseconds. */
  currentProcessingTime(): number;
  /** `onEventTime(time)` runs once the watermark reaches `time`. */
  registerEventTimeTimer(time: number): void;
  /** `onProcessingTime(time)` runs once the clock reaches `time`. */
  registerProcessingTimeTimer(time: number): void;
  /** Removes an event-time timer of this key and window. */
  deleteEventTimeTimer(time: number): void;
  /** Removes a processing-time timer of this key and window. */
  deleteProcessingTimeTimer(time: number): void;
  /** The named value this trigger keeps for the key and window. */
  getState<V>(name: string): TriggerState<V>;
}

/** What a trigger sees when session windows merge: the merged windows' state can be combined. */
export interface OnMergeContext extends TriggerContext {
  /**
   * Combines the named state of the windows being merged (with `merge`) into the merged
   * window's state; the old windows' state is then dropped with them.
   */
  mergePartitionedState<V>(name: string, merge: (a: V, b: V) => V): void;
}

/** Decides, element by element and timer by timer, when a window fires and when it is purged. */
export interface Trigger<T, W extends Window = Window> {
  /** Called for each element added to the window. */
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when an event-time timer this trigger registered for the window is reached. */
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when a processing-time timer this trigger registered for the window is reached. */
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /**
   * Whether the trigger works with merging (session) windows, i.e. has an `onMerge`. A merging
   * window assigner refuses a trigger without it. Absent: false.
   */
  canMerge?(): boolean;
  /**
   * Windows were merged into `window` (before the element that merged them is added): register
   * the merged window's timers and merge the old windows' state. Then each old window is
   * cleared with `clear`.
   */
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** The window is gone: drop timers and state of the trigger. */
  clear(window: W, ctx: TriggerContext): void;
}

/** Fires once the watermark passes the window's end; a late element within allowed lateness fires again. */
export const EventTimeTrigger = {
  /**
   * A trigger that fires a window once the watermark passes its end (and again for late elements within the
   * allowed lateness).
   */
  create<T>(): Trigger<T> {
    return {
      onElement(_e, _ts, window, ctx) {
        if (window.maxTimestamp() <= ctx.currentWatermark()) return 'FIRE';
        ctx.registerEventTimeTimer(window.maxTimestamp());
        return 'CONTINUE';
      },
      onEventTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
      onProcessingTime: () => 'CONTINUE',
      canMerge: () => true,
      onMerge(window, ctx) {
        // A merged window that is already due fires with the element that merged it (onElement).
        if (window.maxTimestamp() > ctx.currentWatermark()) ctx.registerEventTimeTimer(window.maxTimestamp());
      },
      clear(window, ctx) {
        ctx.deleteEventTimeTimer(window.maxTimestamp());
      },
    };
  },
};

/** Fires when the clock passes the window's end. */
export const ProcessingTimeTrigger = {
  /** A trigger that fires a window once the processing-time clock passes its end. */
  create<T>(): Trigger<T> {
    return {
      onElement(_e, _ts, window, ctx) {
        ctx.registerProcessingTimeTimer(window.maxTimestamp());
        return 'CONTINUE';
      },
      onEventTime: () => 'CONTINUE',
      onProcessingTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
      canMerge: () => true,
      onMerge(window, ctx) {
        if (window.maxTimestamp() > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(window.maxTimestamp());
      },
      clear(window, ctx) {
        ctx.deleteProcessingTimeTimer(window.maxTimestamp());
      },
    };
  },
};

/** Fires every `count` elements of the window. */
export const CountTrigger = {
  /** A trigger that fires every `count` elements; a positive integer. */
  of<T>(count: number): Trigger<T> {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`CountTrigger.of: count must be a positive integer, got ${count}`);
    return {
      onElement(_e, _ts, _window, ctx) {
        const seen = ctx.getState<number>('count');
        const n = (seen.get() ?? 0) + 1;
        if (n >= count) {
          seen.clear();
          return 'FIRE';
        }
        seen.set(n);
        return 'CONTINUE';
      },
      onEventTime: () => 'CONTINUE',
      onProcessingTime: () => 'CONTINUE',
      canMerge: () => true,
      // The merged window has seen the elements of all the windows it merged.
      onMerge: (_window, ctx) => ctx.mergePartitionedState<number>('count', (a, b) => a + b),
      clear(_window, ctx) {
        ctx.getState<number>('count').clear();
      },
    };
  },
};

/** Makes another trigger's FIRE purge the window's contents too. */
export const PurgingTrigger = {
  /** `inner`, with each FIRE made FIRE_AND_PURGE. */
  of<T, W extends Window>(inner: Trigger<T, W>): Trigger<T, W> {
    const purging = (r: TriggerResult): TriggerResult => (r === 'FIRE' ? 'FIRE_AND_PURGE' : r);
    return {
      onElement: (e, ts, w, ctx) => purging(inner.onElement(e, ts, w, ctx)),
      onEventTime: (t, w, ctx) => purging(inner.onEventTime(t, w, ctx)),
      onProcessingTime: (t, w, ctx) => purging(inner.onProcessingTime(t, w, ctx)),
      canMerge: () => inner.canMerge?.() ?? false,
      onMerge: (w, ctx) => inner.onMerge?.(w, ctx),
      clear: (w, ctx) => inner.clear(w, ctx),
    };
  },
};
