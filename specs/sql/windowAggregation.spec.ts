import { expect } from 'chai';
import { builtinAggregate } from '../../src/sql/aggregates';
import { Change } from '../../src/sql/Change';
import { Compiled } from '../../src/sql/compileExpression';
import { rowKeySelector } from '../../src/sql/rowKey';
import { windowAggregation } from '../../src/sql/runtime/windowAggregation';
import { SqlType } from '../../src/sql/types';
import { TimeWindow } from '../../src/windowing/Window';

const column = (i: number, type: SqlType): Compiled => ({ type, eval: (row) => row[i], text: `$${i}`, field: i });
const change = (...row: unknown[]): Change => ({ kind: '+I', row });
const window = new TimeWindow(10_000, 20_000);

/** Aggregates `rows` (one group) as the window operator does, and emits the window's row. */
function windowRow(keys: readonly Compiled[], rows: readonly Change[], start?: unknown) {
  const { aggregate, emit } = windowAggregation(keys, [builtinAggregate('COUNT', [], false, 'COUNT(*)'), builtinAggregate('SUM', [column(2, 'INT')], false, 'SUM($2)')]);
  let acc = start ?? aggregate.createAccumulator();
  for (const r of rows) acc = aggregate.add(r, acc as never);
  const out: Change[] = [];
  const ctx = { window, currentWatermark: () => 0, currentProcessingTime: () => 0, output: () => undefined };
  emit.process(rowKeySelector(keys)(rows[0]), ctx, [acc as never], { collect: (c: Change) => out.push(c) });
  return { acc, out };
}

describe('sql/runtime/windowAggregation', () => {
  it('with one key column, a window keeps only its aggregates\' accumulators and reads the key column back from its key', () => {
    for (const [type, value] of [['BIGINT', 7], ['STRING', 'eu'], ['STRING', null], ['BOOLEAN', false]] as const) {
      const { acc, out } = windowRow([column(0, type)], [change(value, 'x', 3), change(value, 'y', 4)]);
      expect(acc).to.deep.equal([2, [7, 2]]);
      expect(out).to.deep.equal([{ kind: '+I', row: [value, 10_000, 20_000, 19_999, 2, 7] }]);
    }
  });

  it('without GROUP BY columns the row starts with the window bounds', () => {
    const { acc, out } = windowRow([], [change(1, 'x', 5)]);
    expect(acc).to.deep.equal([1, [5, 1]]);
    expect(out).to.deep.equal([{ kind: '+I', row: [10_000, 20_000, 19_999, 1, 5] }]);
  });

  it('with several key columns (text keys) or an ANY column, the window keeps the key columns of its first row', () => {
    const two = windowRow([column(0, 'BIGINT'), column(1, 'STRING')], [change(7, 'x', 3), change(7, 'x', 4)]);
    expect(two.acc).to.deep.equal({ keys: [7, 'x'], accs: [2, [7, 2]] });
    expect(two.out).to.deep.equal([{ kind: '+I', row: [7, 'x', 10_000, 20_000, 19_999, 2, 7] }]);
    const any = windowRow([column(1, 'ANY')], [change(7, { b: 1, a: 2 }, 3)]);
    expect(any.out[0].row.slice(0, 1)).to.deep.equal([{ b: 1, a: 2 }]);
  });

  it('an accumulator of the keyed shape (state written before keys were read back from the key) goes on accumulating and emits its keys', () => {
    const { out } = windowRow([column(0, 'BIGINT')], [change(7, 'x', 4)], { keys: [7], accs: [1, [3, 1]] });
    expect(out).to.deep.equal([{ kind: '+I', row: [7, 10_000, 20_000, 19_999, 2, 7] }]);
  });
});
