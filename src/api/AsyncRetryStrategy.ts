/**
 * When Async I/O calls a function again after an attempt failed or gave an unwanted result:
 * Flink's AsyncRetryStrategies (fixed delay, exponential backoff) as named values. Every
 * attempt of a record runs within the one `timeoutMs` of its request: a retry that would start
 * after it is not made.
 *
 * @example
 * AsyncDataStream.orderedWait(orders, lookup, {
 *   timeoutMs: 1_000,
 *   retry: AsyncRetryStrategies.exponentialBackoff({ maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 200, ifResult: (r) => r === undefined }),
 * });
 */

export interface AsyncRetryStrategy<R> {
  /** Attempts in all, the first included: 1 never retries. */
  readonly maxAttempts: number;
  /** How long to wait after failed attempt `attempt` (1-based) before the next. */
  delayMs(attempt: number): number;
  /** Whether an attempt that failed with `error` is tried again (while attempts remain). */
  readonly ifError: (error: unknown) => boolean;
  /** Whether an attempt that gave `result` is tried again; once attempts run out, the last result is emitted. */
  readonly ifResult: (result: R) => boolean;
}

/** Which failures and results to retry; by default every error and no result. */
export interface RetryPredicates<R> {
  /** Whether a call that failed with `error` is tried again (default: every error). */
  readonly ifError?: (error: unknown) => boolean;
  /** Whether a call that gave `result` is tried again (default: no result). */
  readonly ifResult?: (result: R) => boolean;
}

const always = (): boolean => true;
const never = (): boolean => false;

/** Retry strategies of an async call (`AsyncWaitOptions.retry`). */
export const AsyncRetryStrategies = {
  /** One attempt (the default). */
  noRetry<R>(): AsyncRetryStrategy<R> {
    return { maxAttempts: 1, delayMs: () => 0, ifError: never, ifResult: never };
  },

  /** Up to `maxAttempts` attempts, `delayMs` apart. */
  fixedDelay<R>(options: { readonly maxAttempts: number; readonly delayMs: number } & RetryPredicates<R>): AsyncRetryStrategy<R> {
    const { maxAttempts, delayMs } = options;
    return { maxAttempts, delayMs: () => delayMs, ifError: options.ifError ?? always, ifResult: options.ifResult ?? never };
  },

  /** Up to `maxAttempts` attempts; the delays start at `initialDelayMs` and grow by `multiplier` (default 2) up to `maxDelayMs`. */
  exponentialBackoff<R>(
    options: { readonly maxAttempts: number; readonly initialDelayMs: number; readonly maxDelayMs: number; readonly multiplier?: number } & RetryPredicates<R>,
  ): AsyncRetryStrategy<R> {
    const { maxAttempts, initialDelayMs, maxDelayMs } = options;
    const multiplier = options.multiplier ?? 2;
    return {
      maxAttempts,
      delayMs: (attempt) => Math.min(maxDelayMs, initialDelayMs * multiplier ** (attempt - 1)),
      ifError: options.ifError ?? always,
      ifResult: options.ifResult ?? never,
    };
  },
};

/** Why a strategy cannot be used, or undefined: checked when the job is defined. */
export function retryStrategyProblem(strategy: AsyncRetryStrategy<never>): string | undefined {
  if (!Number.isInteger(strategy.maxAttempts) || strategy.maxAttempts < 1) return `maxAttempts must be an integer >= 1, got ${strategy.maxAttempts}`;
  for (let attempt = 1; attempt < Math.min(strategy.maxAttempts, 64); attempt++) {
    const delay = strategy.delayMs(attempt);
    if (!(delay >= 0 && Number.isFinite(delay))) return `the delay after attempt ${attempt} must be a finite number of ms >= 0, got ${delay}`;
  }
  return undefined;
}
