/**
 * The matcher of a pattern, as a non-deterministic automaton over one key's events in
 * event-time order: its state is the list of partial matches, plain values kept in keyed state.
 * `advance` feeds one event; `prune` drops the partial matches that `within` no longer allows.
 *
 * A partial match remembers its taken events and, for each move still possible (another event
 * of its stage; the first event of a later stage), whether the events since its last one have
 * closed that move: a strict move needs the very next event, a relaxed move is closed by an
 * event that matched it and was not taken, a greedy stage closes every move onward once an
 * event it could take went by, notNext and notFollowedBy close the moves past them. These are
 * the rules docs/cep.md states; specs/cep/NfaAgainstBruteForce.spec.ts checks the automaton
 * against a search over every assignment of events to stages.
 */
import { Pattern } from './Pattern';
import { Condition, ConditionContext, Stage } from './Stage';

/** One partial match (JSON-friendly: it lives in keyed state). */
export interface PartialMatch<T> {
  /** Index of the stage of the last taken event, among the stages that take events. */
  stage: number;
  /** Events the stage took so far. */
  count: number;
  /** The taken events with their stage index, oldest first. */
  events: Array<[number, T]>;
  /** The sequence number of each taken event (its place in the key's events), what after-match skipping compares. */
  seqs: number[];
  /** Timestamp of the first event. */
  start: number;
  /** Events seen since the last taken one. */
  gap: number;
  /** No further event of the same stage may be taken. */
  innerClosed: boolean;
  /** closed[j]: the move to reachable stage j (stage + 1 + j) is closed. */
  closed: boolean[];
  /** A match that waits for its window to close (the pattern ends with notNext/notFollowedBy) saw a forbidden event. */
  vetoed: boolean;
}

interface Negative<T> {
  readonly strict: boolean;
  readonly condition: Condition<T>;
}

interface Step<T> {
  readonly stage: Stage<T>;
  readonly matches: Condition<T>;
  /** notNext / notFollowedBy stages between the previous step and this one. */
  readonly negatives: readonly Negative<T>[];
  /** Indexes of the steps a partial match in this step may move to next. */
  readonly reachable: readonly number[];
  /** A match may end with this step (every later step is optional). */
  readonly canEnd: boolean;
  readonly min: number;
}

const always = () => true;

export class Nfa<T> {
  private readonly steps: Step<T>[];
  /** Steps a match may start with. */
  private readonly starts: number[];
  /** notNext / notFollowedBy after the last step: a match is known only when its window closes. */
  private readonly trailing: readonly Negative<T>[];
  readonly windowMs: number | undefined;
  /** The partial match conditions are evaluated against; one context reused, not one per call. */
  private current: PartialMatch<T> | undefined;
  private readonly context: ConditionContext<T>;

  constructor(pattern: Pattern<T>) {
    this.windowMs = pattern.windowMs;
    const positives: Array<{ stage: Stage<T>; negatives: Negative<T>[] }> = [];
    let negatives: Negative<T>[] = [];
    for (const stage of pattern.stages) {
      if (stage.negative) negatives.push({ strict: stage.contiguity === 'strict', condition: stage.condition ?? always });
      else {
        positives.push({ stage, negatives });
        negatives = [];
      }
    }
    const reachableFrom = (i: number) => {
      const out: number[] = [];
      for (let b = i + 1; b < positives.length; b++) {
        out.push(b);
        if (!positives[b].stage.optional) break;
      }
      return out;
    };
    this.trailing = negatives;
    this.steps = positives.map(({ stage, negatives: negs }, i) => ({
      stage,
      matches: stage.condition ?? always,
      negatives: negs,
      reachable: reachableFrom(i),
      canEnd: positives.slice(i + 1).every((p) => p.stage.optional),
      min: stage.min,
    }));
    // A match starts with the first step, or a later one when every step before it is optional.
    this.starts = positives[0].stage.optional ? [0, ...reachableFrom(0)] : [0];
    const self = this;
    this.context = {
      getEventsForPattern(name: string): T[] {
        const pm = self.current;
        if (pm === undefined) return [];
        const out: T[] = [];
        for (const [s, e] of pm.events) if (self.steps[s].stage.name === name) out.push(e);
        return out;
      },
    };
  }

  private test(condition: Condition<T>, event: T, pm: PartialMatch<T> | undefined): boolean {
    this.current = pm;
    return condition(event, this.context);
  }

