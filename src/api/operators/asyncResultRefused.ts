/**
 * User functions run synchronously, between records of a batch: a Promise they return would be
 * emitted in place of its value (map), taken as true (filter) or dropped (flatMap, process). A
 * thenable result fails the record instead, through the operator's supervision like a throw.
 */

/** True for a Promise or any other thenable; one `typeof` for the common non-object results. */
export function isThenable(value: unknown): boolean {
  return (
    ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The error for a function of `kind` whose result is the thenable `result`. The Promise is
 * given a rejection handler, so that its own failure cannot end the process as an unhandled
 * rejection after the record has already failed.
 */
export function asyncResultRefused(kind: 'map' | 'filter' | 'flatMap' | 'process' | 'applyToKeyedState', result: unknown): Error {
  (result as PromiseLike<unknown>).then(undefined, () => undefined);
  return new Error(
    `the ${kind} function returned a Promise: functions run synchronously, one record after another. ` +
      `To call a service per record, use Async I/O: AsyncDataStream.orderedWait(stream, fn, { timeoutMs }) ` +
      `or unorderedWait, with calls in flight inside the job's checkpoints (docs/async-io.md); ` +
      `to load what the function needs once, use open(), which may be async`,
  );
}
