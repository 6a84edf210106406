/**
 * Processing-time timers of one task. Callbacks run inside the task actor's message handler
 * (a due timer is a message to the task), never concurrently with record processing. One
 * Node timer is armed at a time, for the earliest callback; all are cleared on close.
 */
export interface ProcessingTimeService {
  now(): number;
  /** Calls `callback(time)` once processing time reaches `time`; returns a cancel function. */
  registerTimer(time: number, callback: (time: number) => void): () => void;
}

interface Entry {
  readonly time: number;
  readonly callback: (time: number) => void;
  cancelled: boolean;
}

export class TaskTimers implements ProcessingTimeService {
  private entries: Entry[] = [];
  private armed: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private closed = false;

  /** `wake` sends the task a message; the task then calls `fireDue`. */
  constructor(private readonly wake: () => void) {}

  now(): number {
    return Date.now();
  }

  registerTimer(time: number, callback: (time: number) => void): () => void {
    const entry: Entry = { time, callback, cancelled: false };
    // Sorted insert: timers are few per task (the keyed services keep one Node timer each).
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1].time > time) i--;
    this.entries.splice(i, 0, entry);
    this.arm();
    return () => {
      entry.cancelled = true;
    };
  }

  /**
   * Runs every callback that is due, in time order. A callback for `time` is due once the
   * clock is past it (as in Flink): a processing-time window ending at `time` + 1 must not
   * fire while records of its last millisecond may still come, or it fires twice.
   */
  fireDue(): void {
    this.armed = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    while (this.entries.length > 0 && this.entries[0].time < now) {
      const entry = this.entries.shift()!;
      if (!entry.cancelled) entry.callback(entry.time);
    }
    this.arm();
  }

  private arm(): void {
    while (this.entries.length > 0 && this.entries[0].cancelled) this.entries.shift();
    if (this.closed || this.entries.length === 0) return;
    const next = this.entries[0].time;
    if (this.armed !== undefined && this.armedFor <= next) return;
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.armedFor = next;
    this.armed = setTimeout(() => this.wake(), Math.max(0, next - Date.now() + 1));
  }

  close(): void {
    this.closed = true;
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.entries = [];
  }
}
