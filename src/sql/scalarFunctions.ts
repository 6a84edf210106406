/**
 * The built-in scalar functions, with Flink's names: each checks its argument types at
 * planning time (the message says what it takes) and computes on values at run time.
 * Unless `nullable` says otherwise, a NULL argument gives NULL.
 */
import { SqlType, formatDate, formatTimestamp, isNumeric, isString, isTemporal, parseTimestamp, commonType } from './types';

export interface ScalarDefinition {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The result type, or a message saying what the arguments should be. */
  check(args: readonly SqlType[]): SqlType | string;
  apply(args: readonly any[]): unknown;
  /** The function itself handles NULL arguments (COALESCE, IF...). */
  readonly nullable?: boolean;
}

const numeric = (result: (args: readonly SqlType[]) => SqlType, what: string) => (args: readonly SqlType[]) => (args.every(isNumeric) ? result(args) : what);
const strings = (result: SqlType, what: string, numericFrom = Infinity) => (args: readonly SqlType[]) =>
  args.every((t, i) => (i >= numericFrom ? isNumeric(t) : isString(t))) ? result : what;
const sameAsFirst = (args: readonly SqlType[]) => (args[0] === 'NULL' ? 'DOUBLE' : args[0]);
const temporal = (what: string) => (args: readonly SqlType[]) => (isTemporal(args[0]) ? 'BIGINT' : what);

const utc = (ms: number) => new Date(ms);

/** Java-style patterns as Flink's DATE_FORMAT takes them: yyyy MM dd HH mm ss SSS. */
function formatPattern(ms: number, pattern: string): string {
  const d = utc(ms);
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()).padStart(4, '0'),
    MM: String(d.getUTCMonth() + 1).padStart(2, '0'),
    dd: String(d.getUTCDate()).padStart(2, '0'),
    HH: String(d.getUTCHours()).padStart(2, '0'),
    mm: String(d.getUTCMinutes()).padStart(2, '0'),
    ss: String(d.getUTCSeconds()).padStart(2, '0'),
    SSS: String(d.getUTCMilliseconds()).padStart(3, '0'),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss|SSS/g, (p) => parts[p]);
}

export const TIME_UNITS: Readonly<Record<string, (d: Date) => number>> = {
  YEAR: (d) => d.getUTCFullYear(),
  QUARTER: (d) => Math.floor(d.getUTCMonth() / 3) + 1,
  MONTH: (d) => d.getUTCMonth() + 1,
  DAY: (d) => d.getUTCDate(),
  HOUR: (d) => d.getUTCHours(),
  MINUTE: (d) => d.getUTCMinutes(),
  SECOND: (d) => d.getUTCSeconds(),
  DAYOFWEEK: (d) => d.getUTCDay() + 1,
};

const part = (unit: string): ScalarDefinition => ({ minArgs: 1, maxArgs: 1, check: temporal(`${unit} takes a TIMESTAMP or DATE`), apply: ([t]) => TIME_UNITS[unit](utc(t)) });

