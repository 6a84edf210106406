/**
 * One stage of a pattern as the matcher reads it: the description the Pattern builder makes,
 * nothing of a run. Contiguity says how the stage's first event follows the previous stage's
 * last; `inner`, how a looping stage's events follow each other.
 */

/** What an iterative condition sees: the events the partial match took so far, by stage. */
export interface ConditionContext<T> {
  /** The events taken so far by the stage of that name, oldest first (a copy). */
  getEventsForPattern(name: string): T[];
}

/** A stage's condition; `ctx` lets it look at the partial match (an iterative condition). */
export type Condition<T> = (event: T, ctx: ConditionContext<T>) => boolean;

/** strict: the very next event; relaxed: the first matching one (skip till next); any: every matching one (skip till any). */
export type Contiguity = 'strict' | 'relaxed' | 'any';

export interface Stage<T> {
  readonly name: string;
  /** A negative stage (notNext: strict, notFollowedBy: relaxed) takes no event: it forbids events. */
  readonly negative: boolean;
  readonly contiguity: Contiguity;
  /** Undefined: every event matches. */
  readonly condition: Condition<T> | undefined;
  readonly min: number;
  readonly max: number;
  /** Set by oneOrMore, times, timesOrMore: the stage may take more than one event. */
  readonly quantified: boolean;
  readonly optional: boolean;
  readonly greedy: boolean;
  readonly inner: Contiguity;
}

/** The fewest events the stage takes in a match. */
export function minOf(stage: Stage<unknown>): number {
  return stage.optional ? 0 : stage.min;
}
