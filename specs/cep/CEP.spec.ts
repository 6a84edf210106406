import { expect } from 'chai';
import {
  CEP,
  CollectSink,
  Collector,
  Match,
  OutputTag,
  Pattern,
  PatternContext,
  PatternProcessFunction,
  StreamEnvironment,
  WatermarkStrategy,
} from '../../src';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';
import { bruteForceMatches } from '../support/cepBruteForce';
import { Gate, HeldSource } from '../support/heldSource';

interface Ev {
  readonly id: number;
  readonly key: string;
  readonly ts: number;
  readonly kind: string;
}
const ev = (id: number, key: string, ts: number, kind: string): Ev => ({ id, key, ts, kind });
const is = (kind: string) => (e: Ev) => e.kind === kind;
const ids = (m: Match<Ev>) =>
  Object.entries(m)
    .map(([stage, evs]) => `${stage}:${evs.map((e) => e.id).join(',')}`)
    .join(' ');

const timedOut = new OutputTag<string>('timed-out');
class Describe extends PatternProcessFunction<Ev, string> {
  override readonly sideOutputTags = [timedOut];
  processMatch(m: Match<Ev>, ctx: PatternContext, out: Collector<string>): void {
    out.collect(`${ids(m)} @${ctx.timestamp()}`);
  }
  processTimedOutMatch(m: Match<Ev>, ctx: PatternContext): void {
    ctx.output(timedOut, `${ids(m)} @${ctx.timestamp()}`);
  }
}

const byTs = (bound = 0) => WatermarkStrategy.forBoundedOutOfOrderness<Ev>(bound).withTimestampAssigner((e) => e.ts);

