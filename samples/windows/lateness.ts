/**
 * docs/time-and-windows.md, "Allowed lateness and late data": the timeline of the page's
 * picture, run. Batches of one record, so the watermark moves after every record.
 * Run: node build/samples/windows/lateness.js
 */
import * as assert from 'node:assert/strict';
import { Collector, OutputTag, ProcessWindowFunction, StreamEnvironment, Time, TimeWindow, TumblingEventTimeWindows, WatermarkStrategy, WindowContext } from '../../src';

interface Event {
  name: string;
  at: number; // event time, ms
}

const s = (seconds: number) => seconds * 1000;
// In arrival order.
const events: Event[] = [
  { name: 'a', at: s(3) },
  { name: 'b', at: s(7) },
  { name: 'c', at: s(12) }, // watermark 9.999 s: [0, 10) fires
  { name: 'd', at: s(9) }, // late for [0, 10), within the lateness: it fires again
  { name: 'e', at: s(18) }, // watermark 15.999 s: [0, 10) is dropped
  { name: 'f', at: s(6) }, // too late: side output
  { name: 'g', at: s(24) }, // watermark 21.999 s: [10, 20) fires
  { name: 'h', at: s(4) }, // too late: side output
];

class Names extends ProcessWindowFunction<Event, string, string, TimeWindow> {
  process(_key: string, ctx: WindowContext<TimeWindow>, elements: readonly Event[], out: Collector<string>): void {
    out.collect(`[${ctx.window.start / 1000}, ${ctx.window.end / 1000}): ${elements.map((e) => e.name).join(' ')}`);
  }
}

async function main(): Promise<void> {
  const env = StreamEnvironment.create({ batchSize: 1 });
  const late = new OutputTag<Event>('late');
  const windows = env
    .fromCollection(events)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(Time.seconds(2)).withTimestampAssigner((e) => e.at))
    .keyBy(() => 'all')
    .window(TumblingEventTimeWindows.of(Time.seconds(10)))
    .allowedLateness(Time.seconds(5))
    .sideOutputLateData(late)
    .process(new Names());
  const lateNames = windows.getSideOutput(late).map((e) => `late: ${e.name}`);
  // One window task (parallelism 1) writes results and late records in the order it processes them.
  const output = await windows.union(lateNames).executeAndCollect('lateness');
  console.log(output.join('\n'));
  assert.deepEqual(output, ['[0, 10): a b', '[0, 10): a b d', 'late: f', '[10, 20): c e', 'late: h', '[20, 30): g']);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
