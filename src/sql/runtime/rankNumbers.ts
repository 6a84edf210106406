/**
 * The numbers RANK functions give rows in ranking order, as Flink gives them: ROW_NUMBER
 * counts rows (ties in arrival order), RANK gives ties the same number and leaves a gap after
 * them (1, 1, 3), DENSE_RANK gives ties the same number without gaps (1, 1, 2).
 */
import { Row } from '../types';
import { RowComparator } from './rowOrder';

export type RankFunctionName = 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';

/** Which numbers a Top-N keeps: those in [first, last]. */
export interface RankRange {
  readonly first: number;
  readonly last: number;
}

export interface Ranked {
  readonly row: Row;
  readonly rank: number;
}

/** The rows of `sorted` (in ranking order) whose number falls in `range`, with their number. */
export function rankRows(fn: RankFunctionName, compare: RowComparator, sorted: readonly Row[], range: RankRange): Ranked[] {
  const out: Ranked[] = [];
  let rank = 0;
  for (let i = 0; i < sorted.length; i++) {
    const tie = i > 0 && compare(sorted[i - 1], sorted[i]) === 0;
    if (fn === 'ROW_NUMBER') rank = i + 1;
    else if (fn === 'RANK') rank = tie ? rank : i + 1;
    else rank = tie ? rank : rank + 1;
    if (rank > range.last) break;
    if (rank >= range.first) out.push({ row: sorted[i], rank });
  }
  return out;
}

/** How many rows of `sorted` can still reach the range when more rows only arrive (none retracts): those numbered up to its end. */
export function rowsWithinReach(fn: RankFunctionName, compare: RowComparator, sorted: readonly Row[], last: number): number {
  if (fn === 'ROW_NUMBER') return Math.min(sorted.length, last);
  const ranked = rankRows(fn, compare, sorted, { first: 1, last });
  return ranked.length;
}
