/**
 * How an operator recovers when its user code throws, in the actor vocabulary (Pekko's
 * `Supervision` directives, Akka's `withLimit(maxNrOfRetries, withinTimeRange)`):
 *
 * - `resume`: the failing record goes to the dead-letter output with the reason, is counted,
 *   and the operator goes on with the next record.
 * - `restartTask`: only the failing task is rebuilt, from the last completed checkpoint (or
 *   with empty state without checkpoints); every other task keeps running.
 * - `restartJob` (the default, Flink's): the job's restart strategy decides; the whole job is
 *   rebuilt from the last completed checkpoint.
 * - `stop`: the job fails at once, whatever its restart strategy.
 *
 * `resume` and `restartTask` take a limit: beyond `maxRestarts` within `withinMs`, the failure
 * escalates to the job's restart strategy, as `restartJob`.
 *
 * @example
 * stream.map(parse).withSupervisionStrategy(Supervision.resume().withLimit(100, 60_000));
 */
import { OutputTag } from './OutputTag';

/** What happens when an operator's user code throws: see `Supervision`. */
export type SupervisionDirective = 'resume' | 'restartTask' | 'restartJob' | 'stop';

/** At most `maxRestarts` failures within `withinMs` before the failure escalates to the job's restart strategy. */
export interface SupervisionLimit {
  readonly maxRestarts: number;
  readonly withinMs: number;
}

/** How an operator recovers when its user code throws (`withSupervisionStrategy`); made by `Supervision`. */
export class SupervisionStrategy {
  /** @internal */
  constructor(readonly directive: SupervisionDirective, readonly limit: SupervisionLimit | undefined = undefined) {}

  /** At most `maxRestarts` resumes or task restarts within `withinMs`; the next failure escalates to the job's restart strategy. */
  withLimit(maxRestarts: number, withinMs: number): SupervisionStrategy {
    return new SupervisionStrategy(this.directive, { maxRestarts, withinMs });
  }

  /** The directive and its limit, for messages. */
  toString(): string {
    return this.limit === undefined ? this.directive : `${this.directive} (at most ${this.limit.maxRestarts} within ${this.limit.withinMs} ms)`;
  }
}

/** The supervision directives (see docs/actors.md, "Supervision strategies"). */
export const Supervision = {
  /** Skip the failing record: it goes to `supervisionDeadLetters` and the operator goes on. */
  resume: (): SupervisionStrategy => new SupervisionStrategy('resume'),
  /** Rebuild only the failing task from the last checkpoint (not with exactly-once or at-least-once checkpoints). */
  restartTask: (): SupervisionStrategy => new SupervisionStrategy('restartTask'),
  /** Let the job's restart strategy decide (the default, as in Flink). */
  restartJob: (): SupervisionStrategy => new SupervisionStrategy('restartJob'),
  /** Fail the job at once, whatever its restart strategy. */
  stop: (): SupervisionStrategy => new SupervisionStrategy('stop'),
};

/** A record an operator under `resume` failed on, with why. */
export interface DeadLetter {
  readonly operator: string;
  /** The parallel instance that failed. */
  readonly instance: number;
  readonly record: unknown;
  readonly reason: string;
}

/** The side output where resumed operators put the records they failed on. */
export const supervisionDeadLetters = new OutputTag<DeadLetter>('supervision-dead-letters');

/**
 * Whether a failure at `now` stays within the limit, given the times of the failures handled
 * so far (which it updates). Pure apart from that history.
 */
export function withinLimit(limit: SupervisionLimit | undefined, history: number[], now: number): boolean {
  if (limit === undefined) return true;
  while (history.length > 0 && now - history[0] > limit.withinMs) history.shift();
  if (history.length >= limit.maxRestarts) return false;
  history.push(now);
  return true;
}
