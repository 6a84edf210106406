/**
 * Bounds a wait on an outside service: the operation's own outcome if it comes within `ms`,
 * otherwise the error `onTimeout` makes. The operation itself is not cancelled (a promise
 * cannot be): callers close the client it runs on, which ends it. Its late outcome is
 * swallowed, never an unhandled rejection, and the timer is cleared on every outcome.
 *
 * @example
 * await withinDeadline(producer.connect(), 30_000, () => new Error('no answer from Kafka within 30000 ms'));
 */
export function withinDeadline<T>(operation: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Not unref'd: a job waiting on a service must keep the process alive until the bound.
    const timer = setTimeout(() => reject(onTimeout()), ms);
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Calls `attempt` until it succeeds or `ms` have passed, waiting between attempts (100 ms,
 * doubling up to 2 s, never past the bound); each attempt is bounded by the time left.
 * `onRetry` hears of every failed attempt before the next (to log it with its cause);
 * `giveUp` makes the error once the bound is spent, from the last attempt's error (the last
 * that failed by itself, when the bound cut the final one short).
 */
export async function retryWithin<T>(
  attempt: () => Promise<T>,
  ms: number,
  handlers: { readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void; readonly giveUp: (last: unknown) => Error },
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown = undefined;
  const cutShort = new Error(`no answer within ${ms} ms`);
  for (let n = 1; ; n++) {
    const left = deadline - Date.now();
    if (left <= 0) throw handlers.giveUp(last);
    try {
      return await withinDeadline(attempt(), left, () => cutShort);
    } catch (e) {
      // An attempt the bound cut short says less than the failure of an earlier one.
      if (e !== cutShort || last === undefined) last = e;
    }
    const delayMs = Math.min(100 * 2 ** (n - 1), 2000, deadline - Date.now());
    if (delayMs <= 0) throw handlers.giveUp(last);
    handlers.onRetry?.(last, n, delayMs);
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

/** The largest `operationTimeoutMs` accepted (a day): a bound, not a way to wait for ever. */
export const MAX_OPERATION_TIMEOUT_MS = 86_400_000;

/** Why an `operationTimeoutMs` option is invalid, or undefined when it is absent or fine. */
export function operationTimeoutProblem(u: unknown): string | undefined {
  if (u === undefined || (typeof u === 'number' && Number.isInteger(u) && u >= 1 && u <= MAX_OPERATION_TIMEOUT_MS)) return undefined;
  return `operationTimeoutMs must be an integer in 1..${MAX_OPERATION_TIMEOUT_MS} (ms), got ${JSON.stringify(u)}`;
}
