/**
 * Page views per page per 10 seconds of event time, from out-of-order views, with late data:
 *
 *   page views (generator, 1 instance)
 *     -> timestamps and watermarks: bounded out-of-orderness 2 s   (chained with the source)
 *     -> keyBy(page)
 *     -> tumbling event-time windows of 10 s, allowed lateness 5 s   (2 instances)
 *          aggregate: count views;  window function: adds page and window
 *          main output: a result when the watermark passes a window's end, and an update
 *                       for each view that arrives late but within the allowed lateness
 *          late-data side output: views later than that
 *
 * Run it with `node build/samples/windows/main.js` (after `npx tsc -p .`); it reads 600,000
 * views (60 s of event time) and prints a summary in a few seconds. WINDOWS_EVENTS sets
 * another number of views.
 */
import * as assert from 'node:assert/strict';
import {
  AggregateFunction,
  CollectSink,
  Collector,
  OutputTag,
  ProcessWindowFunction,
  StreamEnvironment,
  Time,
  TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WindowContext,
  showProgress,
} from '../../src';
import { PAGES, PageView, START, VIEWS_PER_SECOND, pageView, stragglerKind } from './events';

const EVENTS = Number(process.env.WINDOWS_EVENTS ?? 600_000);

/** One window's count for one page; a later one for the same page and window is an update. */
export interface PageCount {
  readonly page: string;
  readonly start: number;
  readonly end: number;
  readonly views: number;
}

/** Counts views: the accumulator is a number, so it is cheap to keep in keyed state. */
export const countViews: AggregateFunction<PageView, number, number> = {
  createAccumulator: () => 0,
  add: (_view, n) => n + 1,
  getResult: (n) => n,
  merge: (a, b) => a + b,
};

/** Gets the count of one page's window, and adds the page and the window to it. */
export class WithPageAndWindow extends ProcessWindowFunction<number, PageCount, string, TimeWindow> {
  process(page: string, ctx: WindowContext<TimeWindow>, counts: readonly number[], out: Collector<PageCount>): void {
    out.collect({ page, start: ctx.window.start, end: ctx.window.end, views: counts[0] });
  }
}

export const lateViews = new OutputTag<PageView>('late-views');

const int = (n: number) => n.toLocaleString('en-US');
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

async function main(): Promise<void> {
  console.log(`Sluice windows: ${int(EVENTS)} page views, ${int(VIEWS_PER_SECOND)} per second of event time, 10 s windows\n`);
  const started = Date.now();
  const env = StreamEnvironment.create({ parallelism: 2, logging: { pretty: true } }); // log lines on stderr, one readable line each
  const counts = env
    .fromGenerator(EVENTS, pageView)
    .name('page views')
    .setParallelism(1) // one source instance: the generator's order is the arrival order
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<PageView>(Time.seconds(2)).withTimestampAssigner((view) => view.at))
    .setParallelism(1) // chained with the source
    .keyBy((view) => view.page)
    .window(TumblingEventTimeWindows.of(Time.seconds(10)))
    .allowedLateness(Time.seconds(5))
    .sideOutputLateData(lateViews)
    .aggregate(countViews, new WithPageAndWindow())
    .name('views per page');
  const results = new CollectSink<PageCount>();
  const late = new CollectSink<PageView>();
  counts.sinkTo(results).setParallelism(1);
  counts.getSideOutput(lateViews).sinkTo(late).setParallelism(1);
  const job = env.execute('page views per 10 s');
  // On a terminal, a line on stderr says how far it got while it runs.
  showProgress(job, { expectedRecords: EVENTS });
  await job;
  const seconds = (Date.now() - started) / 1000;

  // The first emission of a page's window is its result; each later one is an update.
  const latest = new Map<string, PageCount>();
  const updates: PageCount[] = [];
  for (const r of results.records()) {
    const id = `${r.page} ${r.start}`;
    if (latest.has(id)) updates.push(r);
    latest.set(id, r);
  }
  const lateRecords = late.records();

  // The busiest window, as the final counts give it.
  const byWindow = new Map<number, PageCount[]>();
  for (const r of latest.values()) byWindow.set(r.start, [...(byWindow.get(r.start) ?? []), r]);
  const [busiest, rows] = [...byWindow.entries()].sort((a, b) => b[1].reduce((n, r) => n + r.views, 0) - a[1].reduce((n, r) => n + r.views, 0))[0];
  console.log(`Window ${clock(busiest)}-${clock(busiest + 10_000)}, top pages:`);
  for (const r of [...rows].sort((a, b) => b.views - a.views).slice(0, 3)) console.log(`  ${r.page.padEnd(18)} ${int(r.views).padStart(6)} views`);
  console.log('\nFirst updates (a late view within the allowed lateness fires its window again):');
  for (const u of updates.slice(0, 3)) console.log(`  ${u.page.padEnd(18)} ${clock(u.start)}-${clock(u.end)} now ${int(u.views)} views`);
  console.log('\nFirst views too late for their window (to the side output):');
  for (const v of lateRecords.slice(0, 3)) console.log(`  view ${v.id} of ${v.page} at ${clock(v.at)}, read at ${clock(START + Math.floor((v.id * 1000) / VIEWS_PER_SECOND))}`);

  const totalViews = [...latest.values()].reduce((n, r) => n + r.views, 0);
  console.log(
    `\nDone: ${int(latest.size)} windows fired (${byWindow.size} windows x ${PAGES.length} pages), ${int(updates.length)} updates, ${int(lateRecords.length)} late views; ` +
      `${int(totalViews)} views in final counts + ${int(lateRecords.length)} late = ${int(totalViews + lateRecords.length)} in ${seconds.toFixed(2)} s`,
  );

  // The generator says which views are stragglers and which kind: the job must agree.
  let expectedUpdates = 0;
  let expectedLate = 0;
  for (let i = 0; i < EVENTS; i++) {
    const kind = stragglerKind(i);
    if (kind === 'update') expectedUpdates++;
    else if (kind === 'too late') expectedLate++;
  }
  assert.equal(totalViews + lateRecords.length, EVENTS, 'every view is counted once in a final result or reported late');
  assert.equal(updates.length, expectedUpdates, 'one update per straggler within the allowed lateness');
  assert.equal(lateRecords.length, expectedLate, 'late side output: the stragglers beyond the allowed lateness, and nothing else');
  assert.ok(lateRecords.every((v) => stragglerKind(v.id) === 'too late'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
