/**
 * The reference of the CEP specs: every match of a pattern in one key's events, found by
 * trying every assignment of events to stages and keeping those that docs/cep.md's rules
 * allow, checked on the whole candidate at once (no automaton, no state carried between
 * events). Slow on purpose: for short sequences only.
 *
 * A match is written as `stage:id` pairs in event order, joined with spaces.
 */
import { Pattern } from '../../src/cep/Pattern';
import { Condition, ConditionContext, Stage } from '../../src/cep/Stage';

interface Step<T> {
  readonly stage: Stage<T>;
  readonly negatives: readonly Stage<T>[];
}

const holds = <T>(c: Condition<T> | undefined, e: T, ctx: ConditionContext<T>) => (c === undefined ? true : c(e, ctx));

export function bruteForceMatches<T extends { id: number; ts: number }>(pattern: Pattern<T>, events: readonly T[]): string[] {
  const steps: Step<T>[] = [];
  let negatives: Stage<T>[] = [];
  for (const s of pattern.stages) {
    if (s.negative) negatives.push(s);
    else {
      steps.push({ stage: s, negatives });
      negatives = [];
    }
  }
  // notNext / notFollowedBy after the last stage: checked against the events up to the window's close.
  const trailing = negatives;
  const minOf = (i: number) => (steps[i].stage.optional ? 0 : steps[i].stage.min);
  const out: string[] = [];
  /** Taken so far: [step, event index], in order. */
  const taken: Array<[number, number]> = [];
  const ctxOf = (prefix: ReadonlyArray<[number, number]>): ConditionContext<T> => ({
    getEventsForPattern: (name) => prefix.filter(([s]) => steps[s].stage.name === name).map(([, i]) => events[i]),
  });

  /** Whether every step after `step` (exclusive) up to `b` (exclusive) may take no event. */
  const skippable = (from: number, to: number) => steps.slice(from + 1, to).every((s) => s.stage.optional);

  const allowedMove = (from: number, count: number, last: number, to: number, next: number): boolean => {
    const ctx = ctxOf(taken);
    const A = steps[from].stage;
    const gap = events.slice(last + 1, next);
    if (to === from) {
      if (count >= A.max) return false;
      if (A.inner === 'strict' && next !== last + 1) return false;
      if (A.inner === 'relaxed' && gap.some((g) => holds(A.condition, g, ctx))) return false;
      return holds(A.condition, events[next], ctx);
    }
    if (count < A.min || !skippable(from, to)) return false;
    const B = steps[to];
    if (B.stage.contiguity === 'strict' && next !== last + 1) return false;
    if (B.stage.contiguity === 'relaxed' && gap.some((g) => holds(B.stage.condition, g, ctx))) return false;
    for (const n of B.negatives) {
      if (n.contiguity === 'strict' && holds(n.condition, events[last + 1], ctx)) return false;
      if (n.contiguity === 'relaxed' && gap.some((g) => holds(n.condition, g, ctx))) return false;
    }
    if (A.greedy && count < A.max && events.slice(last + 1, next + 1).some((g) => holds(A.condition, g, ctx))) return false;
    return holds(B.stage.condition, events[next], ctx);
  };

  const w = pattern.windowMs;
  const trailingHolds = (): boolean => {
    const ctx = ctxOf(taken);
    const last = taken[taken.length - 1][1];
    const close = events[taken[0][1]].ts + w!;
    const after = events.slice(last + 1).filter((e) => e.ts < close);
    return trailing.every((n) => (n.contiguity === 'strict' ? after.slice(0, 1) : after).every((e) => !holds(n.condition, e, ctx)));
  };
  const canEnd = (step: number, count: number) =>
    count >= steps[step].stage.min && steps.slice(step + 1).every((s) => s.stage.optional) && (trailing.length === 0 || trailingHolds());

  const extend = (step: number, count: number) => {
    if (canEnd(step, count)) out.push(taken.map(([s, i]) => `${steps[s].stage.name}:${events[i].id}`).join(' '));
    const last = taken[taken.length - 1][1];
    const first = events[taken[0][1]];
    for (let next = last + 1; next < events.length; next++) {
      if (w !== undefined && events[next].ts - first.ts >= w) break;
      for (let to = step; to < steps.length; to++) {
        if (!allowedMove(step, count, last, to, next)) continue;
        taken.push([to, next]);
        extend(to, to === step ? count + 1 : 1);
        taken.pop();
      }
    }
  };

  for (let start = 0; start < events.length; start++) {
    for (let s = 0; s < steps.length; s++) {
      if (s > 0 && minOf(s - 1) > 0) break;
      if (!holds(steps[s].stage.condition, events[start], ctxOf([]))) continue;
      taken.push([s, start]);
      extend(s, 1);
      taken.pop();
    }
  }
  return out.sort();
}
