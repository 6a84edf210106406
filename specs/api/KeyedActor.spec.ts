import { expect } from 'chai';
import {
  CollectSink,
  KeyedActor,
  KeyedActorContext,
  OutputTag,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src';
import { RecordingSink } from '../support/RecordingSink';
import { Click, QuietAfter, clicks } from '../support/quietAfter';

type Quiet = { type: 'quiet'; at: number };

/** The same, as an actor: it schedules a message to itself and ignores the ones a later click made stale. */
class QuietAfterActor extends KeyedActor<string, Click | Quiet, string> {
  private clicks!: ValueState<number>;
  private deadline!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.clicks = ctx.getState(new ValueStateDescriptor('clicks', Serializers.number, 0));
    this.deadline = ctx.getState(new ValueStateDescriptor('deadline', Serializers.number));
  }
  receive(msg: Click | Quiet, ctx: KeyedActorContext<string, Click | Quiet, string>): void {
    if ('user' in msg) {
      this.clicks.update(this.clicks.value()! + 1);
      const deadline = ctx.timestamp()! + 10;
      this.deadline.update(deadline);
      ctx.scheduleAtEventTime(deadline, { type: 'quiet', at: deadline });
      return;
    }
    if (this.deadline.value() !== msg.at) return;
    ctx.emit(`${ctx.key()} ${this.clicks.value()} clicks, quiet at ${msg.at} (event, output timestamp ${ctx.timestamp()})`);
    this.clicks.clear();
    this.deadline.clear();
  }
}


function job(kind: 'function' | 'actor', events: Click[], crashAt?: number) {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 16 });
  env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
  const sink = new CollectSink<string>();
  let handle: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  const keyed = env
    .fromGenerator(events.length, (i) => {
      if (i === crashAt && !crashed) {
        crashed = true;
        handle!.crashTask(kind === 'actor' ? 'Keyed Actor' : 'Keyed Process', 0);
      }
      return events[i];
    })
    .setParallelism(1)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Click>(45).withTimestampAssigner((c) => c.at))
    .setParallelism(1)
    .keyBy((c) => c.user);
  (kind === 'actor' ? keyed.processActor<string, Quiet>(new QuietAfterActor()) : keyed.process(new QuietAfter())).sinkTo(sink);
  const running = env.execute(`quiet users (${kind})`);
  handle = running;
  return { running, sink };
}

describe('api/KeyedActor', function () {
  this.timeout(60_000);

  it('keeps its state and scheduled messages across a task crash exactly as a KeyedProcessFunction keeps state and timers', async () => {
    const events = clicks(20_000);
    const reference = job('function', events);
    await reference.running;
    const expected = reference.sink.records().sort();
    expect(expected.length).to.be.greaterThan(100);
    const actorUninterrupted = job('actor', events);
    await actorUninterrupted.running;
    expect(actorUninterrupted.sink.records().sort()).to.deep.equal(expected);
    const functionCrashed = job('function', events, 10_000);
    const actorCrashed = job('actor', events, 10_000);
    const [f, a] = await Promise.all([functionCrashed.running, actorCrashed.running]);
    expect([f.restarts, a.restarts]).to.deep.equal([1, 1]);
    expect(functionCrashed.sink.records().sort()).to.deep.equal(expected);
    expect(actorCrashed.sink.records().sort()).to.deep.equal(expected);
  });

  it('delivers processing-time messages with the clock and writes declared side outputs; an undeclared one fails the job', async () => {
    const late = new OutputTag<string>('late');
    class Reminder extends KeyedActor<number, number | 'remind', string> {
      override readonly sideOutputTags = [late];
      receive(msg: number | 'remind', ctx: KeyedActorContext<number, number | 'remind', string>): void {
        if (msg === 'remind') return ctx.emit(`remind ${ctx.key()}`);
        if (msg < 0) return ctx.output(new OutputTag<string>('undeclared'), 'x');
        ctx.output(late, `got ${msg}`);
        ctx.scheduleOnce(20, 'remind');
      }
    }
    const env = StreamEnvironment.create();
    const out = new RecordingSink<string>();
    const side = new RecordingSink<string>();
    // An unbounded source, so that the reminders are due before the input ends.
    let emitted = 0;
    const reminded = env
      .fromSource<number>({
        name: 'Three then wait',
        parallel: false,
        createReader: () => ({
          poll: (_max, emit) => {
            if (emitted < 3) emit(emitted++);
            return out.all().length === 3 ? 'end' : new Promise((r) => setTimeout(() => r('more'), 5));
          },
          position: () => emitted,
        }),
      })
      .keyBy((n) => n)
      .processActor<string, 'remind'>(new Reminder());
    reminded.sinkTo(out);
    reminded.getSideOutput(late).sinkTo(side);
    await env.execute('reminders');
    expect(out.all().sort()).to.deep.equal(['remind 0', 'remind 1', 'remind 2']);
    expect(side.all().sort()).to.deep.equal(['got 0', 'got 1', 'got 2']);

    const failing = StreamEnvironment.create();
    failing.fromCollection([-1]).keyBy((n) => n).processActor<string, 'remind'>(new Reminder()).sinkTo(new RecordingSink<string>());
    const error = await failing.execute('undeclared').then(() => undefined, (e) => e as Error);
    expect(error?.message).to.contain("wrote to side output 'undeclared', which its function does not list in sideOutputTags");
  });
});
