/**
 * Watermarks of a source instance that reads several splits (a Kafka source's partitions),
 * as Flink's SourceOperator makes them for its KafkaSource (WatermarkOutputMultiplexer): each
 * split has its own bounded-out-of-orderness generator, and the instance's watermark is the
 * minimum over its active splits. A split without records for the strategy's idleness
 * timeout is idle and holds nothing back until its next record; a finished split (a bounded
 * source at its end) is left out for good. When every split is idle or finished, the instance
 * is idle. A split that has had no record yet holds the watermark at -Infinity until it is
 * idle: its first record may be as old as any. Going idle, the instance first gives the
 * watermark it had just before its last active splits went idle: between polls several splits
 * may pass their timeout, and the watermark of the splits that went idle last (the highest the
 * shrinking set of active splits reached) is not lost.
 *
 * The watermark never goes back: a split that becomes active again behind it does not lower it
 * (its records behind are late, as in Flink).
 */
import type { WatermarkStrategy } from './WatermarkStrategy';

/** What the instance's splits allow: a watermark, and whether no split holds event time back any more. */
export interface SplitsWatermark {
  readonly watermark: number;
  readonly idle: boolean;
}

interface SplitState {
  maxTimestamp: number;
  /** Processing time of the last record, or of the split's start. */
  lastActive: number;
  finished: boolean;
}

export class SplitWatermarks {
  private readonly splits: SplitState[] = [];
  private readonly boundMs: number;
  private readonly idlenessMs: number;

  /** `now`: processing time in ms (a manual clock in specs). */
  constructor(strategy: Pick<WatermarkStrategy<unknown>, 'outOfOrdernessMs' | 'idlenessMs'>, splits: number, private readonly now: () => number) {
    if (strategy.outOfOrdernessMs === undefined) throw new Error('per-split watermarks need a strategy that makes watermarks (forBoundedOutOfOrderness or forMonotonousTimestamps), not noWatermarks()');
    this.boundMs = strategy.outOfOrdernessMs;
    this.idlenessMs = strategy.idlenessMs ?? Infinity;
    const started = now();
    for (let i = 0; i < splits; i++) this.splits.push({ maxTimestamp: -Infinity, lastActive: started, finished: false });
  }

  /** A record of split `split` with event time `timestamp` (NaN: none, as it holds nothing). */
  onRecord(split: number, timestamp: number, now: number): void {
    const s = this.splits[split];
    if (timestamp > s.maxTimestamp) s.maxTimestamp = timestamp;
    s.lastActive = now;
  }

  /** Split `split` has nothing more to read (a bounded source at its end). */
  finish(split: number): void {
    this.splits[split].finished = true;
  }

  /**
   * The minimum over the active splits of their watermarks. With none active: idle, with the
   * minimum over the splits last active (the watermark just before they went idle).
   */
  current(): SplitsWatermark {
    const now = this.now();
    let min = Infinity;
    let active = 0;
    let lastActive = -Infinity;
    for (const s of this.splits) {
      if (s.finished) continue;
      if (s.lastActive > lastActive) lastActive = s.lastActive;
      if (now - s.lastActive >= this.idlenessMs) continue;
      active++;
      const watermark = s.maxTimestamp - this.boundMs - 1;
      if (watermark < min) min = watermark;
    }
    if (active > 0) return { watermark: min, idle: false };
    for (const s of this.splits) {
      if (s.finished || s.lastActive !== lastActive) continue;
      const watermark = s.maxTimestamp - this.boundMs - 1;
      if (watermark < min) min = watermark;
    }
    return { watermark: min === Infinity ? -Infinity : min, idle: true };
  }
}
