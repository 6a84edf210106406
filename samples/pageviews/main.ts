/**
 * The flagship sample: per-user activity over a stream of page views.
 *
 *   page views (generator, 2 instances)
 *     -> drop health checks                      (chained with the source)
 *     -> keyBy(userId)
 *     -> user activity (KeyedProcessFunction, 2 instances, state per user)
 *          main output: a user's running totals every 500 views -> leaderboard (1 instance)
 *          side output: a user crossing 10,000 views         -> heavy-user alerts (1 instance)
 *
 * Run it with `make run`. It reads 5 million events, prints a summary line about every
 * second while it runs, the alerts as they come, the leaderboard at the end of input, and
 * the throughput.
 */
import {
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  JobCounters,
  OutputTag,
  RuntimeContext,
  Serializers,
  Sink,
  SinkWriter,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
} from '../../src';
import { HEALTH_CHECK, PageView, USERS, formatUser, pageView } from './events';

const EVENTS = Number(process.env.PAGEVIEWS_EVENTS ?? 5_000_000);
/** Views at which a user counts as heavy, and is reported once. */
const HEAVY_VIEWS = 10_000;
/** A user's totals go to the leaderboard every this many views. */
const REPORT_EVERY = 500;

interface UserTotals {
  readonly userId: number;
  readonly views: number;
  readonly timeMs: number;
}

interface HeavyUser extends UserTotals {
  /** Event time of the view that crossed the threshold. */
  readonly at: number;
}

const heavyUsers = new OutputTag<HeavyUser>('heavy-users');

/** Counts views and time on site per user, in keyed state; flags users crossing HEAVY_VIEWS. */
class UserActivity extends KeyedProcessFunction<number, PageView, UserTotals> {
  override readonly sideOutputTags = [heavyUsers];
  private views!: ValueState<number>;
  private timeMs!: ValueState<number>;

  open(context: RuntimeContext): void {
    this.views = context.getState(new ValueStateDescriptor('views', Serializers.number, 0));
    this.timeMs = context.getState(new ValueStateDescriptor('time-ms', Serializers.number, 0));
  }

  processElement(view: PageView, ctx: KeyedProcessContext<number>, out: Collector<UserTotals>): void {
    const views = this.views.value()! + 1;
    const timeMs = this.timeMs.value()! + view.durationMs;
    this.views.update(views);
    this.timeMs.update(timeMs);
    if (views === HEAVY_VIEWS) ctx.output(heavyUsers, { userId: ctx.getCurrentKey(), views, timeMs, at: view.at });
    if (views % REPORT_EVERY === 0) out.collect({ userId: view.userId, views, timeMs });
  }
}

const hours = (ms: number) => `${(ms / 3_600_000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} h`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Keeps each user's latest totals; prints the top users at the end of input. */
class Leaderboard implements Sink<UserTotals> {
  readonly name = 'Leaderboard';
  constructor(private readonly top: number) {}
  createWriter(): SinkWriter<UserTotals> {
    const latest = new Map<number, UserTotals>();
    const top = this.top;
    return {
      write(records) {
        for (const r of records) latest.set(r.userId, r);
      },
      finish() {
        const best = [...latest.values()].sort((a, b) => b.views - a.views).slice(0, top);
        console.log(`\nTop ${best.length} users by views as last reported (every ${REPORT_EVERY} views; ${int(latest.size)} users reported):`);
        for (const u of best) console.log(`  ${formatUser(u.userId)}  ${int(u.views).padStart(7)} views  ${hours(u.timeMs).padStart(8)} on site`);
      },
    };
  }
}

/** Prints the first alerts as they come, then only counts them. */
class HeavyUserAlerts implements Sink<HeavyUser> {
  readonly name = 'Heavy-user alerts';
  constructor(private readonly printFirst: number) {}
  createWriter(): SinkWriter<HeavyUser> {
    let seen = 0;
    const printFirst = this.printFirst;
    return {
      write(records) {
        for (const r of records) {
          if (++seen <= printFirst) {
            const at = new Date(r.at).toISOString().slice(11, 19);
            console.log(`  ! heavy user ${formatUser(r.userId)}: ${int(r.views)} views, ${hours(r.timeMs)} on site (event time ${at})`);
          }
        }
      },
      finish() {
        if (seen > printFirst) console.log(`  ! ... and ${seen - printFirst} more heavy users`);
      },
    };
  }
}

async function main(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2, logging: { pretty: true } }); // log lines on stderr, one readable line each

  const activity = env
    .fromGenerator(EVENTS, pageView)
    .name('Page views')
    .filter((v) => v.page !== HEALTH_CHECK)
    .name('Drop health checks')
    .keyBy((v) => v.userId)
    .process(new UserActivity())
    .name('User activity');

  activity.sinkTo(new Leaderboard(5)).setParallelism(1);
  activity.getSideOutput(heavyUsers).sinkTo(new HeavyUserAlerts(5)).setParallelism(1);

  console.log(`Sluice page views: ${int(EVENTS)} events, ${int(USERS)} users, parallelism 2\n`);
  const started = Date.now();
  const job = env.execute('page views');

  let last = { at: started, read: 0 };
  const summary = (c: JobCounters) => {
    const now = Date.now();
    const read = c.operators['Page views']?.recordsOut ?? 0;
    const counted = c.operators['User activity']?.recordsIn ?? 0;
    const heavy = c.operators['Heavy-user alerts']?.recordsIn ?? 0;
    const rate = ((read - last.read) * 1000) / Math.max(1, now - last.at);
    last = { at: now, read };
    console.log(
      `  ${((now - started) / 1000).toFixed(1).padStart(5)} s  read ${int(read).padStart(9)}  counted ${int(counted).padStart(9)}  ` +
        `heavy users ${String(heavy).padStart(3)}  ${int(rate).padStart(9)} events/s`,
    );
  };
  let done = false;
  const ticker = setInterval(() => {
    job.counters().then((c) => {
      if (!done) summary(c);
    }, () => undefined);
  }, 1000);

  try {
    const result = await job;
    done = true;
    const elapsed = (Date.now() - started) / 1000;
    const read = result.counters.operators['Page views']?.recordsOut ?? 0;
    const counted = result.counters.operators['User activity']?.recordsIn ?? 0;
    console.log(
      `\nDone (${result.status}): ${int(read)} events (${int(read - counted)} health checks dropped) in ${elapsed.toFixed(2)} s, ` +
        `${int(read / elapsed)} events/s`,
    );
  } finally {
    clearInterval(ticker);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