  /**
   * The partial matches after `event` (at `timestamp`, the key's `seq`-th event); `onMatch` gets
   * each match it completes, as the events of each stage by name, and as the partial match it is.
   * `partials` is not changed; its matches may be reused.
   */
  advance(partials: readonly PartialMatch<T>[], event: T, timestamp: number, seq: number, onMatch: (match: Record<string, T[]>, completed: PartialMatch<T>) => void): PartialMatch<T>[] {
    const next: PartialMatch<T>[] = [];
    const taken: PartialMatch<T>[] = [];
    for (const pm of partials) {
      const step = this.steps[pm.stage];
      const matchesOwn = this.test(step.matches, event, pm);
      // Another event of the same stage.
      if (pm.count < step.stage.max && !pm.innerClosed && (step.stage.inner !== 'strict' || pm.gap === 0) && matchesOwn) {
        taken.push(this.take(pm, pm.stage, event, seq));
      }
      // The first event of a later stage: not when a greedy stage could take the event itself.
      const greedyHolds = step.stage.greedy && pm.count < step.stage.max && matchesOwn;
      if (pm.count >= step.min && !greedyHolds) {
        step.reachable.forEach((b, j) => {
          if (pm.closed[j]) return;
          const target = this.steps[b];
          if (target.stage.contiguity === 'strict' && pm.gap !== 0) return;
          if (pm.gap === 0 && target.negatives.some((n) => n.strict && this.test(n.condition, event, pm))) return;
          if (this.test(target.matches, event, pm)) taken.push(this.take(pm, b, event, seq));
        });
      }
      const kept = this.skip(pm, event, matchesOwn);
      if (kept !== undefined) next.push(kept);
    }
    for (const s of this.starts) {
      if (this.test(this.steps[s].matches, event, undefined)) {
        taken.push({ stage: s, count: 1, events: [[s, event]], seqs: [seq], start: timestamp, gap: 0, innerClosed: false, closed: this.steps[s].reachable.map(() => false), vetoed: false });
      }
    }
    for (const pm of taken) {
      const step = this.steps[pm.stage];
      const ends = this.ends(pm);
      if (ends && this.trailing.length === 0) onMatch(this.matchOf(pm), pm);
      if (pm.count < step.stage.max || step.reachable.length > 0 || (ends && this.trailing.length > 0)) next.push(pm);
    }
    return next;
  }

  /** `pm` with `event` taken by step `b`. */
  private take(pm: PartialMatch<T>, b: number, event: T, seq: number): PartialMatch<T> {
    return {
      stage: b,
      count: b === pm.stage ? pm.count + 1 : 1,
      events: [...pm.events, [b, event]],
      seqs: [...pm.seqs, seq],
      start: pm.start,
      gap: 0,
      innerClosed: false,
      closed: this.steps[b].reachable.map(() => false),
      vetoed: false,
    };
  }

  /** The partial match is a match (or, with trailing negatives, one waiting for its window to close). */
  private ends(pm: PartialMatch<T>): boolean {
    const step = this.steps[pm.stage];
    return step.canEnd && pm.count >= step.min;
  }

  /** `pm` after `event` went by untaken; undefined when no move is left to it. */
  private skip(pm: PartialMatch<T>, event: T, matchesOwn: boolean): PartialMatch<T> | undefined {
    const step = this.steps[pm.stage];
    const first = pm.gap === 0;
    const innerClosed = pm.innerClosed || pm.count >= step.stage.max || step.stage.inner === 'strict' || (step.stage.inner === 'relaxed' && matchesOwn);
    const closed = pm.closed.slice();
    if (pm.count >= step.min) {
      const greedyCloses = step.stage.greedy && pm.count < step.stage.max && matchesOwn;
      step.reachable.forEach((b, j) => {
        if (closed[j]) return;
        const target = this.steps[b];
        closed[j] =
          greedyCloses ||
          target.stage.contiguity === 'strict' ||
          (target.stage.contiguity === 'relaxed' && this.test(target.matches, event, pm)) ||
          target.negatives.some((n) => (first || !n.strict) && this.test(n.condition, event, pm));
      });
    }
    const canProceed = pm.count >= step.min && closed.some((c) => !c);
    const waits = this.trailing.length > 0 && this.ends(pm);
    const vetoed = waits && (pm.vetoed || this.trailing.some((n) => (first || !n.strict) && this.test(n.condition, event, pm)));
    if (innerClosed && !canProceed && !(waits && !vetoed)) return undefined;
    return { ...pm, gap: pm.gap + 1, innerClosed, closed, vetoed };
  }

  /**
   * The partial matches `within` still allows at `time`. Of those dropped, `onTimeout` gets each
   * that was not a match already (with the events of each stage by name, and its first
   * timestamp), and `onMatch` each match that waited for its window to close and was not vetoed.
   */
  prune(
    partials: readonly PartialMatch<T>[],
    time: number,
    onTimeout: (partial: Record<string, T[]>, start: number) => void,
    onMatch: (match: Record<string, T[]>, start: number, completed: PartialMatch<T>) => void,
  ): PartialMatch<T>[] {
    const w = this.windowMs;
    if (w === undefined) return partials as PartialMatch<T>[];
    const kept: PartialMatch<T>[] = [];
    for (const pm of partials) {
      if (time - pm.start < w) kept.push(pm);
      else if (!this.ends(pm)) onTimeout(this.matchOf(pm), pm.start);
      else if (this.trailing.length > 0 && !pm.vetoed) onMatch(this.matchOf(pm), pm.start, pm);
    }
    return kept;
  }

  /** The name of the stage of step `step` (the first of a taken event's pair). */
  stageName(step: number): string {
    return this.steps[step].stage.name;
  }

  /** The events of each stage of `pm`, by stage name. */
  matchOf(pm: PartialMatch<T>): Record<string, T[]> {
    const match: Record<string, T[]> = {};
    for (const [s, e] of pm.events) (match[this.steps[s].stage.name] ??= []).push(e);
    return match;
  }
}
