/** Emits `map(record)` for each record. */
import { MapFunction, richPart } from '../functions';
import { FunctionOperator } from './FunctionOperator';

export class MapOperator<T, R> extends FunctionOperator<T, R> {
  private readonly map: (value: T) => R;
  constructor(fn: MapFunction<T, R>) {
    super(richPart(fn));
    this.map = typeof fn === 'function' ? fn : (v) => fn.map(v);
  }
  processElement(record: T): void {
    this.out.collect(this.map(record));
  }
}
