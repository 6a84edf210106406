import { expect } from 'chai';
import fc from 'fast-check';
import { CEP, CollectSink, Collector, Match, Pattern, PatternContext, PatternProcessFunction, StreamEnvironment, WatermarkStrategy } from '../../src';
import { Nfa } from '../../src/cep/Nfa';
import { bruteForceMatches } from '../support/cepBruteForce';
import { Ev, describeMatch, eventsArb, patternArb } from '../support/cepPatterns';

/** Feeds events to the automaton as the CEP operator does: per timestamp, prune by `within`, then each event. */
function nfaMatches(pattern: Pattern<Ev>, events: readonly Ev[]): string[] {
  const nfa = new Nfa(pattern);
  const out: string[] = [];
  const record = (m: Match<Ev>) => out.push(describeMatch(m));
  let partials: ReturnType<Nfa<Ev>['advance']> = [];
  let lastTs = -Infinity;
  for (const [seq, e] of events.entries()) {
    if (e.ts !== lastTs) partials = nfa.prune(partials, e.ts, () => undefined, record);
    lastTs = e.ts;
    partials = nfa.advance(partials, e, e.ts, seq, record);
  }
  // The end of input: every window closes.
  nfa.prune(partials, Infinity, () => undefined, record);
  return out.sort();
}

class Describe extends PatternProcessFunction<Ev, string> {
  processMatch(m: Match<Ev>, _ctx: PatternContext, out: Collector<string>): void {
    out.collect(describeMatch(m));
  }
}

describe('cep: the automaton against a brute-force search over every assignment of events to stages', function () {
  this.timeout(120_000);

  it('finds the same matches on random patterns and event sequences (contiguity, quantifiers, optional, greedy, negation, trailing negation, within)', () => {
    let withMatches = 0;
    fc.assert(
      fc.property(patternArb, eventsArb(0, 11), (pattern, events) => {
        const expected = bruteForceMatches(pattern, events);
        if (expected.length > 0) withMatches++;
        expect(nfaMatches(pattern, events)).to.deep.equal(expected);
      }),
      { numRuns: 1500 },
    );
    // The property says something only where there are matches to find.
    expect(withMatches).to.be.greaterThan(300);
  });

  it('finds the same matches as a job: events out of order per key, ordered by the watermark, at parallelism 2 with checkpoints', async () => {
    await fc.assert(
      fc.asyncProperty(patternArb, fc.array(eventsArb(0, 10), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 2 ** 31 }), async (pattern, perKeyRaw, seed) => {
        const perKey = perKeyRaw.map((evs, key) => evs.map((e, i) => ({ ...e, key, id: key * 1000 + i })));
        // Interleave the keys and shift each event back by up to 2 places: out of order, within the watermark's bound.
        const all = perKey.flat().sort((x, y) => x.ts - y.ts || x.id - y.id);
        let r = seed;
        for (let i = all.length - 1; i > 0; i--) {
          r = (r * 1103515245 + 12345) % 2 ** 31;
          const j = Math.max(0, i - (r % 3));
          [all[i], all[j]] = [all[j], all[i]];
        }
        // Each key's events in timestamp order, equal timestamps in the order they arrive (a stable sort of the arrival order).
        const arrived = perKey.map((_, key) => all.filter((e) => e.key === key).sort((x, y) => x.ts - y.ts));
        const expected = arrived.flatMap((evs) => bruteForceMatches(pattern, evs)).sort();
        const maxDelay = Math.max(0, ...all.map((e, i) => Math.max(0, ...all.slice(0, i).map((x) => x.ts)) - e.ts));
        const env = StreamEnvironment.create({ parallelism: 2, batchSize: 3 });
        env.enableCheckpointing(5, 'exactly-once');
        const sink = new CollectSink<string>();
        const keyed = env
          .fromCollection(all)
          .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Ev>(maxDelay + 1).withTimestampAssigner((e) => e.ts))
          // One channel from the source to each CEP instance, so a key's events arrive in the order above.
          .setParallelism(1)
          .keyBy((e) => e.key);
        CEP.pattern(keyed, pattern).process(new Describe()).sinkTo(sink);
        await env.execute('cep against brute force');
        expect(sink.records().sort()).to.deep.equal(expected);
      }),
      { numRuns: 40 },
    );
  });
});
