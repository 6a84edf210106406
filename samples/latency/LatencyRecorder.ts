/**
 * End-to-end latencies of one run, kept in a typed array sized up front (no growth): what the
 * sink saw for each record after the warm-up, in milliseconds; and the span from the first
 * record offered to the last one arrived, which gives the rate the job reached without its
 * start-up.
 */
export interface LatencySummary {
  readonly records: number;
  /** All records, warm-up included, over the span from the first offered to the last arrived. */
  readonly achievedPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export class LatencyRecorder {
  private readonly latencies: Float64Array;
  private count = 0;
  private arrived = 0;
  private firstDueAt = Infinity;
  private lastArrivalAt = -Infinity;

  constructor(capacity: number, private readonly warmupRecords: number) {
    this.latencies = new Float64Array(Math.max(0, capacity - warmupRecords));
  }

  /** Record `id`, offered at `dueAt`, arrived at `now` (performance.now() milliseconds). */
  record(id: number, dueAt: number, now: number): void {
    this.arrived++;
    if (dueAt < this.firstDueAt) this.firstDueAt = dueAt;
    if (now > this.lastArrivalAt) this.lastArrivalAt = now;
    if (id < this.warmupRecords || this.count === this.latencies.length) return;
    this.latencies[this.count++] = now - dueAt;
  }

  summary(): LatencySummary {
    const sorted = this.latencies.slice(0, this.count).sort();
    const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
    const achievedPerSecond = this.arrived / ((this.lastArrivalAt - this.firstDueAt) / 1000);
    return { records: sorted.length, achievedPerSecond, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) };
  }
}
