/**
 * A job module for `sluice run` (docs/cli.md): clicks of `--users` users, at most `--rate` a
 * second (0: as fast as it goes), counted per user in keyed state; served with its REST API
 * and dashboard on port 8081; a checkpoint every `--checkpoint-interval` ms. Once its input
 * ends, it prints each user's final count. Stopped at a savepoint and started from it again
 * (at any parallelism), the counts go on where they stopped.
 *
 *   make build
 *   node build/src/cli/main.js run build/samples/click-counts/job.js --clicks 40000 --rate 500
 */
import { parseArgs } from 'util';
import { CollectSink, Collector, KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext, Serializers, StreamEnvironment, ValueState, ValueStateDescriptor, showProgress } from '../../src';
import { PacedClicks, Click } from './PacedClicks';

interface UserClicks {
  readonly user: string;
  readonly clicks: number;
}

/** The end of event time: a timer set there fires once the input has ended. */
const END_OF_INPUT = Number.MAX_SAFE_INTEGER;

/** Counts each user's clicks; tells the final count when the input ends. */
class CountClicks extends KeyedProcessFunction<string, Click, UserClicks> {
  private count!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor('clicks', Serializers.number, 0));
  }
  processElement(_click: Click, ctx: KeyedProcessContext<string>, _out: Collector<UserClicks>): void {
    this.count.update(this.count.value()! + 1);
    ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
  }
  onTimer(_time: number, ctx: OnTimerContext<string>, out: Collector<UserClicks>): void {
    out.collect({ user: ctx.getCurrentKey(), clicks: this.count.value()! });
  }
}

const { values } = parseArgs({
  options: {
    clicks: { type: 'string', default: '100000' },
    users: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    'checkpoint-interval': { type: 'string', default: '10000' },
    'metrics-interval': { type: 'string', default: '1000' },
    token: { type: 'string' },
  },
});
const count = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, not '${values[name]}'`);
  return n;
};

const env = StreamEnvironment.create({
  jobId: 'click-counts',
  parallelism: 2,
  rest: { port: 8081, ...(values.token !== undefined ? { token: values.token } : {}) },
  metrics: { intervalMs: count('metrics-interval') },
});
env.enableCheckpointing(count('checkpoint-interval'));
const sink = new CollectSink<UserClicks>();
env
  .fromSource(new PacedClicks(count('clicks'), count('users'), count('rate')), 'clicks')
  .uid('clicks')
  .keyBy((c) => c.user)
  .process(new CountClicks())
  .name('count-per-user')
  .uid('count-per-user')
  .sinkTo(sink)
  .name('final-counts')
  .uid('final-counts');

const job = env.execute('click counts');
// On a terminal, a line on stderr says how far it got while it runs (nothing in a pipe or a log).
showProgress(job, { expectedRecords: count('clicks') });
void job.then(() => {
  for (const { user, clicks } of [...sink.records()].sort((a, b) => a.user.localeCompare(b.user, 'en', { numeric: true }))) console.log(`${user} ${clicks}`);
});
