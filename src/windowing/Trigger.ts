/**
 * Triggers decide when a window's result is emitted (FIRE) and when its contents are dropped
 * (PURGE), as in Flink. A trigger sees one key's window at a time through its context.
 */
import { Window } from './Window';

export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

/** A value a trigger keeps per key and window (a count, say); in keyed state, so in checkpoints. */
export interface TriggerState<V> {
  get(): V | undefined;
  set(value: V): void;
  clear(): void;
}

export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  getState<V>(name: string): TriggerState<V>;
}

export interface Trigger<T, W extends Window = Window> {
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** The window is gone: drop timers and state of the trigger. */
  clear(window: W, ctx: TriggerContext): void;
}

/** Fires once the watermark passes the window's end; a late element within allowed lateness fires again. */
export const EventTimeTrigger = {
  create<T>(): Trigger<T> {
    return {
      onElement(_e, _ts, window, ctx) {
        if (window.maxTimestamp() <= ctx.currentWatermark()) return 'FIRE';
        ctx.registerEventTimeTimer(window.maxTimestamp());
        return 'CONTINUE';
      },
      onEventTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
      onProcessingTime: () => 'CONTINUE',
      clear(window, ctx) {
        ctx.deleteEventTimeTimer(window.maxTimestamp());
      },
    };
  },
};

/** Fires when the clock passes the window's end. */
export const ProcessingTimeTrigger = {
  create<T>(): Trigger<T> {
    return {
      onElement(_e, _ts, window, ctx) {
        ctx.registerProcessingTimeTimer(window.maxTimestamp());
        return 'CONTINUE';
      },
      onEventTime: () => 'CONTINUE',
      onProcessingTime: (time, window) => (time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE'),
      clear(window, ctx) {
        ctx.deleteProcessingTimeTimer(window.maxTimestamp());
      },
    };
  },
};

/** Fires every `count` elements of the window. */
export const CountTrigger = {
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
      clear(_window, ctx) {
        ctx.getState<number>('count').clear();
      },
    };
  },
};

/** Makes another trigger's FIRE purge the window's contents too. */
export const PurgingTrigger = {
  of<T, W extends Window>(inner: Trigger<T, W>): Trigger<T, W> {
    const purging = (r: TriggerResult): TriggerResult => (r === 'FIRE' ? 'FIRE_AND_PURGE' : r);
    return {
      onElement: (e, ts, w, ctx) => purging(inner.onElement(e, ts, w, ctx)),
      onEventTime: (t, w, ctx) => purging(inner.onEventTime(t, w, ctx)),
      onProcessingTime: (t, w, ctx) => purging(inner.onProcessingTime(t, w, ctx)),
      clear: (w, ctx) => inner.clear(w, ctx),
    };
  },
};
