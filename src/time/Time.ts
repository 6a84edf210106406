/**
 * Durations, as Flink's Time: `Time.seconds(10)`. APIs that take a duration accept a Time or
 * a number of milliseconds.
 */
export class Time {
  private constructor(private readonly ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a duration must be a finite, non-negative number of milliseconds, got ${ms}`);
  }
  /** A duration of `n` milliseconds. */
  static milliseconds(n: number): Time {
    return new Time(n);
  }
  /** A duration of `n` seconds. */
  static seconds(n: number): Time {
    return new Time(n * 1000);
  }
  /** A duration of `n` minutes. */
  static minutes(n: number): Time {
    return new Time(n * 60_000);
  }
  /** A duration of `n` hours. */
  static hours(n: number): Time {
    return new Time(n * 3_600_000);
  }
  /** A duration of `n` days. */
  static days(n: number): Time {
    return new Time(n * 86_400_000);
  }
  /** The duration in milliseconds. */
  toMilliseconds(): number {
    return this.ms;
  }
}

/** A duration: a `Time` or a number of milliseconds. */
export type Duration = Time | number;

export function toMillis(d: Duration): number {
  if (typeof d !== 'number') return d.toMilliseconds();
  if (!Number.isFinite(d) || d < 0) throw new RangeError(`a duration must be a finite, non-negative number of milliseconds, got ${d}`);
  return d;
}
