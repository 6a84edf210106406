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

/** How the sources of a group keep their watermarks close (WatermarkStrategy.withWatermarkAlignment). */
export interface WatermarkAlignment {
  readonly group: string;
  readonly maxDriftMs: number;
}

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
    /** Watermark alignment (withWatermarkAlignment): the group and how far ahead of it a source may be. */
    readonly alignment: WatermarkAlignment | undefined = undefined,
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
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, assigner, this.idlenessMs, this.alignment);
  }

  /** After this long without records, the input is declared idle and no longer holds event time back. */
  withIdleness(timeout: Duration): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, this.timestampAssigner, toMillis(timeout), this.alignment);
  }

  /**
   * Aligns the watermarks of the sources in `group`: a source whose watermark is more than
   * `maxDrift` ahead of the group's lowest stops reading until the others catch up (a source
   * reads a batch at a time, so it may pass that bound by what one batch advances it). The
   * strategy must be assigned right after the source (`fromSource(...).assignTimestampsAndWatermarks`),
   * where it can stop the reading; elsewhere the job is refused when it opens. The sources of a
   * group are aligned within one process (the application's thread, or one task manager).
   */
  withWatermarkAlignment(group: string, maxDrift: Duration): WatermarkStrategy<T> {
    const maxDriftMs = toMillis(maxDrift);
    if (group === '') throw new Error('withWatermarkAlignment: the group needs a name');
    if (!(maxDriftMs >= 0)) throw new Error(`withWatermarkAlignment: maxDrift must be a duration >= 0, got ${maxDriftMs} ms`);
    if (this.outOfOrdernessMs === undefined) throw new Error('withWatermarkAlignment: noWatermarks() makes no watermarks to align');
    return new WatermarkStrategy<T>(this.outOfOrdernessMs, this.timestampAssigner, this.idlenessMs, { group, maxDriftMs });
  }
}
