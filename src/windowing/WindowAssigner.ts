/**
 * Window assigners, with Flink's names: which windows an element belongs to, and the trigger
 * that fires them by default.
 */
import { Duration, toMillis } from '../time/Time';
import { EventTimeTrigger, ProcessingTimeTrigger, Trigger } from './Trigger';
import { GlobalWindow, TimeWindow, Window } from './Window';

export interface WindowAssigner<W extends Window = Window> {
  /** The windows of an element with this timestamp (event time) or at this processing time. */
  assignWindows(timestamp: number): W[];
  readonly isEventTime: boolean;
  /** Session windows merge with the windows they overlap. */
  readonly merging: boolean;
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

export const TumblingEventTimeWindows = { of: (size: Duration, offset?: Duration) => tumbling(size, offset, true) };
export const TumblingProcessingTimeWindows = { of: (size: Duration, offset?: Duration) => tumbling(size, offset, false) };
export const SlidingEventTimeWindows = { of: (size: Duration, slide: Duration, offset?: Duration) => sliding(size, slide, offset, true) };
export const SlidingProcessingTimeWindows = { of: (size: Duration, slide: Duration, offset?: Duration) => sliding(size, slide, offset, false) };
export const EventTimeSessionWindows = { withGap: (gap: Duration) => session(gap, true) };
export const ProcessingTimeSessionWindows = { withGap: (gap: Duration) => session(gap, false) };

/** One window for everything, per key; it needs a trigger (e.g. CountTrigger) to fire. */
export const GlobalWindows = {
  create: (): WindowAssigner<GlobalWindow> => ({
    assignWindows: () => [GlobalWindow.INSTANCE],
    isEventTime: false,
    merging: false,
    defaultTrigger: <T>(): Trigger<T> => ({ onElement: () => 'CONTINUE', onEventTime: () => 'CONTINUE', onProcessingTime: () => 'CONTINUE', clear: () => undefined }),
    name: 'GlobalWindows',
  }),
};
