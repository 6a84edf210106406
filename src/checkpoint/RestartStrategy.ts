/**
 * Restart strategies, Flink's: whether a failed job is restarted and after what delay.
 * Pure: the master asks `decide` with the failure history and gets a decision value.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';

export type RestartStrategy =
  | { readonly type: 'none' }
  /** Up to `attempts` restarts, `delayMs` apart. */
  | { readonly type: 'fixed-delay'; readonly attempts: number; readonly delayMs: number }
  /** Delays grow by `backoffMultiplier` up to `maxBackoffMs`; reset after `resetBackoffThresholdMs` without failure. */
  | {
      readonly type: 'exponential-delay';
      readonly initialBackoffMs: number;
      readonly maxBackoffMs: number;
      readonly backoffMultiplier: number;
      readonly resetBackoffThresholdMs: number;
      readonly jitterFactor?: number;
    }
  /** Restarts unless more than `maxFailuresPerInterval` failures happened within `failureRateIntervalMs`. */
  | { readonly type: 'failure-rate'; readonly maxFailuresPerInterval: number; readonly failureRateIntervalMs: number; readonly delayMs: number };

/** As in Flink: with checkpointing on and no strategy set, restart (practically) forever, 1 s apart. */
export const DEFAULT_RESTART_WITH_CHECKPOINTING: RestartStrategy = { type: 'fixed-delay', attempts: Number.MAX_SAFE_INTEGER, delayMs: 1000 };

const nonNegative = t.refinement(t.number, (n) => n >= 0 && Number.isFinite(n), 'non-negative number');
const count = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, 'non-negative integer');

export const RestartStrategyCodec = t.union([
  t.strict({ type: t.literal('none') }),
  t.strict({ type: t.literal('fixed-delay'), attempts: count, delayMs: nonNegative }),
  t.intersection([
    t.strict({
      type: t.literal('exponential-delay'),
      initialBackoffMs: nonNegative,
      maxBackoffMs: nonNegative,
      backoffMultiplier: t.refinement(t.number, (n) => n >= 1, 'number >= 1'),
      resetBackoffThresholdMs: nonNegative,
    }),
    t.partial({ jitterFactor: t.refinement(t.number, (n) => n >= 0 && n <= 1, 'number in 0..1') }),
  ]),
  t.strict({ type: t.literal('failure-rate'), maxFailuresPerInterval: count, failureRateIntervalMs: nonNegative, delayMs: nonNegative }),
]);

export function decodeRestartStrategy(input: unknown): RestartStrategy | string {
  const decoded = RestartStrategyCodec.decode(input);
  if (!isLeft(decoded)) return decoded.right as RestartStrategy;
  const type = (input as { type?: unknown } | null)?.type;
  return `invalid restart strategy ${JSON.stringify(input)}: ` +
    (['none', 'fixed-delay', 'exponential-delay', 'failure-rate'].includes(type as string)
      ? `check the fields of '${String(type)}' (see docs/guarantees.md)`
      : `type must be one of none, fixed-delay, exponential-delay, failure-rate`);
}

export type RestartDecision = { readonly restart: true; readonly delayMs: number } | { readonly restart: false; readonly reason: string };

/**
 * Decides on a failure at `now`, given the times of earlier failures (restarts already made).
 * `random` is injected so that jitter is testable.
 */
export function decideRestart(strategy: RestartStrategy, failures: readonly number[], now: number, random: () => number = Math.random): RestartDecision {
  switch (strategy.type) {
    case 'none':
      return { restart: false, reason: 'the restart strategy is none' };
    case 'fixed-delay':
      return failures.length < strategy.attempts
        ? { restart: true, delayMs: strategy.delayMs }
        : { restart: false, reason: `fixed-delay restart strategy exhausted its ${strategy.attempts} attempts` };
    case 'exponential-delay': {
      // Failures in a row: those not separated by a quiet period longer than the reset threshold.
      let streak = 0;
      let later = now;
      for (let i = failures.length - 1; i >= 0 && later - failures[i] <= strategy.resetBackoffThresholdMs; i--) {
        streak++;
        later = failures[i];
      }
      const base = Math.min(strategy.maxBackoffMs, strategy.initialBackoffMs * Math.pow(strategy.backoffMultiplier, streak));
      const jitter = (strategy.jitterFactor ?? 0) * base * (2 * random() - 1);
      return { restart: true, delayMs: Math.max(0, Math.round(base + jitter)) };
    }
    case 'failure-rate': {
      const recent = failures.filter((f) => now - f <= strategy.failureRateIntervalMs).length + 1;
      return recent <= strategy.maxFailuresPerInterval
        ? { restart: true, delayMs: strategy.delayMs }
        : { restart: false, reason: `more than ${strategy.maxFailuresPerInterval} failures within ${strategy.failureRateIntervalMs} ms` };
    }
  }
}
