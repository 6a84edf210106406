/**
 * Window assigners, with Flink's names: which windows an element belongs to, and the trigger
 * that fires them by default.
 */
import { Duration, toMillis } from '../time/Time';
import { EventTimeTrigger, ProcessingTimeTrigger, Trigger } from './Trigger';
import { GlobalWindow, TimeWindow, Window } from './Window';

/** Which windows an element belongs to, and the trigger that fires them unless the stream sets another. */
export interface WindowAssigner<W extends Window = Window> {
  /** The windows of an element with this timestamp (event time) or at this processing time. */
  assignWindows(timestamp: number): W[];
  readonly isEventTime: boolean;
  /** Session windows merge with the windows they overlap. */
  readonly merging: boolean;
  /** The trigger used when `WindowedStream.trigger` sets none: the end of the window in its time. */
  defaultTrigger<T>(): Trigger<T>;
  readonly name: string;
}

function windowStart(timestamp: number, offset: number, size: number): number {
  const remainder = (timestamp - offset) % size;
  return remainder < 0 ? timestamp - remainder - size : timestamp - remainder;
}

function tumbling(size: Duration, offset: Duration | undefined, isEventTime: boolean): WindowAssigner<TimeWindow> {
  const s = toMillis(size);
  const o = offset === undefined ? 0 : toMillis(offset);
  if (s <= 0) throw new RangeError('a tumbling window needs a positive size');
  return {
    assignWindows: (ts) => {
      const start = windowStart(ts, o, s);
      return [new TimeWindow(start, start + s)];
    },
    isEventTime,
    merging: false,
    defaultTrigger: () => (isEventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()),
    name: `Tumbling${isEventTime ? 'EventTime' : 'ProcessingTime'}Windows(${s})`,
  };
}

function sliding(size: Duration, slide: Duration, offset: Duration | undefined, isEventTime: boolean): WindowAssigner<TimeWindow> {
  const s = toMillis(size);
  const sl = toMillis(slide);
  const o = offset === undefined ? 0 : toMillis(offset);
  if (s <= 0 || sl <= 0) throw new RangeError('a sliding window needs a positive size and slide');
  return {
    assignWindows: (ts) => {
      const windows: TimeWindow[] = [];
      for (let start = windowStart(ts, o, sl); start > ts - s; start -= sl) windows.push(new TimeWindow(start, start + s));
      return windows;
    },
    isEventTime,
    merging: false,
    defaultTrigger: () => (isEventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()),
    name: `Sliding${isEventTime ? 'EventTime' : 'ProcessingTime'}Windows(${s}, ${sl})`,
  };
}

function session(gap: Duration, isEventTime: boolean): WindowAssigner<TimeWindow> {
  const g = toMillis(gap);
  if (g <= 0) throw new RangeError('a session window needs a positive gap');
  return {
    assignWindows: (ts) => [new TimeWindow(ts, ts + g)],
    isEventTime,
    merging: true,
    defaultTrigger: () => (isEventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()),
    name: `${isEventTime ? 'EventTime' : 'ProcessingTime'}SessionWindows(${g})`,
  };
}

/**
 * Windows of event time of one size that do not overlap: `TumblingEventTimeWindows.of(Time.seconds(10))`, shifted
 * by `offset`.
 */
export const TumblingEventTimeWindows = {
  /** Windows of `size`, starting at multiples of `size` plus `offset` (default 0). */
  of: (size: Duration, offset?: Duration) => tumbling(size, offset, true),
};
/** Windows of processing time of one size that do not overlap, shifted by `offset`. */
export const TumblingProcessingTimeWindows = {
  /** Windows of `size`, starting at multiples of `size` plus `offset` (default 0). */
  of: (size: Duration, offset?: Duration) => tumbling(size, offset, false),
};
/** Windows of event time of `size` starting every `slide`: an element belongs to size/slide of them. */
export const SlidingEventTimeWindows = {
  /** Windows of `size` starting every `slide`, at multiples of `slide` plus `offset` (default 0). */
  of: (size: Duration, slide: Duration, offset?: Duration) => sliding(size, slide, offset, true),
};
/** Windows of processing time of `size` starting every `slide`. */
export const SlidingProcessingTimeWindows = {
  /** Windows of `size` starting every `slide`, at multiples of `slide` plus `offset` (default 0). */
  of: (size: Duration, slide: Duration, offset?: Duration) => sliding(size, slide, offset, false),
};
/** Session windows of event time: a key's elements closer than `gap` to each other share a window. */
export const EventTimeSessionWindows = {
  /** Sessions that close after `gap` without an element of the key. */
  withGap: (gap: Duration) => session(gap, true),
};
/** Session windows of processing time: a key's elements arriving within `gap` of each other share a window. */
export const ProcessingTimeSessionWindows = {
  /** Sessions that close after `gap` without an element of the key. */
  withGap: (gap: Duration) => session(gap, false),
};

/** One window for everything, per key; it needs a trigger (e.g. CountTrigger) to fire. */
export const GlobalWindows = {
  /** The assigner of the one global window per key; its default trigger never fires. */
  create: (): WindowAssigner<GlobalWindow> => ({
    assignWindows: () => [GlobalWindow.INSTANCE],
    isEventTime: false,
    merging: false,
    defaultTrigger: <T>(): Trigger<T> => ({ onElement: () => 'CONTINUE', onEventTime: () => 'CONTINUE', onProcessingTime: () => 'CONTINUE', clear: () => undefined }),
    name: 'GlobalWindows',
  }),
};
