/**
 * Windows: a time window covers [start, end) of event or processing time; the global window
 * covers everything and only custom triggers fire it. A window's id names it in state.
 */

export class TimeWindow {
  readonly kind = 'time' as const;
  /** Built once: the window operator names state and timers with it for every element. */
  readonly id: string;
  constructor(readonly start: number, readonly end: number) {
    this.id = `${start}:${end}`;
  }
  /** The largest timestamp inside the window. */
  maxTimestamp(): number {
    return this.end - 1;
  }
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }
}

export class GlobalWindow {
  readonly kind = 'global' as const;
  static readonly INSTANCE = new GlobalWindow();
  readonly id = 'global';
  maxTimestamp(): number {
    return Infinity;
  }
}

export type Window = TimeWindow | GlobalWindow;

/** The window a state id names (see `Window.id`). */
export function windowFromId(id: string): Window {
  if (id === 'global') return GlobalWindow.INSTANCE;
  const [start, end] = id.split(':').map(Number);
  return new TimeWindow(start, end);
}
