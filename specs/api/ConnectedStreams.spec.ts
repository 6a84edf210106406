import { expect } from 'chai';
import {
  Collector,
  CollectSink,
  CoProcessFunction,
  InvalidTopologyError,
  KeyedCoProcessFunction,
  KeyedProcessContext,
  OnTimerContext,
  ProcessContext,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src';
import { Auction, AuctionsWithSeller, Person } from '../../samples/docs-examples/twoInputs';

const persons = (n: number): Person[] => Array.from({ length: n }, (_, i) => ({ id: i, name: `p${i}`, at: i }));
/** Auctions of sellers 0..sellers-1, seven apart: many come before their seller does. */
const auctions = (n: number, sellers: number): Auction[] => Array.from({ length: n }, (_, i) => ({ id: i, seller: (i * 7) % sellers, at: i }));

/** The join computed directly: every auction whose seller exists, with the seller's name. */
function expectedJoin(ps: Person[], as: Auction[]): string[] {
  const names = new Map(ps.map((p) => [p.id, p.name]));
  return as.filter((a) => names.has(a.seller)).map((a) => `auction ${a.id} by ${names.get(a.seller)}`).sort();
}

function joinJob(ps: Person[], as: Auction[], crashAt?: number) {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 16 });
  env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
  const sink = new CollectSink<string>();
  let handle: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  const personStream = env.fromGenerator(ps.length, (i) => ps[i]);
  const auctionStream = env.fromGenerator(as.length, (i) => {
    if (i === crashAt && !crashed) {
      crashed = true;
      handle!.crashTask('Keyed Co-Process', 0);
    }
    return as[i];
  });
  personStream
    .connect(auctionStream)
    .keyBy((p) => p.id, (a) => a.seller)
    .process(new AuctionsWithSeller())
    .sinkTo(sink);
  const running = env.execute('keyed join');
  handle = running;
  return { running, sink };
}

describe('api/ConnectedStreams', function () {
  this.timeout(60_000);

  it('a CoProcessFunction sees each input through its own method', async () => {
    class Describe extends CoProcessFunction<number, string, string> {
      processElement1(n: number, _ctx: ProcessContext, out: Collector<string>): void {
        out.collect(`number ${n}`);
      }
      processElement2(s: string, _ctx: ProcessContext, out: Collector<string>): void {
        out.collect(`text ${s}`);
      }
    }
    const env = StreamEnvironment.create({ parallelism: 2 });
    const out = await env.fromCollection([1, 2, 3]).connect(env.fromCollection(['a', 'b'])).process(new Describe()).executeAndCollect();
    expect(out.sort()).to.deep.equal(['number 1', 'number 2', 'number 3', 'text a', 'text b']);
  });

  it('keyed: both inputs share the state of a key, whatever the order they arrive in (p=2)', async () => {
    const ps = persons(300);
    const as = auctions(3000, 400); // sellers 300..399 do not exist: their auctions never join
    const { running, sink } = joinJob(ps, as);
    await running;
    const expected = expectedJoin(ps, as);
    expect(expected.length).to.be.greaterThan(2000);
    expect(sink.records().sort()).to.deep.equal(expected);
  });

  it('keyed: a crashed co-process task restores both inputs\' keyed state: the output equals the directly computed join, exactly once', async () => {
    const ps = persons(2000);
    const as = auctions(20_000, 2500);
    const { running, sink } = joinJob(ps, as, 10_000);
    const result = await running;
    expect(result.restarts).to.equal(1);
    expect(sink.records().sort()).to.deep.equal(expectedJoin(ps, as));
  });

  it('keyed: event-time timers fire once the watermarks of both inputs pass them', async () => {
    /** Counts each key's records from both inputs and reports them at the end of each 10 ms of event time. */
    class CountUntil extends KeyedCoProcessFunction<string, { k: string; at: number }, { k: string; at: number }, string> {
      private count!: ValueState<number>;
      open(ctx: RuntimeContext): void {
        this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
      }
      private add(at: number, ctx: KeyedProcessContext<string>): void {
        this.count.update(this.count.value()! + 1);
        ctx.timerService().registerEventTimeTimer(Math.floor(at / 10) * 10 + 9);
      }
      processElement1(r: { k: string; at: number }, ctx: KeyedProcessContext<string>): void {
        this.add(r.at, ctx);
      }
      processElement2(r: { k: string; at: number }, ctx: KeyedProcessContext<string>): void {
        this.add(r.at, ctx);
      }
      onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}@${t}: ${this.count.value()} (watermark ${ctx.timerService().currentWatermark()})`);
        this.count.clear();
      }
    }
    const env = StreamEnvironment.create({ parallelism: 1 });
    const strategy = WatermarkStrategy.forMonotonousTimestamps<{ k: string; at: number }>().withTimestampAssigner((r) => r.at);
    // The second input's event time stays behind the first's: timers wait for it.
    const fast = env.fromCollection([0, 5, 12, 25].map((at) => ({ k: 'a', at }))).assignTimestampsAndWatermarks(strategy);
    const slow = env.fromCollection([1, 2, 3].map((at) => ({ k: 'a', at }))).assignTimestampsAndWatermarks(strategy);
    const out = await fast.connect(slow).keyBy((r) => r.k, (r) => r.k).process<string>(new CountUntil()).executeAndCollect();
    // The first input's watermark reaches 25, but the second's stays at 3 until its input ends:
    // no timer fires before every record of both inputs is counted.
    expect(out.map((s) => s.split(' (')[0])).to.deep.equal(['a@9: 7', 'a@19: 0', 'a@29: 0']);
  });

  it('refuses a KeyedCoProcessFunction on connected streams that are not keyed', () => {
    class Keyed extends KeyedCoProcessFunction<number, number, number, number> {
      processElement1(): void {}
      processElement2(): void {}
    }
    const env = StreamEnvironment.create();
    env.fromCollection([1]).connect(env.fromCollection([2])).process(new Keyed()).print();
    expect(() => env.execute('refused')).to.throw(InvalidTopologyError, "operator 'Co-Process': a KeyedProcessFunction needs a keyed stream");
  });
});
