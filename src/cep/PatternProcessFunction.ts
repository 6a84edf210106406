/**
 * What CEP calls with each match, as Flink's PatternProcessFunction: `processMatch` with the
 * events of each stage by name; `processTimedOutMatch`, when defined, with each partial match
 * that `within` timed out, which it may write to a side output.
 */
import { OutputTag } from '../graph/OutputTag';
import { CollectorResult } from '../api/functions';
import { Collector } from '../graph/Collector';

/** What processMatch and processTimedOutMatch see. */
export interface PatternContext {
  /** The match's time: its last event's timestamp, or the time a partial match timed out. */
  timestamp(): number;
  /** The task's processing-time clock, in epoch milliseconds. */
  currentProcessingTime(): number;
  /** Emits to a side output; the tag must be listed in the function's `sideOutputTags`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** The events of a match, by stage name (a stage that took no event is absent). */
export type Match<T> = Record<string, T[]>;

/**
 * @example
 * class Alert extends PatternProcessFunction<Payment, string> {
 *   readonly sideOutputTags = [timedOut];
 *   processMatch(match: Match<Payment>, _ctx: PatternContext, out: Collector<string>) {
 *     out.collect(`card ${match.large[0].card}`);
 *   }
 *   processTimedOutMatch(match: Match<Payment>, ctx: PatternContext) {
 *     ctx.output(timedOut, match.small.length);
 *   }
 * }
 */
export abstract class PatternProcessFunction<T, O> {
  /** The side outputs this function writes to; `getSideOutput` accepts only these. */
  readonly sideOutputTags: readonly OutputTag<any>[] = [];
  /** One match, in event-time order of their last events. */
  abstract processMatch(match: Match<T>, ctx: PatternContext, out: Collector<O>): CollectorResult;
  // May define processTimedOutMatch(match: Match<T>, ctx: PatternContext): void (Flink's
  // TimedOutPartialMatchHandler), and open(context: RuntimeContext) and close().
}
