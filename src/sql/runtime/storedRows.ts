/**
 * How a join side kept as a list stores its rows: only the fields the query reads of them, in
 * their order, in an array that narrow (a stored bid of Nexmark q4 holds 3 values, not 5 with
 * two NULLs), and how a joined row is made from a row as it came and a stored one. A narrower
 * row is less for each scavenge to copy while it is young, and less text at the checkpoint
 * that first writes it.
 */
import { Row } from '../types';

export interface StoredRowLayout {
  /** The row's width as it comes (the join input's fields). */
  readonly width: number;
  /** The indexes of the fields kept, ascending: a stored row's field i is the row's field kept[i]. */
  readonly kept: readonly number[];
  /** The stored row of a row as it comes. */
  readonly store: (row: Row) => Row;
}

/** The layout keeping the `read` fields; undefined when every field is read (rows are stored as they come). */
export function storedRowLayout(read: readonly boolean[]): StoredRowLayout | undefined {
  if (read.every((r) => r)) return undefined;
  const kept = read.flatMap((r, i) => (r ? [i] : []));
  const store = new Function(`return function stored(r) { return [${kept.map((i) => `r[${i}]`).join(', ')}]; };`)() as (row: Row) => Row;
  return { width: read.length, kept, store };
}

/** Where field `index` of a row as it comes is in its stored row (the same without a layout); -1 when not kept. */
export function storedIndex(layout: StoredRowLayout | undefined, index: number): number {
  return layout === undefined ? index : layout.kept.indexOf(index);
}

/**
 * The joined row (the left row's fields, then the right's, NULL where a stored row has none) of
 * a left and a right row, each as it comes (no layout) or as stored (its layout): one array
 * literal, without the rows' copies a spread of both would make.
 */
export function rowJoiner(widths: readonly [number, number], layouts: readonly [StoredRowLayout | undefined, StoredRowLayout | undefined]): (left: Row, right: Row) => Row {
  const fields = (name: string, width: number, layout: StoredRowLayout | undefined) =>
    Array.from({ length: width }, (_, i) => {
      const at = storedIndex(layout, i);
      return at < 0 ? 'null' : `${name}[${at}]`;
    });
  const parts = [...fields('l', widths[0], layouts[0]), ...fields('r', widths[1], layouts[1])];
  return new Function(`return function joined(l, r) { return [${parts.join(', ')}]; };`)() as (left: Row, right: Row) => Row;
}
