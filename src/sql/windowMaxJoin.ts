/**
 * Nexmark q7's shape, run without keeping every row: an inner interval join of a table with
 * the maxima of its own tumbling windows, on the column the maximum is of (`B JOIN (SELECT
 * MAX(price) AS maxprice, window_time ... GROUP BY window_start, window_end, window_time) B1
 * ON B.price = B1.maxprice AND <times>`). The join keeps every row of the table for the
 * interval's length, keyed by the column, to meet the maximum when its window closes; but a
 * row whose value is below the running maximum of every window it could meet can never equal
 * that window's final maximum, so WindowMaxJoinFunction keeps, per window, its running maximum
 * and only the rows not below it. What it emits is what the join emits when its two inputs'
 * watermarks arrive together (always, when no row is behind the watermark): specs/sql/
 * windowMaxJoin.spec.ts runs both on the same inputs.
 *
 * Only this exact shape is recognized (anything else is a regular interval join): the join
 * INNER with an interval; its right side a Calc without filter over a window aggregation
 * (TUMBLE, assigned by a time attribute, no GROUP BY key, one MAX of a bare column of numbers or
 * text, whose order is total), the Calc giving the maximum and window_time as bare columns;
 * the aggregation's input the join's left side (equal digests: the same stream); one key pair,
 * the left the MAX's column and the right the maximum; the interval on window_time. No
 * idle-state retention (it would expire the join's rows on processing time) and not in batch.
 */
import type { AggregateCall } from './aggregates';
import type { Compiled } from './compileExpression';
import type { PlanNode } from './logicalPlan';
import { PlanDigests } from './planDigest';
import type { SqlType } from './types';

type JoinNode = Extract<PlanNode, { kind: 'join' }>;

export interface WindowMaxJoin {
  readonly sizeMs: number;
  /** The MAX call, over the left rows (the aggregation's input is the left side). */
  readonly max: AggregateCall;
  /** The column of the left rows the maximum is of, and the left join key. */
  readonly column: number;
  /** The right side's Calc, over the aggregation's row: window_start, window_end, window_time, the maximum. */
  readonly rightProjections: readonly Compiled[];
  /** Interval: right time - left time within [lowerMs, upperMs], right time the window's window_time. */
  readonly lowerMs: number;
  readonly upperMs: number;
  readonly leftTime: number;
}

/** Types whose values `>` orders totally (NULLs aside): a row below a running maximum stays below the final one. */
const ORDERED_TYPES: ReadonlySet<SqlType> = new Set<SqlType>(['INT', 'BIGINT', 'DOUBLE', 'TIMESTAMP', 'DATE', 'STRING']);

/** The join as a WindowMaxJoin, when it has exactly that shape (see the header); undefined otherwise. */
export function windowMaxJoin(join: JoinNode, options: { readonly batch: boolean; readonly stateRetentionMs: number | undefined }): WindowMaxJoin | undefined {
  if (options.batch || options.stateRetentionMs !== undefined) return undefined;
  const { interval, right, left } = join;
  if (join.joinType !== 'INNER' || interval === undefined || join.window !== undefined || right.kind !== 'calc' || right.filter !== undefined) return undefined;
  const aggregation = right.input;
  if (aggregation.kind !== 'windowAggregate' || aggregation.window.kind !== 'TUMBLE' || aggregation.windowing.kind !== 'assign') return undefined;
  if (aggregation.keys.length !== 0 || aggregation.aggregates.length !== 1) return undefined;
  const max = aggregation.aggregates[0];
  const column = max.extremum?.kind === 'MAX' ? max.extremum.field : undefined;
  if (column === undefined || !ORDERED_TYPES.has(aggregation.input.fields[column].type)) return undefined;
  // The aggregation's row: window_start 0, window_end 1, window_time 2, the maximum 3.
  const projected = (i: number) => right.projections[i]?.field;
  if (join.leftKeys.length !== 1 || join.rightKeys.length !== 1 || join.leftKeys[0].field !== column || projected(join.rightKeys[0].field ?? -1) !== 3) return undefined;
  if (projected(interval.rightTime) !== 2) return undefined;
  const digests = new PlanDigests();
  const leftDigest = digests.digest(left);
  if (leftDigest === undefined || leftDigest !== digests.digest(aggregation.input)) return undefined;
  return { sizeMs: aggregation.window.sizeMs, max, column, rightProjections: right.projections, lowerMs: interval.lowerMs, upperMs: interval.upperMs, leftTime: interval.leftTime };
}
