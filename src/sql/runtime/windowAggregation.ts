/**
 * The accumulator and the emitting function of a window aggregation over a window TVF, on the
 * DataStream window operator (keyed by the GROUP BY columns). Each window of a key keeps its
 * aggregates' accumulators; when it fires, its row is the group's key columns, window_start,
 * window_end, window_time and the aggregates' results.
 *
 * The key columns are read back from the window's key when it holds them exactly: no key, or
 * one column of a known type (rowKey.ts keys such a row by the value itself, or by [value] for
 * a NULL or another value; state keeps numbers, strings, booleans and bigints as they are).
 * The accumulator is then the array of the aggregates' accumulators alone, so each window keeps
 * and checkpoints no copy of its key. A key of several columns is text: the accumulator keeps
 * the key columns of the window's first row beside the aggregates', as all windows did before.
 */
import { Collector } from '../../graph/Collector';
import { AggregateFunction } from '../../state/StateDescriptor';
import { ProcessWindowFunction, WindowContext } from '../../windowing/ProcessWindowFunction';
import { TimeWindow } from '../../windowing/Window';
import { Accumulation, AggregateCall } from '../aggregates';
import { Change } from '../Change';
import { Compiled } from '../compileExpression';
import { RowKey } from '../rowKey';

/** The aggregates' accumulators, in the order of the aggregate calls. */
type Accumulators = unknown[];

/** For keys the accumulator cannot be read back from: the key columns of the window's first row too. */
interface KeyedAccumulators {
  keys: unknown[] | null;
  accs: Accumulators;
}

type WindowAccumulator = Accumulators | KeyedAccumulators;

export interface WindowAggregation {
  readonly aggregate: AggregateFunction<Change, WindowAccumulator, WindowAccumulator>;
  readonly emit: ProcessWindowFunction<WindowAccumulator, Change, RowKey, TimeWindow>;
}

/** The key columns of a window's key, when the key holds them exactly (see the header). */
function keyColumnsOf(keys: readonly Compiled[]): ((key: RowKey) => unknown[]) | undefined {
  if (keys.length === 0) return () => [];
  if (keys.length === 1 && keys[0].type !== 'ANY') return (key) => (Array.isArray(key) ? [key[0]] : [key]);
  return undefined;
}

/** A window's accumulators, whichever shape holds them (a state written before the keys were read back from the key has the keyed shape). */
const accsOf = (acc: WindowAccumulator): Accumulators => (Array.isArray(acc) ? acc : acc.accs);

export function windowAggregation(keys: readonly Compiled[], aggregates: readonly AggregateCall[]): WindowAggregation {
  const accumulations: Accumulation[] = aggregates.map((a) => a.accumulation(false));
  const n = accumulations.length;
  const keyColumns = keyColumnsOf(keys);
  const keyEvals = keys.map((k) => k.eval);
  const addTo = (accs: Accumulators, c: Change): void => {
    for (let i = 0; i < n; i++) accs[i] = accumulations[i].add(accs[i], c.row);
  };
  const mergeAccs = (a: Accumulators, b: Accumulators): Accumulators => accumulations.map((m, i) => m.merge(a[i], b[i]));
  const aggregate: AggregateFunction<Change, WindowAccumulator, WindowAccumulator> =
    keyColumns !== undefined
      ? {
          createAccumulator: () => accumulations.map((a) => a.create()),
          add: (c, acc) => (addTo(accsOf(acc), c), acc),
          merge: (a, b) => mergeAccs(accsOf(a), accsOf(b)),
          getResult: (acc) => acc,
        }
      : {
          createAccumulator: (): KeyedAccumulators => ({ keys: null, accs: accumulations.map((a) => a.create()) }),
          add: (c, acc) => {
            const keyed = acc as KeyedAccumulators;
            if (keyed.keys === null) keyed.keys = keyEvals.map((k) => k(c.row));
            addTo(keyed.accs, c);
            return keyed;
          },
          merge: (a, b) => {
            const [x, y] = [a as KeyedAccumulators, b as KeyedAccumulators];
            return { keys: x.keys ?? y.keys, accs: mergeAccs(x.accs, y.accs) };
          },
          getResult: (acc) => acc,
        };
  class EmitWindowRow extends ProcessWindowFunction<WindowAccumulator, Change, RowKey, TimeWindow> {
    process(key: RowKey, ctx: WindowContext<TimeWindow>, [acc]: readonly WindowAccumulator[], out: Collector<Change>): void {
      const { start, end } = ctx.window;
      const accs = accsOf(acc);
      const keyValues = Array.isArray(acc) ? keyColumns!(key) : (acc.keys ?? []);
      const row = [...keyValues, start, end, end - 1];
      for (let i = 0; i < n; i++) row.push(accumulations[i].result(accs[i]));
      out.collect({ kind: '+I', row });
    }
  }
  return { aggregate, emit: new EmitWindowRow() };
}
