/**
 * Row accessors compiled per query: a function generated for one column list, whose each
 * property read or field copy is a site of its own. A loop over the columns reads every property
 * of every record at one site, which V8 can no longer specialize once it has seen several names
 * (a megamorphic keyed load); generated code reads `r.auction`, `r.price`... each at one shape.
 * Only column names and indexes enter the generated text, names as JSON string literals.
 */
import { Compiled } from './compileExpression';
import { Row } from './types';

/**
 * Reads a record's properties `names` into a row: a Date becomes its epoch milliseconds, a
 * missing property NULL (as fromDataStream documents).
 */
export function recordReader(names: readonly string[]): (record: object) => Row {
  const reads = names.map((n) => `cell(r[${JSON.stringify(n)}])`).join(', ');
  return new Function('cell', `return function readRow(r) { return [${reads}]; };`)(cell) as (record: object) => Row;
}

function cell(v: unknown): unknown {
  return v instanceof Date ? v.getTime() : v === undefined ? null : v;
}

/**
 * The row of `projections` for an input row: a bare column is copied by its index, any other
 * expression called through a call site of its own.
 */
export function rowProjection(projections: readonly Compiled[]): (row: Row) => unknown[] {
  const evals = projections.map((p) => p.eval);
  const parts = projections.map((p, i) => (p.field !== undefined && Number.isInteger(p.field) ? `r[${p.field}]` : `e[${i}](r)`));
  return new Function('e', `return function project(r) { return [${parts.join(', ')}]; };`)(evals) as (row: Row) => unknown[];
}

/**
 * The record of `names` for an input row, its properties `projections` of it (a bare column
 * copied by its index): one object literal, so every record has one shape from birth, where
 * properties added one by one in a loop went through a chain of shapes (and a record of many
 * columns into dictionary mode). toDataStream and toChangelogStream build their records so.
 */
export function recordProjection(names: readonly string[], projections: readonly Compiled[]): (row: Row) => Record<string, unknown> {
  if (names.length !== projections.length) throw new Error(`recordProjection: ${names.length} names for ${projections.length} projections`);
  const evals = projections.map((p) => p.eval);
  const parts = projections.map((p, i) => `${JSON.stringify(names[i])}: ${p.field !== undefined && Number.isInteger(p.field) ? `r[${p.field}]` : `e[${i}](r)`}`);
  return new Function('e', `return function record(r) { return { ${parts.join(', ')} }; };`)(evals) as (row: Row) => Record<string, unknown>;
}

/**
 * The row with only the `kept` fields, the others NULL (its width and every kept field's index
 * unchanged); undefined when every field is kept.
 */
export function rowKeeping(kept: readonly boolean[]): ((row: Row) => Row) | undefined {
  if (kept.every((k) => k)) return undefined;
  const parts = kept.map((k, i) => (k ? `r[${i}]` : 'null'));
  return new Function(`return function keeping(r) { return [${parts.join(', ')}]; };`)() as (row: Row) => Row;
}
