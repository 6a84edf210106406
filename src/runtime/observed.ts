/**
 * Promises Sluice hands to the application that may reject before the application awaits
 * them (a job that fails at once, a request refused at once). Node reports a rejection that
 * has no handler at the end of the tick as unhandled and, by default, ends the process; the
 * application's own code would then be killed for awaiting a job a moment later than it
 * failed. A no-op handler marks such a promise as observed: whoever awaits it later still
 * gets the rejection, and the failure itself is logged where it happens.
 */

/** `promise`, marked as observed: its rejection is never reported as unhandled. */
export function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
