/**
 * docs/time-and-windows.md, "Timers": a KeyedProcessFunction that reports carts not checked
 * out within 30 minutes of event time, with an event-time timer per cart, deleted at checkout.
 * Run: node build/samples/windows/timers.js
 */
import * as assert from 'node:assert/strict';
import {
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  OnTimerContext,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  Time,
  ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src';

interface CartEvent {
  user: string;
  type: 'add' | 'checkout';
  at: number; // event time, ms
}

const TIMEOUT = Time.minutes(30).toMilliseconds();

class AbandonedCarts extends KeyedProcessFunction<string, CartEvent, string> {
  /** When the user's open cart times out; a timer is registered for that time. */
  private deadline!: ValueState<number | undefined>;

  open(context: RuntimeContext): void {
    this.deadline = context.getState(new ValueStateDescriptor<number | undefined>('deadline', Serializers.json<number | undefined>(), undefined));
  }

  processElement(event: CartEvent, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const timers = ctx.timerService();
    const previous = this.deadline.value();
    if (previous !== undefined) timers.deleteEventTimeTimer(previous);
    if (event.type === 'checkout') {
      this.deadline.clear();
      return;
    }
    const deadline = event.at + TIMEOUT;
    timers.registerEventTimeTimer(deadline);
    this.deadline.update(deadline);
  }

  /** Runs once the watermark reaches the timer's time, with the timer's key as the current key. */
  onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    this.deadline.clear();
    out.collect(`${ctx.getCurrentKey()} left a cart at ${timestamp / 60_000 - 30} min`);
  }
}

const minutes = (n: number) => n * 60_000;
const events: CartEvent[] = [
  { user: 'ann', type: 'add', at: minutes(0) },
  { user: 'bob', type: 'add', at: minutes(5) },
  { user: 'ann', type: 'checkout', at: minutes(10) }, // ann's timer is deleted
  { user: 'bob', type: 'add', at: minutes(20) }, // bob's deadline moves to minute 50
  { user: 'cy', type: 'add', at: minutes(30) },
  { user: 'dee', type: 'add', at: minutes(90) }, // moves event time past minutes 50 and 60
];

async function main(): Promise<void> {
  const env = StreamEnvironment.create();
  const alerts = await env
    .fromCollection(events)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<CartEvent>().withTimestampAssigner((e) => e.at))
    .keyBy((e) => e.user)
    .process(new AbandonedCarts())
    .executeAndCollect('abandoned carts');
  // dee's timer (minute 120) fires too: at the end of input the watermark goes to +Infinity.
  assert.deepEqual(alerts, ['bob left a cart at 20 min', 'cy left a cart at 30 min', 'dee left a cart at 90 min']);
  console.log(alerts.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
