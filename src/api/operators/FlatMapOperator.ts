/** Emits whatever the function collects for each record: none, one or many. */
import { Collector, FlatMapFunction, richPart } from '../functions';
import { FunctionOperator } from './FunctionOperator';

export class FlatMapOperator<T, R> extends FunctionOperator<T, R> {
  private readonly flatMap: (value: T, out: Collector<R>) => void;
  constructor(fn: FlatMapFunction<T, R>) {
    super(richPart(fn));
    this.flatMap = typeof fn === 'function' ? fn : (v, out) => fn.flatMap(v, out);
  }
  processElement(record: T): void {
    this.flatMap(record, this.out);
  }
}
