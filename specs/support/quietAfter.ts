/**
 * A keyed process function with event-time timers and deletes, shared by the timer specs and
 * the keyed-actor spec (which checks an actor against it).
 */
import { Collector, KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext, Serializers, ValueState, ValueStateDescriptor } from '../../src';

export interface Click {
  user: string;
  at: number;
}

/** Reports a user's clicks once no click came for 10 ms of event time (an event-time timer per user). */
export class QuietAfter extends KeyedProcessFunction<string, Click, string> {
  private clicks!: ValueState<number>;
  private deadline!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.clicks = ctx.getState(new ValueStateDescriptor('clicks', Serializers.number, 0));
    this.deadline = ctx.getState(new ValueStateDescriptor('deadline', Serializers.number));
  }
  processElement(click: Click, ctx: KeyedProcessContext<string>, _out: Collector<string>): void {
    this.clicks.update(this.clicks.value()! + 1);
    const previous = this.deadline.value();
    if (previous !== undefined) ctx.timerService().deleteEventTimeTimer(previous);
    const deadline = ctx.timestamp()! + 10;
    this.deadline.update(deadline);
    ctx.timerService().registerEventTimeTimer(deadline);
  }
  onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()} ${this.clicks.value()} clicks, quiet at ${timestamp} (${ctx.timeDomain()}, output timestamp ${ctx.timestamp()})`);
    this.clicks.clear();
    this.deadline.clear();
  }
}

export const clicks = (n: number): Click[] => Array.from({ length: n }, (_, i) => ({ user: `u${i % 7}`, at: i * 3 + (i % 5 === 0 ? 40 : 0) }));

