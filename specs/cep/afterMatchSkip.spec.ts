import { expect } from 'chai';
import fc from 'fast-check';
import { AfterMatchSkipStrategy, CEP, CollectSink, Collector, Match, Pattern, PatternContext, PatternProcessFunction, StreamEnvironment, WatermarkStrategy } from '../../src';
import { releaseMatches } from '../../src/cep/AfterMatchSkipStrategy';
import { Nfa, PartialMatch } from '../../src/cep/Nfa';
import { patternProblems } from '../../src/cep/patternProblems';
import { bruteForceMatches } from '../support/cepBruteForce';
import { Ev, describeMatch, eventsArb, patternsWith } from '../support/cepPatterns';

const stageNames = ['s0', 's1', 's2', 's3'];
const skipArb = fc.oneof(
  fc.constant(AfterMatchSkipStrategy.skipToNext()),
  fc.constant(AfterMatchSkipStrategy.skipPastLastEvent()),
  fc.constantFrom(...stageNames).map((s) => AfterMatchSkipStrategy.skipToFirst(s)),
  fc.constantFrom(...stageNames).map((s) => AfterMatchSkipStrategy.skipToLast(s)),
);

/**
 * The reference: every match (the brute force), then the strategy applied to the whole list
 * as docs/cep.md states it: matches in order of their first event (of one first event, the one
 * whose events went to earlier stages first, then the shorter, then the one completed first), each reported one discarding
 * the later ones the strategy discards.
 */
function skipped(pattern: Pattern<Ev>, events: readonly Ev[]): string[] {
  const skip = pattern.skipStrategy;
  const parsed = bruteForceMatches(pattern, events).map((text) => ({ text, events: text.split(' ').map((p) => ({ stage: Number(p.split(':')[0].slice(1)), id: Number(p.split(':')[1]) })) }));
  type M = (typeof parsed)[number];
  const prefer = (a: M, b: M) => {
    if (a.events[0].id !== b.events[0].id) return a.events[0].id - b.events[0].id;
    for (let i = 0; i < Math.min(a.events.length, b.events.length); i++) if (a.events[i].stage !== b.events[i].stage) return a.events[i].stage - b.events[i].stage;
    // Of matches alike in all that, the one completed first: matches are reported as they complete.
    return a.events.length - b.events.length || a.events[a.events.length - 1].id - b.events[b.events.length - 1].id;
  };
  let left = [...parsed].sort(prefer);
  const out: string[] = [];
  while (left.length > 0) {
    const [m, ...rest] = left;
    out.push(m.text);
    const ids = (stage?: number) => m.events.filter((e) => stage === undefined || e.stage === stage).map((e) => e.id);
    const discarded = (start: number): boolean => {
      switch (skip.kind) {
        case 'skipToNext':
          return start <= ids()[0];
        case 'skipPastLastEvent':
          return start <= ids().at(-1)!;
        case 'skipToFirst':
          return start < ids(Number(skip.stage.slice(1)))[0];
        case 'skipToLast':
          return start < ids(Number(skip.stage.slice(1))).at(-1)!;
        default:
          return false;
      }
    };
    left = rest.filter((r) => !discarded(r.events[0].id));
  }
  return out;
}

/** Feeds events to the automaton as the CEP operator does with a skip strategy, in the order it reports matches. */
function reported(pattern: Pattern<Ev>, events: readonly Ev[]): string[] {
  const nfa = new Nfa(pattern);
  const out: string[] = [];
  const report = (pm: PartialMatch<Ev>) => out.push(describeMatch(nfa.matchOf(pm)));
  let partials: PartialMatch<Ev>[] = [];
  let held: PartialMatch<Ev>[] = [];
  let completed: PartialMatch<Ev>[] = [];
  const release = (flush: boolean) => {
    ({ held, partials } = releaseMatches(pattern.skipStrategy, [...held, ...completed], partials, flush, (s) => nfa.stageName(s), report));
    completed = [];
  };
  let lastTs = -Infinity;
  for (const [seq, e] of events.entries()) {
    if (e.ts !== lastTs) {
      partials = nfa.prune(partials, e.ts, () => undefined, () => undefined);
      release(false);
    }
    lastTs = e.ts;
    partials = nfa.advance(partials, e, e.ts, seq, (_m, pm) => completed.push(pm));
    release(false);
  }
  partials = nfa.prune(partials, Infinity, () => undefined, () => undefined);
  release(true);
  return out;
}

