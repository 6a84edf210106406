/**
 * Emits, for each record, what the function gives: what it collects through `out`, or the
 * items of the iterable it returns (an array, a generator): none, one or many.
 */
import { FlatMapFunction, IterableFlatMapFunction, richPart } from '../functions';
import { Collector } from '../../graph/Collector';
import { asyncResultRefused, isThenable } from './asyncResultRefused';
import { FunctionOperator } from './FunctionOperator';

/** The two forms as one call: the result is undefined (collected through `out`) or an iterable. */
type AnyFlatMap<T, R> = (value: T, out: Collector<R>) => unknown;

export class FlatMapOperator<T, R> extends FunctionOperator<T, R> {
  private readonly flatMap: AnyFlatMap<T, R>;
  constructor(fn: FlatMapFunction<T, R> | IterableFlatMapFunction<T, R>) {
    super(richPart(fn));
    this.flatMap = typeof fn === 'function' ? (fn as AnyFlatMap<T, R>) : (v, out) => (fn.flatMap as AnyFlatMap<T, R>).call(fn, v, out);
  }
  processElement(record: T): void {
    const result = this.flatMap(record, this.out);
    // The collector form returns nothing: one comparison per record is all it costs.
    if (result === undefined) return;
    if (Array.isArray(result)) {
      for (let i = 0; i < result.length; i++) this.out.collect(result[i] as R);
      return;
    }
    if (typeof (result as Partial<Iterable<R>> | null)?.[Symbol.iterator] === 'function') {
      for (const item of result as Iterable<R>) this.out.collect(item);
      return;
    }
    throw isThenable(result) ? asyncResultRefused('flatMap', result) : notIterable(result);
  }
}

function notIterable(result: unknown): Error {
  return new Error(
    `the flatMap function returned ${result === null ? 'null' : `a ${typeof result}`}: return an iterable of the records to ` +
      `emit (an array, a generator), or emit them with out.collect and return nothing`,
  );
}
