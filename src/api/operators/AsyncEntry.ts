/**
 * A record (or a watermark) in async I/O between its arrival and its emission. Pooled by the
 * operator (AsyncWaitOperator.ts): made once and reused, so a record costs no allocation.
 */
import type { AsyncWaitOperator } from './AsyncWaitOperator';

export type EntryState = 'waiting' | 'running' | 'backoff' | 'done' | 'failed' | 'timedOut';

/** A record (or a watermark) between arrival and emission; a doubly linked list in input order. */
export class Entry {
  isWatermark = false;
  input: unknown = undefined;
  /** The record's timestamp (NaN: none), or the watermark. */
  time = NaN;
  state: EntryState = 'waiting';
  result: unknown = undefined;
  error: unknown = undefined;
  attempts = 0;
  deadline = 0;
  /** Watermarks enqueued before this entry: unordered mode emits it once they are all emitted. */
  segment = 0;
  retryTimer: NodeJS.Timeout | undefined = undefined;
  /** A call may still settle (it timed out): the entry is not reused. */
  abandoned = false;
  prev: Entry | undefined = undefined;
  next: Entry | undefined = undefined;
  // Made once per Entry, which the pool reuses: no closure per record.
  readonly onResult: (value: unknown) => void;
  readonly onError: (error: unknown) => void;
  constructor(owner: AsyncWaitOperator<unknown, unknown>) {
    this.onResult = (value) => owner.settled(this, value, undefined, true);
    this.onError = (error) => owner.settled(this, undefined, error, false);
  }
}
