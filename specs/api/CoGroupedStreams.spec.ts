import { expect } from 'chai';
import { Collector, CollectSink, StreamEnvironment, Time, TumblingEventTimeWindows, SlidingEventTimeWindows, WatermarkStrategy } from '../../src';

interface Click {
  user: number;
  at: number;
}
interface Buy {
  user: number;
  at: number;
  amount: number;
}

/** Deterministic pseudo-random inputs: timestamps rise with a little disorder. */
function inputs(n: number, users: number): { clicks: Click[]; buys: Buy[] } {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const clicks = Array.from({ length: n }, (_, i) => ({ user: Math.floor(next() * users), at: i * 2 + Math.floor(next() * 5) }));
  const buys = Array.from({ length: Math.floor(n / 3) }, (_, i) => ({ user: Math.floor(next() * users), at: i * 6 + Math.floor(next() * 5), amount: 1 + Math.floor(next() * 100) }));
  return { clicks, buys };
}

/** Windows [start, start + size) every `slide` that hold `at`. */
function windowsOf(at: number, size: number, slide: number): number[] {
  const starts: number[] = [];
  for (let start = at - (((at % slide) + slide) % slide); start > at - size; start -= slide) starts.push(start);
  return starts;
}

/** The window join computed directly: every click and buy of one user in one window. */
function expectedJoin(clicks: Click[], buys: Buy[], size: number, slide: number): string[] {
  const out: string[] = [];
  for (const c of clicks) {
    for (const b of buys) {
      if (c.user !== b.user) continue;
      const shared = windowsOf(c.at, size, slide).filter((w) => windowsOf(b.at, size, slide).includes(w));
      for (const w of shared) out.push(`${w} u${c.user} click@${c.at} buy@${b.at} ${b.amount}`);
    }
  }
  return out.sort();
}

const strategy = <T extends { at: number }>() => WatermarkStrategy.forBoundedOutOfOrderness<T>(5).withTimestampAssigner((r) => r.at);

function joinJob(clicks: Click[], buys: Buy[], size: number, slide: number, crashAt?: number) {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 16 });
  env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
  let handle: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  const clickStream = env.fromGenerator(clicks.length, (i) => clicks[i]).setParallelism(1).assignTimestampsAndWatermarks(strategy<Click>());
  const buyStream = env
    .fromGenerator(buys.length, (i) => {
      if (i === crashAt && !crashed) {
        crashed = true;
        handle!.crashTask('Window Join', 0);
      }
      return buys[i];
    })
    .setParallelism(1)
    .assignTimestampsAndWatermarks(strategy<Buy>());
  const assigner = size === slide ? TumblingEventTimeWindows.of(Time.milliseconds(size)) : SlidingEventTimeWindows.of(Time.milliseconds(size), Time.milliseconds(slide));
  const sink = new CollectSink<string>();
  clickStream
    .join(buyStream)
    .where((c) => c.user)
    .equalTo((b) => b.user)
    .window(assigner)
    .apply((c, b) => `u${c.user} click@${c.at} buy@${b.at} ${b.amount}`)
    .process({
      // The window's start, from the output timestamp (the window's last millisecond).
      processElement: (s: string, ctx: { timestamp(): number | undefined }, out: Collector<string>) => out.collect(`${ctx.timestamp()! + 1 - size} ${s}`),
      sideOutputTags: [],
    })
    .sinkTo(sink);
  const running = env.execute('window join');
  handle = running;
  return { running, sink };
}

describe('api/CoGroupedStreams: window join and co-group', function () {
  this.timeout(60_000);

  it('join over tumbling windows emits every pair with equal keys in one window, as computed directly (p=2)', async () => {
    const { clicks, buys } = inputs(3000, 50);
    const { running, sink } = joinJob(clicks, buys, 100, 100);
    await running;
    const expected = expectedJoin(clicks, buys, 100, 100);
    expect(expected.length).to.be.greaterThan(500);
    expect(sink.records().sort()).to.deep.equal(expected);
  });

  it('join over sliding windows emits a pair once per window that holds both', async () => {
    const { clicks, buys } = inputs(1500, 50);
    const { running, sink } = joinJob(clicks, buys, 100, 50);
    await running;
    expect(sink.records().sort()).to.deep.equal(expectedJoin(clicks, buys, 100, 50));
  });

  it('a crashed join task restores its open windows of both inputs: the output equals the direct computation, exactly once', async () => {
    const { clicks, buys } = inputs(15_000, 200);
    const { running, sink } = joinJob(clicks, buys, 100, 100, 2500);
    const result = await running;
    expect(result.restarts).to.equal(1);
    expect(sink.records().sort()).to.deep.equal(expectedJoin(clicks, buys, 100, 100));
  });

  it('coGroup gives both inputs of a key and window at once, either side possibly empty', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const left = env.fromCollection([{ k: 'a', at: 1 }, { k: 'a', at: 2 }, { k: 'b', at: 3 }, { k: 'a', at: 12 }]).assignTimestampsAndWatermarks(strategy<{ k: string; at: number }>());
    const right = env.fromCollection([{ k: 'a', at: 4 }, { k: 'c', at: 5 }]).assignTimestampsAndWatermarks(strategy<{ k: string; at: number }>());
    const out = await left
      .coGroup(right)
      .where((r) => r.k)
      .equalTo((r) => r.k)
      .window(TumblingEventTimeWindows.of(Time.milliseconds(10)))
      .apply((l: readonly { k: string }[], r: readonly { k: string }[], o: Collector<string>) => o.collect(`${(l[0] ?? r[0]).k}: ${l.length} left, ${r.length} right`))
      .executeAndCollect();
    expect(out.sort()).to.deep.equal(['a: 1 left, 0 right', 'a: 2 left, 1 right', 'b: 1 left, 0 right', 'c: 0 left, 1 right']);
  });

  it('a join function of three arguments is a flat join: it emits any number of records per pair', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const left = env.fromCollection([{ k: 1, at: 1 }]).assignTimestampsAndWatermarks(strategy<{ k: number; at: number }>());
    const right = env.fromCollection([{ k: 1, at: 2 }, { k: 1, at: 3 }]).assignTimestampsAndWatermarks(strategy<{ k: number; at: number }>());
    const out = await left
      .join(right)
      .where((r) => r.k)
      .equalTo((r) => r.k)
      .window(TumblingEventTimeWindows.of(Time.milliseconds(10)))
      .apply((l: { at: number }, r: { at: number }, o: Collector<string>) => {
        if (r.at === 3) o.collect(`${l.at}-${r.at} once`), o.collect(`${l.at}-${r.at} twice`);
      })
      .executeAndCollect();
    expect(out).to.deep.equal(['1-3 once', '1-3 twice']);
  });
});
