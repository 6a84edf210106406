/** Emits `map(record)` for each record. */
import { MapFunction, richPart } from '../functions';
import { asyncResultRefused, isThenable } from './asyncResultRefused';
import { FunctionOperator } from './FunctionOperator';

export class MapOperator<T, R> extends FunctionOperator<T, R> {
  private readonly map: (value: T) => R;
  /** Takes a plain `(value: T) => R` too: the runtime refuses a Promise whatever the types said. */
  constructor(fn: MapFunction<T, R> | ((value: T) => R)) {
    super(richPart(fn));
    this.map = typeof fn === 'function' ? (fn as (value: T) => R) : (v) => fn.map(v) as R;
  }
  processElement(record: T): void {
    const result = this.map(record);
    if (isThenable(result)) throw asyncResultRefused('map', result);
    this.out.collect(result);
  }
}
