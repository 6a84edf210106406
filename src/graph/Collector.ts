/**
 * Where a user function emits its results. Here, beside the operator interface, and not with
 * the function shapes in api/functions.ts: window functions (windowing/) emit through it too,
 * and windowing sits below the API (docs/internals.md, the layers).
 */
export interface Collector<T> {
  /** Emits one record downstream. */
  collect(record: T): void;
}