describe('cep/CEP', function () {
  this.timeout(60_000);

  it('sends partial matches that within timed out to the side output, at the time they timed out', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const events = [ev(1, 'x', 0, 'a'), ev(2, 'x', 5, 'b'), ev(3, 'y', 0, 'a'), ev(4, 'z', 0, 'a'), ev(5, 'z', 12, 'b'), ev(6, 'z', 13, 'c')];
    const keyed = env.fromCollection(events).assignTimestampsAndWatermarks(byTs()).keyBy((e) => e.key);
    const pattern = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).within(10);
    const matches = CEP.pattern(keyed, pattern).process(new Describe());
    const late = new CollectSink<string>();
    matches.getSideOutput(timedOut).sinkTo(late);
    const found = new CollectSink<string>();
    matches.sinkTo(found);
    await env.execute('timeouts');
    expect(found.records()).to.deep.equal(['a:1 b:2 @5']);
    // y's a waits until the end of input; z's b comes at 12, and the watermark it brings times z's a out at 10 first.
    expect(late.records().sort()).to.deep.equal(['a:3 @10', 'a:4 @10']);
  });

  it('reports a match of a pattern ending with notFollowedBy when its window closes, unless a forbidden event came first', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const events = [ev(1, 'k', 0, 'a'), ev(2, 'k', 3, 'b'), ev(3, 'm', 0, 'a'), ev(4, 'm', 5, 'x'), ev(5, 'n', 0, 'a'), ev(6, 'n', 12, 'x')];
    const keyed = env.fromCollection(events).assignTimestampsAndWatermarks(byTs()).keyBy((e) => e.key);
    const pattern = Pattern.begin<Ev>('a').where(is('a')).notFollowedBy('x').where(is('x')).within(10);
    const matches = CEP.pattern(keyed, pattern).process(new Describe());
    const timeouts = new CollectSink<string>();
    matches.getSideOutput(timedOut).sinkTo(timeouts);
    const found = new CollectSink<string>();
    matches.sinkTo(found);
    await env.execute('trailing notFollowedBy');
    // m's x came within the window; n's came after it closed, at 12.
    expect(found.records().sort()).to.deep.equal(['a:1 @10', 'a:5 @10']);
    expect(timeouts.records()).to.deep.equal([]);
  });

  it('orders each key by event time at the watermark, whatever the arrival order', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const events = [ev(3, 'k', 30, 'c'), ev(1, 'k', 10, 'a'), ev(2, 'k', 20, 'b')];
    const keyed = env.fromCollection(events).assignTimestampsAndWatermarks(byTs(100)).keyBy((e) => e.key);
    const pattern = Pattern.begin<Ev>('a').where(is('a')).next('b').where(is('b')).next('c').where(is('c'));
    expect(await CEP.pattern(keyed, pattern).process(new Describe()).executeAndCollect()).to.deep.equal(['a:1 b:2 c:3 @30']);
  });

  it('sends events behind the watermark to the late-data side output, or drops them', async () => {
    const lateTag = new OutputTag<Ev>('late');
    const events = [ev(1, 'k', 10, 'a'), ev(2, 'k', 100, 'b'), ev(3, 'k', 5, 'b')];
    const pattern = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b'));
    const env = StreamEnvironment.create({ parallelism: 1, batchSize: 1 });
    const keyed = env.fromCollection(events).assignTimestampsAndWatermarks(byTs()).keyBy((e) => e.key);
    const stream = CEP.pattern(keyed, pattern).sideOutputLateData(lateTag).process(new Describe());
    const late = new CollectSink<Ev>();
    stream.getSideOutput(lateTag).sinkTo(late);
    const found = new CollectSink<string>();
    stream.sinkTo(found);
    await env.execute('late data');
    expect(found.records()).to.deep.equal(['a:1 b:2 @100']);
    expect(late.records().map((e) => e.id)).to.deep.equal([3]);

    // Without a late-data tag the late event is dropped (and counted in the user metric cepLateRecordsDropped).
    const env2 = StreamEnvironment.create({ parallelism: 1, batchSize: 1 });
    const keyed2 = env2.fromCollection(events).assignTimestampsAndWatermarks(byTs()).keyBy((e) => e.key);
    expect(await CEP.pattern(keyed2, pattern).process(new Describe()).executeAndCollect()).to.deep.equal(['a:1 b:2 @100']);
  });

  it('refuses a malformed pattern when the job is built, every problem listed', () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const keyed = env.fromCollection([ev(1, 'k', 1, 'a')]).keyBy((e) => e.key);
    const bad = Pattern.begin<Ev>('a')
      .where(is('a'))
      .greedy()
      .times(0)
      .followedBy('a')
      .notFollowedBy('n')
      .oneOrMore()
      .within(-1);
    CEP.pattern(keyed, bad).process(new Describe()).print();
    expect(() => env.execute('malformed')).to.throw().with.property('message').that.equals(
      [
        'the job cannot run (6 problems):',
        "  - operator 'CEP': pattern: times(0, 0) of stage 'a': give whole numbers with 1 <= from <= to",
        "  - operator 'CEP': pattern: within: a duration must be a finite, non-negative number of milliseconds, got -1",
        "  - operator 'CEP': pattern: greedy applies to a stage that takes several events (oneOrMore, times); 'a' takes one",
        "  - operator 'CEP': pattern: stage name 'a' is used twice; give each stage its own name",
        "  - operator 'CEP': pattern: notFollowedBy('n') takes no event: quantifiers, optional, greedy, consecutive and allowCombinations do not apply to it",
        "  - operator 'CEP': pattern: a pattern that ends with notFollowedBy('n') needs within(...): its matches are known only when their window closes",
      ].join('\n'),
    );
  });

  it('fails the record, naming the fix, when events have no timestamps', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const keyed = env.fromCollection([ev(1, 'k', 1, 'a')]).keyBy((e) => e.key);
    const failure = await CEP.pattern(keyed, Pattern.begin<Ev>('a'))
      .process(new Describe())
      .executeAndCollect()
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(failure?.message).to.include('CEP orders events by event time: give the stream timestamps and watermarks (assignTimestampsAndWatermarks) before CEP.pattern');
  });

  for (const [before, after] of [
    [2, 3],
    [3, 1],
  ]) {
    it(`keeps partial matches in keyed state: checkpointed at parallelism ${before}, restored at ${after}, the matches are those of one uninterrupted run`, async () => {
      const N = 600;
      const keys = 7;
      const kinds = ['a', 'b', 'c'];
      const event = (i: number): Ev => ({ id: i, key: `k${i % keys}`, ts: i, kind: kinds[(Math.imul(i, 2654435761) >>> 16) % 3] });
      const pattern = Pattern.begin<Ev>('a').where(is('a')).followedBy('b').where(is('b')).oneOrMore().followedBy('c').where(is('c')).within(60);
      const perKey = [...Array(keys).keys()].map((k) => [...Array(N).keys()].map(event).filter((e) => e.key === `k${k}`));
      const expected = perKey.flatMap((evs) => bruteForceMatches(pattern, evs)).sort();
      const jobId = `cep-rescale-${before}-${after}-${process.pid}`;
      const sink = new CollectSink<string>();
      const run = (parallelism: number, gate: Gate) => {
        const env = StreamEnvironment.create({ parallelism, jobId, batchSize: 16 });
        env.enableCheckpointing(3_600_000, 'exactly-once');
        const keyed = env
          .fromSource(new HeldSource(new GeneratorSource(N, event), gate))
          .setParallelism(1)
          .uid('events')
          .assignTimestampsAndWatermarks(byTs())
          .keyBy((e) => e.key);
        class InOrder extends PatternProcessFunction<Ev, string> {
          processMatch(m: Match<Ev>, _ctx: PatternContext, out: Collector<string>): void {
            out.collect(
              Object.entries(m)
                .flatMap(([stage, evs]) => evs.map((e) => ({ stage, e })))
                .sort((x, y) => x.e.ts - y.e.ts)
                .map(({ stage, e }) => `${stage}:${e.id}`)
                .join(' '),
            );
          }
        }
        CEP.pattern(keyed, pattern).process(new InOrder()).uid('cep').sinkTo(sink);
        return env.execute('cep across a rescale');
      };
      const gate: Gate = { open: N / 2 };
      const first = run(before, gate);
      for (let seen = 0; seen < N / 2; ) seen = (await first.counters()).operators['CEP']?.recordsIn ?? 0;
      await first.triggerCheckpoint();
      expect((await first.cancel()).status).to.equal('cancelled');
      const partial = sink.records().length;
      expect(partial).to.be.within(1, expected.length - 1);
      expect((await run(after, { open: N })).status).to.equal('finished');
      expect(sink.records().sort()).to.deep.equal(expected);
    });
  }
});
