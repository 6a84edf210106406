/**
 * The Pattern API of complex event processing, with Flink's names: a sequence of named stages,
 * each with a condition, a quantifier and how it follows the stage before it.
 *
 * @example
 * Pattern.begin<Payment>('small').where((p) => p.amount < 10).times(3)
 *   .followedBy('large').where((p) => p.amount > 500)
 *   .within(Time.minutes(5));
 *
 * A pattern is immutable: each call returns a new one. What a pattern means is stated in
 * docs/cep.md; `patternProblems` lists what is malformed, and CEP.pattern refuses it when the
 * job is built.
 */
import { Duration, toMillis } from '../time/Time';
import { AfterMatchSkipStrategy } from './AfterMatchSkipStrategy';
import { Condition, Contiguity, Stage } from './Stage';

/** A sequence of named stages to find in each key's events (`Pattern.begin(name)`); see docs/cep.md. */
export class Pattern<T> {
  private constructor(
    /** @internal */ readonly stages: readonly Stage<T>[],
    /** @internal Milliseconds; undefined: no bound. */ readonly windowMs: number | undefined,
    /** @internal Problems found while building (a bad argument), reported by patternProblems. */ readonly buildProblems: readonly string[],
    /** @internal Which partial matches a match discards (given to begin). */ readonly skipStrategy: AfterMatchSkipStrategy,
  ) {}

  /** The first stage of a pattern; `skip` says which partial matches a match discards (default: none, every match is reported). */
  static begin<T>(name: string, skip: AfterMatchSkipStrategy = AfterMatchSkipStrategy.noSkip()): Pattern<T> {
    return new Pattern<T>([newStage(name, 'strict', false)], undefined, [], skip);
  }

  /** The next stage must take the event right after the previous stage's last (strict contiguity). */
  next(name: string): Pattern<T> {
    return this.append(newStage(name, 'strict', false));
  }
  /** The next stage takes the first matching event after the previous stage's last; others in between are skipped (relaxed contiguity). */
  followedBy(name: string): Pattern<T> {
    return this.append(newStage(name, 'relaxed', false));
  }
  /** The next stage takes any matching event after the previous stage's last, each in a match of its own (non-deterministic relaxed contiguity). */
  followedByAny(name: string): Pattern<T> {
    return this.append(newStage(name, 'any', false));
  }
  /** The event right after the previous stage's last must not match this stage's condition. */
  notNext(name: string): Pattern<T> {
    return this.append(newStage(name, 'strict', true));
  }
  /**
   * No event between the previous stage's last and the next stage's first may match this stage's
   * condition; last in a pattern (which then needs `within`), no event until the window closes.
   */
  notFollowedBy(name: string): Pattern<T> {
    return this.append(newStage(name, 'relaxed', true));
  }

  /** The condition of the current stage; with `ctx`, it may look at the events the match took so far (an iterative condition). */
  where(condition: Condition<T>): Pattern<T> {
    return this.edit((s) => ({ ...s, condition: s.condition === undefined ? condition : and(s.condition, condition) }));
  }
  /** Either the stage's condition so far or `condition`. */
  or(condition: Condition<T>): Pattern<T> {
    return this.edit((s) => ({ ...s, condition: s.condition === undefined ? condition : or(s.condition, condition) }));
  }
  /** The current stage takes one or more events. */
  oneOrMore(): Pattern<T> {
    return this.edit((s) => ({ ...s, min: 1, max: Infinity, quantified: true }));
  }
  /** The current stage takes `n` events, or between `from` and `to` with two arguments. */
  times(from: number, to: number = from): Pattern<T> {
    const bad = !Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to < from;
    const problem = bad ? [`times(${from}, ${to}) of stage '${this.last.name}': give whole numbers with 1 <= from <= to`] : [];
    return this.edit((s) => ({ ...s, min: from, max: to, quantified: true }), problem);
  }
  /** The current stage takes `n` or more events. */
  timesOrMore(n: number): Pattern<T> {
    const problem = !Number.isInteger(n) || n < 1 ? [`timesOrMore(${n}) of stage '${this.last.name}': give a whole number >= 1`] : [];
    return this.edit((s) => ({ ...s, min: n, max: Infinity, quantified: true }), problem);
  }
  /** The current stage may take no event. */
  optional(): Pattern<T> {
    return this.edit((s) => ({ ...s, optional: true }));
  }
  /** A looping stage takes every event it can before the next stage takes one (it never hands the next stage an event it could take itself). */
  greedy(): Pattern<T> {
    return this.edit((s) => ({ ...s, greedy: true }));
  }
  /** Between the events of a looping stage: strict contiguity (no event in between). */
  consecutive(): Pattern<T> {
    return this.edit((s) => ({ ...s, inner: 'strict' }));
  }
  /** Between the events of a looping stage: non-deterministic relaxed contiguity (any combination of matching events). */
  allowCombinations(): Pattern<T> {
    return this.edit((s) => ({ ...s, inner: 'any' }));
  }
  /** A match's events lie within `duration` of its first event (last - first < duration); partial matches older time out. */
  within(duration: Duration): Pattern<T> {
    let ms: number | undefined;
    let problems: string[] = [];
    try {
      ms = toMillis(duration);
      if (ms <= 0) problems = [`within(${ms}): give a positive duration`];
    } catch (e) {
      problems = [`within: ${(e as Error).message}`];
    }
    return new Pattern<T>(this.stages, ms, [...this.buildProblems, ...problems], this.skipStrategy);
  }

  private get last(): Stage<T> {
    return this.stages[this.stages.length - 1];
  }
  private append(stage: Stage<T>): Pattern<T> {
    return new Pattern<T>([...this.stages, stage], this.windowMs, this.buildProblems, this.skipStrategy);
  }
  private edit(change: (s: Stage<T>) => Stage<T>, problems: readonly string[] = []): Pattern<T> {
    return new Pattern<T>([...this.stages.slice(0, -1), change(this.last)], this.windowMs, [...this.buildProblems, ...problems], this.skipStrategy);
  }
}

function newStage<T>(name: string, contiguity: Contiguity, negative: boolean): Stage<T> {
  return { name, contiguity, negative, condition: undefined, min: 1, max: 1, quantified: false, optional: false, greedy: false, inner: 'relaxed' };
}

function and<T>(a: Condition<T>, b: Condition<T>): Condition<T> {
  return (e, ctx) => a(e, ctx) && b(e, ctx);
}
function or<T>(a: Condition<T>, b: Condition<T>): Condition<T> {
  return (e, ctx) => a(e, ctx) || b(e, ctx);
}
