/**
 * Windows: a time window covers [start, end) of event or processing time; the global window
 * covers everything and only custom triggers fire it. A window's id names it in state.
 */

/** A window of time covering [start, end) in milliseconds, of event time or processing time. */
export class TimeWindow {
  readonly kind = 'time' as const;
  /** Private (not enumerable): a window serializes as kind, start and end only. */
  #id: string | undefined;
  constructor(readonly start: number, readonly end: number) {}
  /**
   * Built on first use, then kept: the window operator names state and timers with it for
   * every element, but replaces most freshly assigned windows by the one it already holds
   * for that start, whose id is built (and its hash computed) once.
   */
  get id(): string {
    return (this.#id ??= `${this.start}:${this.end}`);
  }
  /** The largest timestamp inside the window. */
  maxTimestamp(): number {
    return this.end - 1;
  }
  /** Whether the two windows overlap or touch (session windows that do are merged). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }
  /** The smallest window covering both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }
}

/** The one window of `GlobalWindows`: it covers all time and only a custom trigger fires it. */
export class GlobalWindow {
  readonly kind = 'global' as const;
  static readonly INSTANCE = new GlobalWindow();
  readonly id = 'global';
  /** Infinity: the global window never ends. */
  maxTimestamp(): number {
    return Infinity;
  }
}

/** Any window: a time window or the global window. */
export type Window = TimeWindow | GlobalWindow;

/** The window a state id names (see `Window.id`). */
export function windowFromId(id: string): Window {
  if (id === 'global') return GlobalWindow.INSTANCE;
  const [start, end] = id.split(':').map(Number);
  return new TimeWindow(start, end);
}