class Describe extends PatternProcessFunction<Ev, string> {
  processMatch(m: Match<Ev>, _ctx: PatternContext, out: Collector<string>): void {
    out.collect(describeMatch(m));
  }
}

describe('cep: after-match skip strategies', function () {
  this.timeout(120_000);

  it('report, in order, the matches that the strategy keeps of every match, on random patterns and events', () => {
    let withMatches = 0;
    fc.assert(
      fc.property(patternsWith(skipArb), eventsArb(0, 11), (pattern, events) => {
        const expected = skipped(pattern, events);
        if (expected.length > 1) withMatches++;
        expect(reported(pattern, events)).to.deep.equal(expected);
      }),
      { numRuns: 1500 },
    );
    expect(withMatches).to.be.greaterThan(150);
  });

  it('report the same matches in a job, per key in event-time order, at parallelism 2 with checkpoints', async () => {
    await fc.assert(
      fc.asyncProperty(patternsWith(skipArb), fc.array(eventsArb(0, 10), { minLength: 1, maxLength: 3 }), async (pattern, perKeyRaw) => {
        const perKey = perKeyRaw.map((evs, key) => evs.map((e, i) => ({ ...e, key, id: i })));
        const expected = perKey.map((evs) => skipped(pattern, evs).map((m) => `${evs[0].key}| ${m}`));
        const env = StreamEnvironment.create({ parallelism: 2, batchSize: 3 });
        env.enableCheckpointing(5, 'exactly-once');
        const sink = new CollectSink<string>();
        const keyed = env
          .fromCollection(perKey.flat().sort((x, y) => x.ts - y.ts || x.key - y.key))
          .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts))
          .setParallelism(1)
          .keyBy((e) => e.key);
        class Keyed extends Describe {
          override processMatch(m: Match<Ev>, ctx: PatternContext, out: Collector<string>): void {
            out.collect(`${Object.values(m)[0][0].key}| ${describeMatch(m)}`);
          }
        }
        CEP.pattern(keyed, pattern).process(new Keyed()).sinkTo(sink);
        await env.execute('cep skip strategies');
        // Each key's matches in the order reported.
        const got = perKey.map((evs) => sink.records().filter((r) => evs.length > 0 && r.startsWith(`${evs[0].key}|`)));
        expect(got).to.deep.equal(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a strategy naming a stage that is missing, optional or the first event of a match, and one on a pattern ending with negation', () => {
    const p = (skip: AfterMatchSkipStrategy) => Pattern.begin<Ev>('a', skip).where((e) => e.kind === 'a').next('b').optional().next('c');
    expect(patternProblems(p(AfterMatchSkipStrategy.skipToFirst('x')) as Pattern<unknown>)).to.deep.equal(["skipToFirst('x') names no stage that takes events (stages: a, b, c)"]);
    expect(patternProblems(p(AfterMatchSkipStrategy.skipToLast('b')) as Pattern<unknown>)).to.deep.equal([
      "skipToLast('b'): stage 'b' is optional, and a match where it takes no event would have nowhere to skip to",
    ]);
    expect(patternProblems(p(AfterMatchSkipStrategy.skipToFirst('a')) as Pattern<unknown>)).to.deep.equal(["skipToFirst('a'): skipping to the first event of a match would find the same match again"]);
    const negated = Pattern.begin<Ev>('a', AfterMatchSkipStrategy.skipPastLastEvent()).notFollowedBy('b').within(5);
    expect(patternProblems(negated as Pattern<unknown>)).to.deep.equal(['a pattern that ends with notNext or notFollowedBy reports every match: the skip strategy skipPastLastEvent does not apply to it yet']);
  });
});
