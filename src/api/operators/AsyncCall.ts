/** What an async I/O operator runs (AsyncDataStream normalizes the user's function into it), and its timeout error. */
import { Serializer } from '../../state/Serializer';
import { RichFunction } from '../RuntimeContext';
import { AsyncRetryStrategy } from '../AsyncRetryStrategy';

export type AsyncOutputMode = 'ordered' | 'unordered';

/** A request that did not complete within its `timeoutMs` (all attempts together). */
export class AsyncTimeoutError extends Error {
  readonly _tag = 'AsyncTimeoutError';
  constructor(readonly timeoutMs: number, readonly attempts: number) {
    super(`Async I/O request timed out after ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'}); give a timeout handler to emit a default instead`);
    this.name = 'AsyncTimeoutError';
  }
}

/** What the operator runs, normalized by AsyncDataStream: `one` says a result is one record, not an iterable of records. */
export interface AsyncCall<I, R> {
  readonly invoke: (input: I) => PromiseLike<R> | R;
  readonly timeout: ((input: I) => R) | undefined;
  readonly one: boolean;
  readonly rich: RichFunction;
  readonly mode: AsyncOutputMode;
  readonly capacity: number;
  readonly timeoutMs: number;
  readonly retry: AsyncRetryStrategy<R>;
  readonly serializer: Serializer<I>;
}
