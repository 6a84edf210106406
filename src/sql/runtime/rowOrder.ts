/** Orders rows by ORDER BY items (NULLs last unless nullsFirst); ties keep arrival order (the sort is stable). */
import { Compiled } from '../compileExpression';
import { Row } from '../types';

export type RowComparator = (a: Row, b: Row) => number;

export function rowComparator(orderBy: readonly { readonly expr: Compiled; readonly descending: boolean; readonly nullsFirst?: boolean }[]): RowComparator {
  return (a, b) => {
    for (const { expr, descending, nullsFirst } of orderBy) {
      const x = expr.eval(a) as any;
      const y = expr.eval(b) as any;
      if (x === y) continue;
      if (x === null) return nullsFirst === true ? -1 : 1;
      if (y === null) return nullsFirst === true ? 1 : -1;
      const c = x < y ? -1 : 1;
      return descending ? -c : c;
    }
    return 0;
  };
}
