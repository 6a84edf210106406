/**
 * Functions users register from TypeScript and call from SQL:
 *
 * @example
 * tEnv.createTemporarySystemFunction('DISCOUNT', ScalarFunction.of('DOUBLE', (price: number, pct: number) => price * (1 - pct / 100)));
 * tEnv.createTemporarySystemFunction('WEIGHTED_AVG', new WeightedAvg()); // an SqlAggregateFunction
 *
 * Accumulators of aggregate functions are kept in keyed state, so they must be JSON values.
 */
import { SqlType } from './types';

/**
 * A function of SQL values giving one value (`tEnv.createTemporarySystemFunction(name, fn)`):
 * `ScalarFunction.of('INT', (a, b) => a + b)`.
 */
export class ScalarFunction {
  readonly kind = 'scalar' as const;
  constructor(
    /** The SQL type of the result. */
    readonly resultType: SqlType,
    /** Computes the result from the arguments (SQL values, NULL as null). */
    readonly evaluate: (...args: any[]) => unknown,
    /** How many arguments the function takes; undefined: any number. */
    readonly arity?: number,
  ) {}
  /** A scalar function of `fn`'s arity giving `resultType`. */
  static of(resultType: SqlType, fn: (...args: any[]) => unknown): ScalarFunction {
    return new ScalarFunction(resultType, fn, fn.length);
  }
}

/**
 * An aggregate as in Flink's table AggregateFunction: `accumulate` folds a row's arguments
 * in; `retract` (optional) takes them out again, which an aggregate over an updating input needs.
 */
export abstract class SqlAggregateFunction<ACC = unknown, R = unknown> {
  readonly kind = 'aggregate' as const;
  abstract readonly resultType: SqlType;
  /** A new, empty accumulator. */
  abstract createAccumulator(): ACC;
  /** The accumulator with a row's arguments added. */
  abstract accumulate(acc: ACC, ...args: any[]): ACC;
  /** The accumulator with a row's arguments taken out again (needed over updating input). */
  retract?(acc: ACC, ...args: any[]): ACC;
  /** Needed for SESSION windows, whose windows merge. */
  merge?(a: ACC, b: ACC): ACC;
  /** The aggregate's value for the accumulator. */
  abstract getValue(acc: ACC): R;
}

/** A function SQL can call: scalar or aggregate. */
export type UserDefinedFunction = ScalarFunction | SqlAggregateFunction<any, any>;
