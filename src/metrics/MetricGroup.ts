/**
 * User metrics, as Flink's RuntimeContext offers them: `getMetricGroup().counter(name)`,
 * `.gauge(name, read)`, `.histogram(name)`. One group per operator instance; its values travel
 * to the job's metrics in the task's report (a message), never as shared objects.
 *
 * @example
 * class Enrich extends RichMapFunction<Order, Enriched> {
 *   private misses!: Counter;
 *   open(ctx: RuntimeContext) { this.misses = ctx.getMetricGroup().counter('cacheMisses'); }
 *   map(o: Order) { if (!this.cache.has(o.id)) this.misses.inc(); ... }
 * }
 * (specs/metrics/MetricGroup.spec.ts; served as sluice_user_cacheMisses{operator="enrich",...})
 */

/** A count a function keeps (`getMetricGroup().counter(name)`). */
export interface Counter {
  /** Adds `n` (default 1). */
  inc(n?: number): void;
  /** Subtracts `n` (default 1). */
  dec(n?: number): void;
  /** The count now. */
  getCount(): number;
}

/** A value read when the metrics are sampled (`getMetricGroup().gauge(name, read)`). */
export interface Gauge<T extends number = number> {
  /** The value now. */
  getValue(): T;
}

/** Statistics over the last HISTOGRAM_WINDOW values. */
export interface HistogramStatistics {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** A distribution of values a function records (`getMetricGroup().histogram(name)`). */
export interface Histogram {
  /** Records one value. */
  update(value: number): void;
  /** Values recorded since the start. */
  getCount(): number;
  /** Count, min, max, mean and percentiles of the recent values. */
  getStatistics(): HistogramStatistics;
}

/** How many recent values a histogram keeps (Flink's default reservoir is of this order). */
export const HISTOGRAM_WINDOW = 1024;

class SimpleCounter implements Counter {
  private count = 0;
  inc(n = 1): void {
    this.count += n;
  }
  dec(n = 1): void {
    this.count -= n;
  }
  getCount(): number {
    return this.count;
  }
}

/** Keeps the last HISTOGRAM_WINDOW values in a ring; statistics are computed when read. */
class WindowHistogram implements Histogram {
  private readonly values = new Float64Array(HISTOGRAM_WINDOW);
  private count = 0;
  update(value: number): void {
    this.values[this.count % HISTOGRAM_WINDOW] = value;
    this.count++;
  }
  getCount(): number {
    return this.count;
  }
  getStatistics(): HistogramStatistics {
    const n = Math.min(this.count, HISTOGRAM_WINDOW);
    if (n === 0) return { count: this.count, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 };
    const sorted = Array.from(this.values.subarray(0, n)).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))];
    let sum = 0;
    for (const v of sorted) sum += v;
    return { count: this.count, min: sorted[0], max: sorted[n - 1], mean: sum / n, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}

/** A user metric's value as a task reports it. */
export type UserMetricValue =
  | { readonly kind: 'counter'; readonly name: string; readonly value: number }
  | { readonly kind: 'gauge'; readonly name: string; readonly value: number }
  | { readonly kind: 'histogram'; readonly name: string; readonly statistics: HistogramStatistics };

/** The metrics one operator instance registered. Registering a name twice returns the first metric. */
export class MetricGroup {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, () => number>();
  private readonly histograms = new Map<string, Histogram>();

  /** The counter of this name, made on first use. */
  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (c === undefined) this.counters.set(name, (c = new SimpleCounter()));
    return c;
  }

  /** `read` is called when the task reports (about once a second), not per record. */
  gauge<T extends number>(name: string, read: () => T): Gauge<T> {
    if (!this.gauges.has(name)) this.gauges.set(name, read);
    return { getValue: read };
  }

  /** The histogram of this name, made on first use. */
  histogram(name: string): Histogram {
    let h = this.histograms.get(name);
    if (h === undefined) this.histograms.set(name, (h = new WindowHistogram()));
    return h;
  }

  /** The values now; a gauge whose read throws or returns a non-number is left out. */
  report(): UserMetricValue[] {
    const out: UserMetricValue[] = [];
    for (const [name, c] of this.counters) out.push({ kind: 'counter', name, value: c.getCount() });
    for (const [name, read] of this.gauges) {
      try {
        const value = read();
        if (typeof value === 'number' && Number.isFinite(value)) out.push({ kind: 'gauge', name, value });
      } catch {
        // A gauge of the application's must not fail the task's report.
      }
    }
    for (const [name, h] of this.histograms) out.push({ kind: 'histogram', name, statistics: h.getStatistics() });
    return out;
  }
}