export const SCALAR_FUNCTIONS: Readonly<Record<string, ScalarDefinition>> = {
  ABS: { minArgs: 1, maxArgs: 1, check: numeric(sameAsFirst, 'ABS takes a number'), apply: ([x]) => Math.abs(x) },
  MOD: { minArgs: 2, maxArgs: 2, check: numeric(sameAsFirst, 'MOD takes two numbers'), apply: ([a, b]) => (b === 0 ? null : a % b) },
  POWER: { minArgs: 2, maxArgs: 2, check: numeric(() => 'DOUBLE', 'POWER takes two numbers'), apply: ([a, b]) => Math.pow(a, b) },
  SQRT: { minArgs: 1, maxArgs: 1, check: numeric(() => 'DOUBLE', 'SQRT takes a number'), apply: ([x]) => Math.sqrt(x) },
  FLOOR: { minArgs: 1, maxArgs: 1, check: numeric(sameAsFirst, 'FLOOR takes a number'), apply: ([x]) => Math.floor(x) },
  CEIL: { minArgs: 1, maxArgs: 1, check: numeric(sameAsFirst, 'CEIL takes a number'), apply: ([x]) => Math.ceil(x) },
  ROUND: {
    minArgs: 1,
    maxArgs: 2,
    check: numeric(sameAsFirst, 'ROUND takes a number and optionally a number of decimals'),
    apply: ([x, digits = 0]) => {
      const f = Math.pow(10, digits);
      return Math.sign(x) * Math.round(Math.abs(x) * f) / f;
    },
  },
  UPPER: { minArgs: 1, maxArgs: 1, check: strings('STRING', 'UPPER takes a string'), apply: ([s]) => s.toUpperCase() },
  LOWER: { minArgs: 1, maxArgs: 1, check: strings('STRING', 'LOWER takes a string'), apply: ([s]) => s.toLowerCase() },
  TRIM: { minArgs: 1, maxArgs: 1, check: strings('STRING', 'TRIM takes a string'), apply: ([s]) => s.trim() },
  CHAR_LENGTH: { minArgs: 1, maxArgs: 1, check: strings('INT', 'CHAR_LENGTH takes a string'), apply: ([s]) => [...s].length },
  /** SQL positions start at 1. */
  SUBSTRING: {
    minArgs: 2,
    maxArgs: 3,
    check: strings('STRING', 'SUBSTRING takes a string, a start position and optionally a length', 1),
    apply: ([s, start, length]) => {
      const from = Math.max(start - 1, 0);
      return length === undefined ? s.slice(from) : s.slice(from, Math.max(start - 1 + length, 0));
    },
  },
  REPLACE: { minArgs: 3, maxArgs: 3, check: strings('STRING', 'REPLACE takes three strings'), apply: ([s, a, b]) => s.split(a).join(b) },
  CONCAT: { minArgs: 1, maxArgs: 64, check: strings('STRING', 'CONCAT takes strings'), apply: (args) => args.join('') },
  CONCAT_WS: { minArgs: 2, maxArgs: 64, check: strings('STRING', 'CONCAT_WS takes strings'), apply: ([sep, ...rest]) => rest.join(sep) },
  POSITION: { minArgs: 2, maxArgs: 2, check: strings('INT', 'POSITION takes two strings'), apply: ([needle, s]) => s.indexOf(needle) + 1 },
  DATE_FORMAT: {
    minArgs: 2,
    maxArgs: 2,
    check: (args) => (isTemporal(args[0]) && isString(args[1]) ? 'STRING' : 'DATE_FORMAT takes a TIMESTAMP and a pattern string'),
    apply: ([t, pattern]) => formatPattern(t, pattern),
  },
  TO_TIMESTAMP: { minArgs: 1, maxArgs: 1, check: strings('TIMESTAMP', "TO_TIMESTAMP takes a string such as '2024-01-31 12:00:00'"), apply: ([s]) => parseTimestamp(s) },
  TO_TIMESTAMP_LTZ: {
    minArgs: 1,
    maxArgs: 2,
    check: numeric(() => 'TIMESTAMP', 'TO_TIMESTAMP_LTZ takes epoch milliseconds (and optionally the precision 3)'),
    apply: ([ms, precision = 3]) => (precision === 0 ? ms * 1000 : ms),
  },
  UNIX_TIMESTAMP: { minArgs: 1, maxArgs: 1, check: strings('BIGINT', 'UNIX_TIMESTAMP takes a string'), apply: ([s]) => { const ms = parseTimestamp(s); return ms === null ? null : Math.floor(ms / 1000); } },
  DATE_STRING: { minArgs: 1, maxArgs: 1, check: temporal('DATE_STRING takes a TIMESTAMP'), apply: ([t]) => formatDate(t) },
  TIMESTAMP_STRING: { minArgs: 1, maxArgs: 1, check: temporal('TIMESTAMP_STRING takes a TIMESTAMP'), apply: ([t]) => formatTimestamp(t) },
  YEAR: part('YEAR'),
  QUARTER: part('QUARTER'),
  MONTH: part('MONTH'),
  DAYOFMONTH: part('DAY'),
  HOUR: part('HOUR'),
  MINUTE: part('MINUTE'),
  SECOND: part('SECOND'),
  COALESCE: {
    minArgs: 1,
    maxArgs: 64,
    nullable: true,
    check: (args) => args.reduce<SqlType | undefined>((acc, t) => (acc === undefined ? undefined : commonType(acc, t)), 'NULL') ?? 'COALESCE takes arguments of one type',
    apply: (args) => args.find((a) => a !== null && a !== undefined) ?? null,
  },
  IF: {
    minArgs: 3,
    maxArgs: 3,
    nullable: true,
    check: ([c, a, b]) => (c === 'BOOLEAN' || c === 'NULL' || c === 'ANY' ? commonType(a, b) ?? 'IF takes a condition and two values of one type' : 'IF takes a BOOLEAN condition first'),
    apply: ([c, a, b]) => (c === true ? a : b),
  },
  NULLIF: { minArgs: 2, maxArgs: 2, nullable: true, check: ([a, b]) => (commonType(a, b) === undefined ? 'NULLIF takes two values of one type' : a), apply: ([a, b]) => (a === b ? null : a) },
};
