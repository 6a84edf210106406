/**
 * Async I/O, with Flink's names: a function that calls a service per record, with many calls
 * in flight per instance, inside the job's checkpoints (docs/async-io.md).
 *
 * The function is either
 * - a function of a record returning a Promise of **one** result (`async (order) => ({ ...order, name: await names.get(order.user) })`), or
 * - an {@link AsyncFunction}, Flink's shape: `asyncInvoke(input)` returns a Promise of an
 *   **iterable** of results (an array: none, one or many), with optional `timeout`, `open`, `close`.
 * The two are told apart by their shape, never by a result: a result that is itself an array
 * or a string is one record of the first form.
 *
 * @example
 * const enriched = AsyncDataStream.orderedWait(orders, (o) => lookUp(o), { timeoutMs: 500, capacity: 100 });
 */
import { TopologyProblem } from '../graph/TopologyProblem';
import { Serializer, Serializers } from '../state/Serializer';
import { DataStream, SingleOutputStream } from './DataStream';
import { RichFunction } from './RuntimeContext';
import { instanceCopy } from './functions';
import { AsyncRetryStrategies, AsyncRetryStrategy, retryStrategyProblem } from './AsyncRetryStrategy';
import { AsyncCall, AsyncOutputMode } from './operators/AsyncCall';
import { AsyncWaitOperator } from './operators/AsyncWaitOperator';

/** Flink's AsyncFunction: each call resolves to the records it produces (an array or any iterable). */
export interface AsyncFunction<I, O> extends RichFunction {
  /** The records `input` produces, once the call completes. */
  asyncInvoke(input: I): PromiseLike<Iterable<O>>;
  /** A request ran out of time: the records to emit instead (throw to fail the record). `options.timeout` wins over it. */
  timeout?(input: I): Iterable<O>;
}

/** A function returning a Promise of one result per record. */
export type AsyncMapFunction<I, O> = (input: I) => PromiseLike<O>;

/** Options of `orderedWait` and `unorderedWait`: the time a request may take, how many may be in flight, retries. */
export interface AsyncWaitOptions<I, R> {
  /** How long a record's request may take, all retries included; then `timeout` decides. */
  readonly timeoutMs: number;
  /** Records at most between their call and their emission, per parallel instance (default 100). */
  readonly capacity?: number;
  /** When to call again after a failed attempt (default: no retry). */
  readonly retry?: AsyncRetryStrategy<R>;
  /**
   * What a request that timed out emits; throw from it to fail the record. Without it, a
   * timeout fails the record through the operator's supervision (AsyncTimeoutError).
   */
  readonly timeout?: (input: I) => R;
  /** How records in flight are written into checkpoints (default JSON). */
  readonly inputSerializer?: Serializer<I>;
}

export const DEFAULT_ASYNC_CAPACITY = 100;

/**
 * The user's function as the operator calls it. R is O for a function (one result) and
 * Iterable<O> for an AsyncFunction, as the overloads of orderedWait/unorderedWait pair them.
 */
function userCall<I, O, R>(fn: AsyncMapFunction<I, O> | AsyncFunction<I, O>, timeout: ((input: I) => R) | undefined): Pick<AsyncCall<I, R>, 'invoke' | 'timeout' | 'one' | 'rich'> {
  if (typeof fn === 'function') return { invoke: fn as unknown as (input: I) => PromiseLike<R>, timeout, one: true, rich: {} };
  const own = fn.timeout;
  return {
    invoke: (input) => fn.asyncInvoke(input) as unknown as PromiseLike<R>,
    timeout: timeout ?? (own === undefined ? undefined : (input) => own.call(fn, input) as unknown as R),
    one: false,
    rich: fn,
  };
}

function asyncWait<I, O, R>(mode: AsyncOutputMode, stream: DataStream<I>, fn: AsyncMapFunction<I, O> | AsyncFunction<I, O>, options: AsyncWaitOptions<I, R>): SingleOutputStream<O> {
  const name = 'Async I/O';
  const capacity = options.capacity ?? DEFAULT_ASYNC_CAPACITY;
  const retry = options.retry ?? AsyncRetryStrategies.noRetry<R>();
  const problems: TopologyProblem[] = [];
  const invalid = (setting: string, reason: string) => problems.push({ _tag: 'InvalidSetting', operator: name, setting, reason });
  if (!Number.isInteger(capacity) || capacity < 1) invalid('capacity', `must be an integer >= 1, got ${capacity}`);
  if (!(options.timeoutMs > 0 && Number.isFinite(options.timeoutMs))) invalid('timeoutMs', `must be a finite number of ms > 0, got ${options.timeoutMs}`);
  const retryProblem = retryStrategyProblem(retry as AsyncRetryStrategy<never>);
  if (retryProblem !== undefined) invalid('retry', retryProblem);
  if (typeof fn !== 'function' && typeof (fn as Partial<AsyncFunction<I, O>>).asyncInvoke !== 'function') {
    invalid('function', 'must be a function returning a Promise, or an object with asyncInvoke(input)');
  }
  const factory = () =>
    new AsyncWaitOperator<I, R>({
      ...userCall<I, O, R>(instanceCopy(fn), options.timeout),
      mode,
      capacity,
      timeoutMs: options.timeoutMs,
      retry,
      serializer: options.inputSerializer ?? Serializers.json<I>(),
    });
  return stream.transform<O>(name, factory, { problems });
}

/**
 * Calls to outside services from a stream, many in flight at once (Flink's Async I/O): `orderedWait` and
 * `unorderedWait`.
 */
export abstract class AsyncDataStream {
  /**
   * Results in the order of the input records; a slow request holds back those after it.
   *
   * @example
   * AsyncDataStream.orderedWait(orders, async (o) => ({ ...o, user: await users.get(o.userId) }), { timeoutMs: 1_000, capacity: 100 });
   */
  static orderedWait<I, O>(stream: DataStream<I>, fn: AsyncMapFunction<I, O>, options: AsyncWaitOptions<I, O>): SingleOutputStream<O>;
  static orderedWait<I, O>(stream: DataStream<I>, fn: AsyncFunction<I, O>, options: AsyncWaitOptions<I, Iterable<O>>): SingleOutputStream<O>;
  static orderedWait<I, O, R>(stream: DataStream<I>, fn: AsyncMapFunction<I, O> | AsyncFunction<I, O>, options: AsyncWaitOptions<I, R>): SingleOutputStream<O> {
    return asyncWait('ordered', stream, fn, options);
  }

  /**
   * Results as their requests complete; a watermark still goes out only after every record
   * that came before it, and no record crosses a watermark.
   */
  static unorderedWait<I, O>(stream: DataStream<I>, fn: AsyncMapFunction<I, O>, options: AsyncWaitOptions<I, O>): SingleOutputStream<O>;
  static unorderedWait<I, O>(stream: DataStream<I>, fn: AsyncFunction<I, O>, options: AsyncWaitOptions<I, Iterable<O>>): SingleOutputStream<O>;
  static unorderedWait<I, O, R>(stream: DataStream<I>, fn: AsyncMapFunction<I, O> | AsyncFunction<I, O>, options: AsyncWaitOptions<I, R>): SingleOutputStream<O> {
    return asyncWait('unordered', stream, fn, options);
  }
}
