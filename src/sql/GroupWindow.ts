/**
 * The group windows of the Table API, with Flink's names: `Tumble.over(lit(10).seconds())
 * .on($('ts')).as('w')`, `Slide.over(size).every(slide).on(...).as(...)`,
 * `Session.withGap(gap).on(...).as(...)`. `table.window(w).groupBy($('w'), ...).select(...)`
 * is planned as SQL's window aggregation over the window table function of the same name
 * (TUMBLE, HOP, SESSION): `$('w').start()`, `.end()` and `.rowtime()` are its window_start,
 * window_end and window_time. The types only let a window be used once it has its time
 * attribute and its alias.
 */
import type { WindowFunctionName } from './ast';
import { Expression } from './Expression';

/** A complete group window, for `table.window(...)`. */
export class GroupWindow {
  /** @internal */
  constructor(
    /** @internal The window table function it is planned as. */
    readonly fn: WindowFunctionName,
    /** @internal Its interval arguments, in the order of the SQL function (HOP: slide, size). */
    readonly intervals: readonly Expression[],
    /** @internal The time attribute. */
    readonly timeField: Expression,
    /** The name `$(alias)` reads the window by in groupBy and select. */
    readonly alias: string,
  ) {}

  /** @internal How it was written, for problems. */
  get text(): string {
    return `${this.fn}(${[this.timeField, ...this.intervals].map((e) => e.text).join(', ')}).as('${this.alias}')`;
  }
}

/** A window that has its time attribute and needs its alias. */
export class GroupWindowOnTime {
  /** @internal */
  constructor(private readonly fn: WindowFunctionName, private readonly intervals: readonly Expression[], private readonly timeField: Expression) {}

  /** The name the window is read by: `$(alias)` in groupBy, `$(alias).start()` in select. */
  as(alias: string): GroupWindow {
    return new GroupWindow(this.fn, this.intervals, this.timeField, alias);
  }
}

/** A window that has its sizes and needs its time attribute. */
export class GroupWindowWithSize {
  /** @internal */
  constructor(private readonly fn: WindowFunctionName, private readonly intervals: readonly Expression[]) {}

  /** The time attribute (a column with a WATERMARK) that assigns rows to windows. */
  on(timeField: Expression): GroupWindowOnTime {
    return new GroupWindowOnTime(this.fn, this.intervals, timeField);
  }
}

/** Tumbling windows: fixed size, no overlap. */
export const Tumble = {
  over(size: Expression): GroupWindowWithSize {
    return new GroupWindowWithSize('TUMBLE', [size]);
  },
};

/** Sliding (hopping) windows: `Slide.over(size).every(slide)`. */
export const Slide = {
  over(size: Expression): { every(slide: Expression): GroupWindowWithSize } {
    return { every: (slide) => new GroupWindowWithSize('HOP', [slide, size]) };
  },
};

/** Session windows: closed after `gap` without rows. */
export const Session = {
  withGap(gap: Expression): GroupWindowWithSize {
    return new GroupWindowWithSize('SESSION', [gap]);
  },
};
