/** Emits the records for which the predicate holds. */
import { FilterFunction, richPart } from '../functions';
import { FunctionOperator } from './FunctionOperator';

export class FilterOperator<T> extends FunctionOperator<T, T> {
  private readonly test: (value: T) => boolean;
  constructor(fn: FilterFunction<T>) {
    super(richPart(fn));
    this.test = typeof fn === 'function' ? fn : (v) => fn.filter(v);
  }
  processElement(record: T): void {
    if (this.test(record)) this.out.collect(record);
  }
}
