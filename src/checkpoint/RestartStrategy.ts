/**
 * Restart strategies, Flink's: whether a failed job is restarted and after what delay.
 * Pure: the master asks `decide` with the failure history and gets a decision value.
 */
import { absurd } from 'fp-ts/function';
import * as t from 'io-ts';
import { Either, isLeft, left, right } from 'fp-ts/Either';

/** How a job recovers from a failure (`env.setRestartStrategy`), as Flink's restart strategies. */
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

/** One codec per type, so that a bad field is reported against the type the user meant. */
const CODECS = {
  none: t.type({ type: t.literal('none') }),
  'fixed-delay': t.type({ type: t.literal('fixed-delay'), attempts: count, delayMs: nonNegative }),
  'exponential-delay': t.intersection([
    t.type({
      type: t.literal('exponential-delay'),
      initialBackoffMs: nonNegative,
      maxBackoffMs: nonNegative,
      backoffMultiplier: t.refinement(t.number, (n) => n >= 1, 'number >= 1'),
      resetBackoffThresholdMs: nonNegative,
    }),
    t.partial({ jitterFactor: t.refinement(t.number, (n) => n >= 0 && n <= 1, 'number in 0..1') }),
  ]),
  'failure-rate': t.type({ type: t.literal('failure-rate'), maxFailuresPerInterval: count, failureRateIntervalMs: nonNegative, delayMs: nonNegative }),
};

/** The fields each type knows: any other is refused (t.strict would silently drop a typo such as `jiter`). */
const FIELDS: { readonly [K in RestartStrategy['type']]: readonly string[] } = {
  none: ['type'],
  'fixed-delay': ['type', 'attempts', 'delayMs'],
  'exponential-delay': ['type', 'initialBackoffMs', 'maxBackoffMs', 'backoffMultiplier', 'resetBackoffThresholdMs', 'jitterFactor'],
  'failure-rate': ['type', 'maxFailuresPerInterval', 'failureRateIntervalMs', 'delayMs'],
};

export const RestartStrategyCodec = t.union([CODECS.none, CODECS['fixed-delay'], CODECS['exponential-delay'], CODECS['failure-rate']]);

/** Decodes a restart strategy; a refusal names the type and every bad, missing or unknown field. */
export function decodeRestartStrategy(input: unknown): Either<string, RestartStrategy> {
  const prefix = `invalid restart strategy ${JSON.stringify(input)}: `;
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(FIELDS, type)) {
    return left(prefix + 'type must be one of none, fixed-delay, exponential-delay, failure-rate');
  }
  const known = FIELDS[type as RestartStrategy['type']];
  const problems = new Set<string>();
  for (const key of Object.keys(input as object)) if (!known.includes(key)) problems.add(`unknown field '${key}' (known: ${known.join(', ')})`);
  const decoded = CODECS[type as RestartStrategy['type']].decode(input);
  if (isLeft(decoded)) {
    for (const e of decoded.left) {
      const at = e.context[e.context.length - 1];
      problems.add(e.value === undefined ? `${at.key} is missing (a ${at.type.name})` : `${at.key} ${JSON.stringify(e.value)} must be a ${at.type.name}`);
    }
  }
  if (problems.size > 0 || isLeft(decoded)) return left(prefix + `in '${type}', ${[...problems].join('; ')} (see docs/guarantees.md)`);
  return right(decoded.right as RestartStrategy);
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
      // As Flink: jitter spreads the delay, the cap still bounds it.
      return { restart: true, delayMs: Math.min(strategy.maxBackoffMs, Math.max(0, Math.round(base + jitter))) };
    }
    case 'failure-rate': {
      const recent = failures.filter((f) => now - f <= strategy.failureRateIntervalMs).length + 1;
      return recent <= strategy.maxFailuresPerInterval
        ? { restart: true, delayMs: strategy.delayMs }
        : { restart: false, reason: `more than ${strategy.maxFailuresPerInterval} failures within ${strategy.failureRateIntervalMs} ms` };
    }
    default:
      return absurd(strategy);
  }
}
