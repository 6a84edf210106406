/**
 * SQL types as Sluice runs them, and how their values look in rows: numbers for INT, BIGINT
 * and DOUBLE (DECIMAL is a double), strings, booleans, and TIMESTAMP/DATE as epoch
 * milliseconds in UTC. NULL is `null`. ANY marks an expression that already has a problem
 * reported, so one mistake is not reported again by everything built on it.
 */
import { TypeName } from './ast';
import type { WindowSpec } from './logicalPlan';

/** The SQL types of Sluice, as the planner checks them (see docs/sql.md, "Types"). */
export type SqlType = 'INT' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'TIMESTAMP' | 'DATE' | 'INTERVAL' | 'NULL' | 'ANY';

/** A column of a table or of a query's result. `rowtime`: the event-time attribute. */
export interface Field {
  readonly name: string;
  readonly type: SqlType;
  readonly rowtime?: boolean;
  /** Set on a window_start or window_end column (under any alias) of an append-only input. @internal */
  readonly windowBound?: WindowBound;
}

/**
 * Which bound of which windowing a column holds. It survives projections and renames, so a
 * GROUP BY or a join on both bounds of the same windowing further down is windowed too: its
 * windows are read from the rows and close with the watermark (Flink's window attribute
 * propagation).
 */
export interface WindowBound {
  readonly bound: 'start' | 'end';
  readonly window: WindowSpec;
}

export const sameWindowing = (a: WindowBound, b: WindowBound) => JSON.stringify(a.window) === JSON.stringify(b.window);

/** A row: its values in column order. */
export type Row = readonly unknown[];

const TYPE_NAMES: Readonly<Record<string, SqlType>> = {
  TINYINT: 'INT',
  SMALLINT: 'INT',
  INT: 'INT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  FLOAT: 'DOUBLE',
  REAL: 'DOUBLE',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DOUBLE',
  DEC: 'DOUBLE',
  NUMERIC: 'DOUBLE',
  STRING: 'STRING',
  VARCHAR: 'STRING',
  CHAR: 'STRING',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMP_LTZ: 'TIMESTAMP',
  DATE: 'DATE',
};

export function typeFromName(t: TypeName): SqlType | undefined {
  return TYPE_NAMES[t.name];
}

export const SUPPORTED_TYPE_NAMES = Object.keys(TYPE_NAMES);

export const isNumeric = (t: SqlType) => t === 'INT' || t === 'BIGINT' || t === 'DOUBLE' || t === 'NULL' || t === 'ANY';
export const isIntegral = (t: SqlType) => t === 'INT' || t === 'BIGINT';
export const isString = (t: SqlType) => t === 'STRING' || t === 'NULL' || t === 'ANY';
export const isBoolean = (t: SqlType) => t === 'BOOLEAN' || t === 'NULL' || t === 'ANY';
export const isTemporal = (t: SqlType) => t === 'TIMESTAMP' || t === 'DATE' || t === 'NULL' || t === 'ANY';

/** The type both sides of a comparison or a CASE can share, or undefined when they cannot. */
export function commonType(a: SqlType, b: SqlType): SqlType | undefined {
  if (a === 'ANY' || b === 'ANY') return 'ANY';
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  if (a === b) return a;
  if (isNumeric(a) && isNumeric(b)) return a === 'DOUBLE' || b === 'DOUBLE' ? 'DOUBLE' : 'BIGINT';
  if (isTemporal(a) && isTemporal(b)) return 'TIMESTAMP';
  return undefined;
}

const NUMERIC_WIDTH: Partial<Record<SqlType, number>> = { INT: 1, BIGINT: 2, DOUBLE: 3 };

/** Whether a value of type `from` can be written to a column of type `to` without loss (INSERT INTO). */
export function isAssignable(from: SqlType, to: SqlType): boolean {
  if (from === to || from === 'NULL' || from === 'ANY' || to === 'ANY') return true;
  const a = NUMERIC_WIDTH[from];
  const b = NUMERIC_WIDTH[to];
  if (a !== undefined && b !== undefined) return a <= b;
  return from === 'DATE' && to === 'TIMESTAMP';
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC, as Flink prints TIMESTAMP(3). */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${formatDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Reads `yyyy-MM-dd[ HH:mm:ss[.fff]]` (or with a T) as UTC; null when it is not one. */
export function parseTimestamp(text: string): number | null {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*$/.exec(text);
  if (m === null) return null;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const value = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
  return Number.isNaN(value) ? null : value;
}

/** How a value is written in text output (print, files, CAST AS STRING). */
export function formatValue(value: unknown, type: SqlType): string {
  if (value === null || value === undefined) return 'NULL';
  if (type === 'TIMESTAMP' && typeof value === 'number') return formatTimestamp(value);
  if (type === 'DATE' && typeof value === 'number') return formatDate(value);
  return String(value);
}
