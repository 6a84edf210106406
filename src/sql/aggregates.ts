/**
 * SQL aggregate functions as accumulators: `add` folds a row in, `retract` takes one out (an
 * aggregate over an updating input receives -U/-D rows), `merge` joins two (session windows).
 * Accumulators are JSON values because they live in keyed state and in checkpoints.
 */
import { Compiled } from './compileExpression';
import { SqlAggregateFunction } from './UserDefinedFunction';
import { Row, SqlType, isIntegral } from './types';

export interface Accumulation<ACC = any> {
  create(): ACC;
  add(acc: ACC, row: Row): ACC;
  retract(acc: ACC, row: Row): ACC;
  merge(a: ACC, b: ACC): ACC;
  result(acc: ACC): unknown;
}

/** One aggregate call of a query, resolved: what EXPLAIN prints and how to compute it. */
export interface AggregateCall {
  readonly text: string;
  readonly type: SqlType;
  /** The fields of the input row its arguments read, when known (Compiled.reads). */
  readonly reads?: readonly number[];
  /** Whether retract is exact (MIN/MAX keep every value then). */
  accumulation(retracting: boolean): Accumulation;
  /** Built-in MIN or MAX (not DISTINCT-sensitive): which, and the column of its argument when that is a bare column. */
  readonly extremum?: { readonly kind: 'MIN' | 'MAX'; readonly field: number | undefined };
}

/** Values of a multiset, by their JSON text: what MIN, MAX and COUNT DISTINCT keep to retract. */
type Counts = Record<string, number>;

function addCount(counts: Counts, value: unknown, delta: number): Counts {
  const key = JSON.stringify(value);
  const n = (counts[key] ?? 0) + delta;
  if (n <= 0) delete counts[key];
  else counts[key] = n;
  return counts;
}

function mergeCounts(a: Counts, b: Counts): Counts {
  for (const [k, n] of Object.entries(b)) a[k] = (a[k] ?? 0) + n;
  return a;
}

const less = (x: any, y: any) => x < y;
const greater = (x: any, y: any) => x > y;

export function builtinAggregate(name: string, args: readonly Compiled[], distinct: boolean, text: string): AggregateCall {
  const arg = args[0];
  const read = arg === undefined ? () => 1 : arg.eval;
  switch (name) {
    case 'COUNT':
      if (distinct) {
        return {
          text,
          type: 'BIGINT',
          accumulation: () => ({
            create: () => ({}),
            add: (acc: Counts, r) => { const v = read(r); return v === null ? acc : addCount(acc, v, 1); },
            retract: (acc: Counts, r) => { const v = read(r); return v === null ? acc : addCount(acc, v, -1); },
            merge: mergeCounts,
            result: (acc: Counts) => Object.keys(acc).length,
          }),
        };
      }
      return {
        text,
        type: 'BIGINT',
        accumulation: () => ({
          create: () => 0,
          add: (acc: number, r) => (read(r) === null ? acc : acc + 1),
          retract: (acc: number, r) => (read(r) === null ? acc : acc - 1),
          merge: (a: number, b: number) => a + b,
          result: (acc: number) => acc,
        }),
      };
    case 'SUM':
    case 'AVG': {
      const integral = isIntegral(arg.type);
      const type: SqlType = name === 'SUM' ? (integral ? 'BIGINT' : 'DOUBLE') : arg.type === 'ANY' ? 'ANY' : integral ? arg.type : 'DOUBLE';
      type SumAcc = [sum: number, count: number];
      const result =
        name === 'SUM'
          ? (acc: SumAcc) => (acc[1] === 0 ? null : acc[0])
          : (acc: SumAcc) => (acc[1] === 0 ? null : integral ? Math.trunc(acc[0] / acc[1]) : acc[0] / acc[1]);
      return {
        text,
        type,
        accumulation: () => ({
          create: (): SumAcc => [0, 0],
          add: (acc: SumAcc, r) => { const v = read(r) as number | null; if (v !== null) { acc[0] += v; acc[1]++; } return acc; },
          retract: (acc: SumAcc, r) => { const v = read(r) as number | null; if (v !== null) { acc[0] -= v; acc[1]--; } return acc; },
          merge: (a: SumAcc, b: SumAcc): SumAcc => [a[0] + b[0], a[1] + b[1]],
          result,
        }),
      };
    }
    case 'MIN':
    case 'MAX': {
      const better = name === 'MIN' ? less : greater;
      return {
        text,
        type: arg.type,
        extremum: { kind: name, field: arg.field },
        accumulation: (retracting) =>
          retracting
            ? {
                create: () => ({}),
                add: (acc: Counts, r) => { const v = read(r); return v === null ? acc : addCount(acc, v, 1); },
                retract: (acc: Counts, r) => { const v = read(r); return v === null ? acc : addCount(acc, v, -1); },
                merge: mergeCounts,
                result: (acc: Counts) => {
                  let best: unknown = null;
                  for (const k of Object.keys(acc)) {
                    const v = JSON.parse(k);
                    if (best === null || better(v, best)) best = v;
                  }
                  return best;
                },
              }
            : {
                // Append-only input: the best value so far is all there is to keep.
                create: () => null,
                add: (acc: unknown, r) => { const v = read(r); return v !== null && (acc === null || better(v, acc)) ? v : acc; },
                retract: () => { throw new Error(`${name} over an append-only input cannot retract`); },
                merge: (a: unknown, b: unknown) => (a === null ? b : b === null ? a : better(b, a) ? b : a),
                result: (acc: unknown) => acc,
              },
      };
    }
    default:
      throw new Error(`not a built-in aggregate: ${name}`);
  }
}

export function userAggregate(fn: SqlAggregateFunction<any, any>, args: readonly Compiled[], text: string): AggregateCall {
  const values = (r: Row) => args.map((a) => a.eval(r));
  return {
    text,
    type: fn.resultType,
    accumulation: () => ({
      create: () => fn.createAccumulator(),
      add: (acc, r) => fn.accumulate(acc, ...values(r)),
      retract: (acc, r) => {
        if (fn.retract === undefined) throw new Error(`${text}: the aggregate function has no retract method, which an updating input needs`);
        return fn.retract(acc, ...values(r));
      },
      merge: (a, b) => {
        if (fn.merge === undefined) throw new Error(`${text}: the aggregate function has no merge method, which SESSION windows need`);
        return fn.merge(a, b);
      },
      result: (acc) => { const v = fn.getValue(acc); return v === undefined ? null : v; },
    }),
  };
}
