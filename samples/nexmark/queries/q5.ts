/**
 * Query 5, hot items: every 2 seconds, the auctions with the most bids over the last 10
 * seconds. Bids are counted per auction in sliding windows; then, per window, the counts are
 * gathered (keyed by the window's end) and the highest ones emitted once event time passes
 * the window's end: all counts of a window arrive before the watermark that closes it.
 */
import {
  Collector,
  DataStream,
  KeyedProcessContext,
  KeyedProcessFunction,
  ListState,
  ListStateDescriptor,
  OnTimerContext,
  ProcessWindowFunction,
  RuntimeContext,
  Serializers,
  SlidingEventTimeWindows,
  Time,
  TimeWindow,
  WindowContext,
} from '../../../src';
import { NexmarkEvent, isBid } from '../model';

export interface Q5Result {
  readonly auction: number;
  readonly num: number;
  /** The window's start and end (epoch milliseconds). */
  readonly start: number;
  readonly end: number;
}

export const Q5_SIZE = Time.seconds(10);
export const Q5_SLIDE = Time.seconds(2);

const countBids = {
  createAccumulator: () => 0,
  add: (_b: unknown, n: number) => n + 1,
  getResult: (n: number) => n,
  merge: (a: number, b: number) => a + b,
};

class WithWindow extends ProcessWindowFunction<number, Q5Result, number, TimeWindow> {
  process(auction: number, ctx: WindowContext<TimeWindow>, counts: readonly number[], out: Collector<Q5Result>): void {
    out.collect({ auction, num: counts[0], start: ctx.window.start, end: ctx.window.end });
  }
}

/** Per window: the counts seen so far with the highest number; emitted when the window's end passes. */
export class HottestInWindow extends KeyedProcessFunction<number, Q5Result, Q5Result> {
  private hottest!: ListState<Q5Result>;
  open(ctx: RuntimeContext): void {
    this.hottest = ctx.getListState(new ListStateDescriptor('hottest', Serializers.json<Q5Result>()));
  }
  processElement(r: Q5Result, ctx: KeyedProcessContext<number>): void {
    const hottest = this.hottest.get();
    if (hottest.length === 0) ctx.timerService().registerEventTimeTimer(r.end - 1);
    if (hottest.length === 0 || r.num > hottest[0].num) this.hottest.update([r]);
    else if (r.num === hottest[0].num) this.hottest.add(r);
  }
  onTimer(_t: number, _ctx: OnTimerContext<number>, out: Collector<Q5Result>): void {
    for (const r of this.hottest.get()) out.collect(r);
    this.hottest.clear();
  }
}

export function q5(events: DataStream<NexmarkEvent>): DataStream<Q5Result> {
  return events
    .filter(isBid)
    .keyBy((b) => b.auction)
    .window(SlidingEventTimeWindows.of(Q5_SIZE, Q5_SLIDE))
    .aggregate(countBids, new WithWindow())
    .keyBy((r) => r.end)
    .process(new HottestInWindow());
}
