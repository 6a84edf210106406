/**
 * Random patterns and event sequences for the CEP specs: stages with every contiguity,
 * quantifier and condition kind (one iterative), one key's events with rising timestamps, and
 * how a match is written (`stage:id` pairs, as the brute force writes them).
 */
import fc from 'fast-check';
import { AfterMatchSkipStrategy, Match, Pattern } from '../../src';
import { patternProblems } from '../../src/cep/patternProblems';

export interface Ev {
  readonly id: number;
  readonly key: number;
  readonly ts: number;
  readonly kind: 'a' | 'b' | 'c';
  readonly v: number;
}

type Kind = Ev['kind'];
type ConditionSpec = { kind: Kind; op: 'is' | 'big' | 'rising' };
type StageSpec = {
  link: 'next' | 'followedBy' | 'followedByAny' | 'notNext' | 'notFollowedBy';
  cond: ConditionSpec;
  quant: 'once' | 'oneOrMore' | 'times' | 'range';
  n: number;
  optional: boolean;
  greedy: boolean;
  inner: 'default' | 'consecutive' | 'allowCombinations';
};

/** A condition on the kind; 'big' also on the value; 'rising' looks at the stage's own events so far (iterative). */
function conditionOf(c: ConditionSpec, name: string) {
  if (c.op === 'is') return (e: Ev) => e.kind === c.kind;
  if (c.op === 'big') return (e: Ev) => e.kind === c.kind && e.v > 4;
  return (e: Ev, ctx: { getEventsForPattern(n: string): Ev[] }) => e.kind === c.kind && e.v >= (ctx.getEventsForPattern(name).at(-1)?.v ?? 0);
}

function buildPattern(first: StageSpec, rest: StageSpec[], within: number | undefined, skip: AfterMatchSkipStrategy): Pattern<Ev> {
  const specs = [first, ...rest];
  let p: Pattern<Ev> | undefined;
  specs.forEach((s, i) => {
    const name = `s${i}`;
    p = p === undefined ? Pattern.begin<Ev>(name, skip) : p[s.link](name);
    p = p.where(conditionOf(s.cond, name));
    if (s.quant === 'oneOrMore') p = p.oneOrMore();
    if (s.quant === 'times') p = p.times(s.n);
    if (s.quant === 'range') p = p.times(1, s.n);
    if (s.optional) p = p.optional();
    if (s.greedy) p = p.greedy();
    if (s.inner === 'consecutive') p = p.consecutive();
    if (s.inner === 'allowCombinations') p = p.allowCombinations();
  });
  return within === undefined ? p! : p!.within(within);
}

const stageArb: fc.Arbitrary<StageSpec> = fc.record({
  link: fc.constantFrom('next', 'followedBy', 'followedByAny', 'notNext', 'notFollowedBy'),
  cond: fc.record({ kind: fc.constantFrom<Kind>('a', 'b', 'c'), op: fc.constantFrom<ConditionSpec['op']>('is', 'is', 'big', 'rising') }),
  quant: fc.constantFrom('once', 'once', 'oneOrMore', 'times', 'range'),
  n: fc.integer({ min: 1, max: 3 }),
  optional: fc.boolean(),
  greedy: fc.boolean(),
  inner: fc.constantFrom('default', 'default', 'consecutive', 'allowCombinations'),
});

/** Valid patterns only (a malformed one is refused before any event, see the spec of patternProblems), with a skip strategy drawn from `skips`. */
export const patternsWith = (skips: fc.Arbitrary<AfterMatchSkipStrategy>) => fc
  .record({ first: stageArb, rest: fc.array(stageArb, { maxLength: 3 }), within: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }), skip: skips })
  .map(({ first, rest, within, skip }) => buildPattern({ ...first, link: 'next' }, rest, within, skip))
  .filter((p) => patternProblems(p as Pattern<unknown>).length === 0);

/** Valid patterns that report every match. */
export const patternArb = patternsWith(fc.constant(AfterMatchSkipStrategy.noSkip()));

/** One key's events in timestamp order (ties kept in arrival order), timestamps rising by 0..3. */
export const eventsArb = (key: number, max: number) =>
  fc.array(fc.record({ step: fc.integer({ min: 0, max: 3 }), kind: fc.constantFrom<Kind>('a', 'b', 'c'), v: fc.integer({ min: 0, max: 9 }) }), { maxLength: max }).map((raw) => {
    let ts = 0;
    return raw.map((r, i): Ev => ({ id: key * 1000 + i, key, ts: (ts += r.step), kind: r.kind, v: r.v }));
  });

/** A match as the brute force writes it: stages in the order they took events (the record's key order), events in order. */
export const describeMatch = (m: Match<Ev>) =>
  Object.entries(m)
    .flatMap(([stage, evs]) => evs.map((e) => `${stage}:${e.id}`))
    .join(' ');
