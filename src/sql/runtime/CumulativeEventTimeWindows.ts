/**
 * The windows of SQL's CUMULATE: within each `size`-long period, windows that all start at the
 * period's start and end every `step` (a day's running totals every hour, say).
 */
import { EventTimeTrigger, Trigger } from '../../windowing/Trigger';
import { TimeWindow } from '../../windowing/Window';
import { WindowAssigner } from '../../windowing/WindowAssigner';

export function cumulativeEventTimeWindows(stepMs: number, sizeMs: number): WindowAssigner<TimeWindow> {
  return {
    assignWindows: (ts) => {
      const start = ts - (((ts % sizeMs) + sizeMs) % sizeMs);
      const windows: TimeWindow[] = [];
      for (let end = start + stepMs; end <= start + sizeMs; end += stepMs) if (ts < end) windows.push(new TimeWindow(start, end));
      return windows;
    },
    isEventTime: true,
    merging: false,
    defaultTrigger: <T>(): Trigger<T> => EventTimeTrigger.create(),
    name: `CumulativeEventTimeWindows(${stepMs}, ${sizeMs})`,
  };
}
