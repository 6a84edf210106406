/** Emits the records for which the predicate holds. */
import { FilterFunction, richPart } from '../functions';
import { asyncResultRefused, isThenable } from './asyncResultRefused';
import { FunctionOperator } from './FunctionOperator';

export class FilterOperator<T> extends FunctionOperator<T, T> {
  private readonly test: (value: T) => boolean;
  constructor(fn: FilterFunction<T>) {
    super(richPart(fn));
    this.test = typeof fn === 'function' ? fn : (v) => fn.filter(v);
  }
  processElement(record: T): void {
    const keep: unknown = this.test(record);
    if (keep === false) return;
    // A Promise is truthy: without this check every record would pass.
    if (keep !== true && isThenable(keep)) throw asyncResultRefused('filter', keep);
    if (keep) this.out.collect(record);
  }
}
