/**
 * The key a row is partitioned and kept in state by (GROUP BY columns, PARTITION BY, join
 * keys). One column of a number, string, boolean or bigint is its own key: the keyed path hashes
 * and finds a number without building any text (state/keyHashCache.ts, state/lookupKey.ts), and
 * a string is its own text. A NULL or a value of another type is an array of it, a composite key
 * (keyHash.ts tags its text, so it is no string's). Several columns are text: the numbers joined
 * by commas when every column is numeric, JSON of the values otherwise (JSON keeps 1 and '1' apart). One keyed stream always uses one of these, so they never meet.
 */
import { Key } from '../state/keyHash';
import { Change } from './Change';
import { Compiled } from './compileExpression';
import { SqlType } from './types';

/** What a row's key may be: a column's value, or text. */
export type RowKey = Key;

/** The key of a row for these key columns (equal keys for equal values, different otherwise). */
export function rowKeySelector(keys: readonly Compiled[]): (c: Change) => RowKey {
  if (keys.length === 0) return () => '';
  if (keys.length === 1) {
    const k = keys[0].eval;
    return (c) => {
      const v = k(c.row);
      switch (typeof v) {
        case 'number':
        case 'string':
        case 'boolean':
        case 'bigint':
          return v;
        default:
          return [v === undefined ? null : v];
      }
    };
  }
  if (keys.every((k) => NUMERIC_TYPES.has(k.type))) {
    // Numbers only (NULLs aside): their texts joined by commas, which no number's text holds; a
    // row with a NULL or another value takes JSON, whose text starts with '[' as no number's does.
    // Rows of one key often come in a run (a window's rows, keyed by its bounds, as it closes):
    // the last key's numbers and text are kept, and its text given again while they repeat, so
    // the numbers are not written out and the text's hash is computed once (V8 keeps a string's).
    const evals = keys.map((k) => k.eval);
    const last: unknown[] = new Array(evals.length).fill(undefined);
    let lastText = '';
    return (c) => {
      let same = true;
      for (let i = 0; i < evals.length; i++) {
        const v = evals[i](c.row);
        if (typeof v !== 'number') {
          last.fill(undefined);
          return JSON.stringify(evals.map((e) => e(c.row)));
        }
        if (v !== last[i]) same = false;
        last[i] = v;
      }
      if (same) return lastText;
      let text = String(last[0]);
      for (let i = 1; i < last.length; i++) text = `${text},${last[i]}`;
      return (lastText = text);
    };
  }
  return (c) => JSON.stringify(keys.map((k) => k.eval(c.row)));
}

/** Types whose values are numbers (or NULL) in rows (types.ts). */
const NUMERIC_TYPES: ReadonlySet<SqlType> = new Set<SqlType>(['INT', 'BIGINT', 'DOUBLE', 'TIMESTAMP', 'DATE', 'INTERVAL']);
