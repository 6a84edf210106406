/**
 * Reading SQL results in specs: a changelog folded into the rows it leaves (a multiset), and
 * rows sorted into a stable order for exact comparison.
 */
import { expect } from 'chai';
import { ChangelogRow } from '../../src/sql';

/** The final table a changelog describes: +I/+U add a row, -U/-D take one out (and must find it). */
export function foldChangelog(changes: readonly ChangelogRow[]): Record<string, unknown>[] {
  const rows = new Map<string, number>();
  for (const { kind, row } of changes) {
    const key = JSON.stringify(row);
    const n = (rows.get(key) ?? 0) + (kind === '+I' || kind === '+U' ? 1 : -1);
    expect(n, `${kind} ${key} retracts a row that is not there`).to.be.at.least(0);
    if (n === 0) rows.delete(key);
    else rows.set(key, n);
  }
  return sortRows([...rows.entries()].flatMap(([key, n]) => new Array(n).fill(JSON.parse(key))));
}

export function sortRows<T>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}
