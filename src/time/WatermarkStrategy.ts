/**
 * How a stream gets event timestamps and watermarks, with Flink's names:
 *
 * @example
 * stream.assignTimestampsAndWatermarks(
 *   WatermarkStrategy.forBoundedOutOfOrderness<View>(Time.seconds(5))
 *     .withTimestampAssigner((view) => view.at)
 *     .withIdleness(Time.minutes(1)),
 * );
 *
 * The watermark after a batch is the largest timestamp seen minus the bound minus 1: no record
 * with a smaller or equal timestamp is expected any more. Watermarks are generated per parallel
 * instance (per source split when chained to the source).
 */
import { Duration, toMillis } from './Time';

/** The record's event time; `previous` is the timestamp it already carries (NaN: none). */
export type TimestampAssigner<T> = (record: T, previous: number) => number;

/**
 * How a stream's records get their event time and how its watermarks follow
 * (`stream.assignTimestampsAndWatermarks`).
 */
export class WatermarkStrategy<T> {
  private constructor(
    /** Milliseconds a record may arrive after a later one; undefined: no watermarks. */
    readonly outOfOrdernessMs: number | undefined,
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    readonly idlenessMs: number | undefined,
  ) {}

  /**
   * Records arrive at most `maxOutOfOrderness` after a later one: the watermark trails the highest timestamp seen
   * by that much.
   */
  static forBoundedOutOfOrderness<T>(maxOutOfOrderness: Duration): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(toMillis(maxOutOfOrderness), undefined, undefined);
  }

  /** Timestamps never go back: the watermark follows the latest timestamp. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(0, undefined, undefined);
  }

  /** Timestamps only; event time does not advance until the end of input. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(undefined, undefined, undefined);
  }

  /** The same strategy, taking each record's event time from `assigner`. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, assigner, this.idlenessMs);
  }

  /** After this long without records, the input is declared idle and no longer holds event time back. */
  withIdleness(timeout: Duration): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, this.timestampAssigner, toMillis(timeout));
  }
}
