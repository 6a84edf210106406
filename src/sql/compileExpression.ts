/**
 * Resolves an expression against the columns in scope and compiles it to a function of a row:
 * names are looked up, types checked, and every problem recorded with its position, so
 * planning goes on and reports them all. Rows are arrays; columns are read by index. The
 * binary operators and CAST, over operands compiled here, are in compileOperators.ts.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { absurd } from 'fp-ts/function';
import { Expr } from './ast';
import { compileBinary, compileCast } from './compileOperators';
import { SCALAR_FUNCTIONS, TIME_UNITS } from './scalarFunctions';
import { SqlPosition, SqlProblem } from './SqlProblem';
import { ScalarFunction, UserDefinedFunction } from './UserDefinedFunction';
import { Row, SqlType, commonType, isBoolean, isNumeric, isString, isTemporal, parseTimestamp } from './types';

export interface Compiled {
  readonly type: SqlType;
  readonly eval: (row: Row) => unknown;
  /** The expression as EXPLAIN prints it. */
  readonly text: string;
  /** Set when the expression is a bare column: its index in the row. */
  readonly field?: number;
  readonly rowtime?: boolean;
  /** Set for literals and intervals: the value, known while planning. */
  readonly constant?: { readonly value: unknown };
  /**
   * The fields of the row it reads, when known (every expression compileExpression compiles,
   * and fieldRef): the planner keeps only those in a join's state (fieldsRead.ts). Absent: it
   * may read any.
   */
  readonly reads?: readonly number[];
}

export interface ScopeColumn {
  /** The table or alias the column can be qualified with. */
  readonly qualifier?: string;
  readonly name: string;
  readonly type: SqlType;
  readonly rowtime?: boolean;
}

export const AGGREGATE_NAMES = new Set(['COUNT', 'SUM', 'MIN', 'MAX', 'AVG']);

export interface ExpressionContext {
  readonly columns: readonly ScopeColumn[];
  readonly problems: SqlProblem[];
  readonly functions: ReadonlyMap<string, UserDefinedFunction>;
  /** Replaces whole sub-expressions: group keys and aggregate calls after GROUP BY. */
  readonly substitute?: (e: Expr) => Compiled | undefined;
  /** Where the expression is, for the message when an aggregate is not allowed there. */
  readonly clause: string;
  /** The columns could not be known (an unknown table was reported): unknown names are not reported again. */
  readonly opaque?: boolean;
}

/** The expression without positions: equal keys mean the same expression (GROUP BY matching). */
export function expressionKey(e: unknown): string {
  return JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v));
}

export function isAggregateCall(e: Expr, functions: ReadonlyMap<string, UserDefinedFunction>): boolean {
  return e.kind === 'call' && e.over === undefined && (AGGREGATE_NAMES.has(e.name) || functions.get(e.name)?.kind === 'aggregate');
}

const INTERVAL_UNITS: Readonly<Record<string, number>> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

/** An interval literal in milliseconds; left: why it is not one. */
export function intervalMillis(text: string, unit: string): Either<string, number> {
  const perUnit = INTERVAL_UNITS[unit.replace(/S$/, '')];
  if (perUnit === undefined) return left(`unsupported interval unit ${unit}: use ${Object.keys(INTERVAL_UNITS).join(', ')}`);
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return left(`'${text}' is not a number of ${unit}`);
  return right(n * perUnit);
}

const error = (text: string): Compiled => ({ type: 'ANY', eval: () => null, text });

/**
 * The fields read by the expressions being compiled, the innermost last: each one compiled
 * adds its own to the one it is part of (its operands are compiled while it is).
 */
const reading: { fields: Set<number>; unknown: boolean }[] = [];

export function compileExpression(e: Expr, ctx: ExpressionContext): Compiled {
  const mine = { fields: new Set<number>(), unknown: false };
  reading.push(mine);
  let compiled: Compiled;
  let substituted: Compiled | undefined;
  try {
    // A substitute may compile expressions of another scope (the input of an aggregation): what they read is not this one's.
    substituted = ctx.substitute?.(e);
    compiled = substituted ?? compileUnread(e, ctx);
  } finally {
    reading.pop();
  }
  let reads = compiled.reads;
  const field = compiled.field;
  if (reads === undefined && (field === undefined || Number.isInteger(field))) {
    if (substituted !== undefined) reads = field === undefined ? undefined : [field];
    else if (!mine.unknown) reads = [...(field === undefined ? mine.fields : mine.fields.add(field))].sort((a, b) => a - b);
  }
  const outer = reading[reading.length - 1];
  if (outer !== undefined) {
    if (reads === undefined) outer.unknown = true;
    else for (const f of reads) outer.fields.add(f);
  }
  return compiled.reads === reads ? compiled : { ...compiled, reads };
}

function compileUnread(e: Expr, ctx: ExpressionContext): Compiled {
  const problem = (pos: SqlPosition, message: string) => ctx.problems.push({ ...pos, message });
  const sub = (x: Expr) => compileExpression(x, ctx);
  switch (e.kind) {
    case 'literal': {
      const value = e.value;
      const type: SqlType = value === null ? 'NULL' : typeof value === 'number' ? (Number.isInteger(value) ? 'INT' : 'DOUBLE') : typeof value === 'string' ? 'STRING' : 'BOOLEAN';
      return { type, eval: () => value, text: typeof value === 'string' ? `'${value}'` : String(value), constant: { value } };
    }
    case 'typedLiteral': {
      const ms = parseTimestamp(e.text);
      if (ms === null) {
        problem(e.pos, `'${e.text}' is not a valid ${e.type} literal (expected yyyy-MM-dd${e.type === 'TIMESTAMP' ? ' HH:mm:ss' : ''})`);
        return error(e.text);
      }
      return { type: e.type, eval: () => ms, text: `${e.type} '${e.text}'`, constant: { value: ms } };
    }
    case 'interval': {
      const interval = intervalMillis(e.text, e.unit);
      if (isLeft(interval)) {
        problem(e.pos, interval.left);
        return error(e.text);
      }
      const ms = interval.right;
      return { type: 'INTERVAL', eval: () => ms, text: `INTERVAL '${e.text}' ${e.unit}`, constant: { value: ms } };
    }
    case 'column':
      return compileColumn(e, ctx);
    case 'unary': {
      const arg = sub(e.arg);
      if (e.op === 'NOT') {
        if (!isBoolean(arg.type)) problem(e.pos, `NOT needs a BOOLEAN but ${arg.text} is ${arg.type}`);
        return { type: 'BOOLEAN', eval: (r) => { const v = arg.eval(r); return v === null ? null : !v; }, text: `NOT ${arg.text}` };
      }
      if (!isNumeric(arg.type) && arg.type !== 'INTERVAL') problem(e.pos, `unary minus needs a number but ${arg.text} is ${arg.type}`);
      return { type: arg.type, eval: (r) => { const v = arg.eval(r) as number | null; return v === null ? null : -v; }, text: `-${arg.text}`, constant: arg.constant && { value: -(arg.constant.value as number) } };
    }
    case 'binary':
      return compileBinary(e.op, sub(e.left), sub(e.right), e.pos, ctx);
    case 'call':
      return compileCall(e, ctx);
    case 'case': {
      const operand = e.operand === undefined ? undefined : sub(e.operand);
      const whens = e.whens.map((w) => ({ when: sub(w.when), then: sub(w.then) }));
      const otherwise = e.otherwise === undefined ? undefined : sub(e.otherwise);
      let type: SqlType = otherwise?.type ?? 'NULL';
      // A WHEN that does not fit is reported at its condition, a THEN at its result.
      for (const [i, w] of whens.entries()) {
        if (operand === undefined ? !isBoolean(w.when.type) : commonType(operand.type, w.when.type) === undefined) {
          problem(e.whens[i].when.pos, operand === undefined ? `WHEN needs a BOOLEAN condition but ${w.when.text} is ${w.when.type}` : `WHEN ${w.when.text} (${w.when.type}) cannot be compared with ${operand.text} (${operand.type})`);
        }
        const next = commonType(type, w.then.type);
        if (next === undefined) problem(e.whens[i].then.pos, `the results of CASE mix ${type} and ${w.then.type}`);
        type = next ?? 'ANY';
      }
      const test = operand === undefined ? (r: Row, w: Compiled) => w.eval(r) === true : (r: Row, w: Compiled) => { const v = operand.eval(r); return v !== null && v === w.eval(r); };
      return {
        type: type === 'NULL' ? 'ANY' : type,
        eval: (r) => {
          for (const w of whens) if (test(r, w.when)) return w.then.eval(r);
          return otherwise === undefined ? null : otherwise.eval(r);
        },
        text: `CASE ${operand ? `${operand.text} ` : ''}${whens.map((w) => `WHEN ${w.when.text} THEN ${w.then.text}`).join(' ')}${otherwise ? ` ELSE ${otherwise.text}` : ''} END`,
      };
    }
    case 'cast':
      return compileCast(sub(e.arg), e, ctx);
    case 'isNull': {
      const arg = sub(e.arg);
      return { type: 'BOOLEAN', eval: (r) => (arg.eval(r) === null) !== e.negated, text: `${arg.text} IS ${e.negated ? 'NOT ' : ''}NULL` };
    }
    case 'between': {
      const low = compileBinary('>=', sub(e.arg), sub(e.low), e.pos, ctx);
      const high = compileBinary('<=', sub(e.arg), sub(e.high), e.pos, ctx);
      const both = compileBinary('AND', low, high, e.pos, ctx);
      return e.negated ? { ...both, eval: (r) => { const v = both.eval(r); return v === null ? null : !v; }, text: `NOT (${both.text})` } : both;
    }
    case 'in': {
      const arg = sub(e.arg);
      const list = e.list.map(sub);
      for (const [i, item] of list.entries()) {
        if (commonType(arg.type, item.type) === undefined) problem(e.list[i].pos, `IN list item ${item.text} (${item.type}) cannot be compared with ${arg.text} (${arg.type})`);
      }
      return {
        type: 'BOOLEAN',
        eval: (r) => {
          const v = arg.eval(r);
          if (v === null) return null;
          const found = list.some((item) => item.eval(r) === v);
          return found !== e.negated;
        },
        text: `${arg.text} ${e.negated ? 'NOT ' : ''}IN (${list.map((l) => l.text).join(', ')})`,
      };
    }
    case 'like': {
      const arg = sub(e.arg);
      const pattern = sub(e.pattern);
      if (!isString(arg.type) || !isString(pattern.type)) problem(e.pos, `LIKE needs strings but got ${arg.type} LIKE ${pattern.type}`);
      const cache = new Map<string, RegExp>();
      const regex = (p: string) => {
        let re = cache.get(p);
        if (re === undefined) {
          re = new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 's');
          cache.set(p, re);
        }
        return re;
      };
      return {
        type: 'BOOLEAN',
        eval: (r) => {
          const s = arg.eval(r) as string | null;
          const p = pattern.eval(r) as string | null;
          return s === null || p === null ? null : regex(p).test(s) !== e.negated;
        },
        text: `${arg.text} ${e.negated ? 'NOT ' : ''}LIKE ${pattern.text}`,
      };
    }
    case 'extract': {
      const arg = sub(e.arg);
      const unit = TIME_UNITS[e.unit];
      if (unit === undefined) problem(e.pos, `EXTRACT does not know the unit ${e.unit}: use ${Object.keys(TIME_UNITS).join(', ')}`);
      if (!isTemporal(arg.type)) problem(e.pos, `EXTRACT needs a TIMESTAMP or DATE but ${arg.text} is ${arg.type}`);
      return { type: 'BIGINT', eval: (r) => { const v = arg.eval(r); return v === null || unit === undefined ? null : unit(new Date(v as number)); }, text: `EXTRACT(${e.unit} FROM ${arg.text})` };
    }
    default:
      return absurd(e);
  }
}

function compileColumn(e: Extract<Expr, { kind: 'column' }>, ctx: ExpressionContext): Compiled {
  const matches: number[] = [];
  ctx.columns.forEach((c, i) => {
    if (c.name === e.name && (e.table === undefined || c.qualifier === e.table)) matches.push(i);
  });
  const text = e.table === undefined ? e.name : `${e.table}.${e.name}`;
  if (matches.length === 0 && ctx.opaque) return error(text);
  if (matches.length === 0) {
    const qualifiers = new Set(ctx.columns.map((c) => c.qualifier).filter((q) => q !== undefined));
    const message =
      e.table !== undefined && !qualifiers.has(e.table)
        ? `unknown table or alias '${e.table}' in ${text} (known: ${[...qualifiers].join(', ') || 'none'})`
        : `unknown column '${text}' (columns in scope: ${ctx.columns.map((c) => c.name).join(', ')})`;
    ctx.problems.push({ ...e.pos, message });
    return error(text);
  }
  if (matches.length > 1) {
    ctx.problems.push({ ...e.pos, message: `column '${e.name}' is ambiguous: qualify it with one of ${matches.map((i) => ctx.columns[i].qualifier).join(', ')}` });
    return error(text);
  }
  const index = matches[0];
  const column = ctx.columns[index];
  return { type: column.type, eval: (r) => r[index], text, field: index, rowtime: column.rowtime };
}

function compileCall(e: Extract<Expr, { kind: 'call' }>, ctx: ExpressionContext): Compiled {
  const problem = (message: string) => ctx.problems.push({ ...e.pos, message });
  if (e.over !== undefined) {
    problem(`${e.name}() OVER (...) is supported only as a whole item of a select list`);
    return error(e.name);
  }
  if (isAggregateCall(e, ctx.functions)) {
    problem(`aggregate function ${e.name} is not allowed in ${ctx.clause}`);
    return error(e.name);
  }
  const args = e.args.map((a) => compileExpression(a, ctx));
  const text = `${e.name}(${args.map((a) => a.text).join(', ')})`;
  const udf = ctx.functions.get(e.name);
  if (udf !== undefined && udf.kind === 'scalar') return compileUserFunction(udf, args, text, e, ctx);
  const builtin = SCALAR_FUNCTIONS[e.name];
  if (builtin === undefined) {
    problem(`unknown function ${e.name}`);
    return error(text);
  }
  if (args.length < builtin.minArgs || args.length > builtin.maxArgs) {
    const expected = builtin.minArgs === builtin.maxArgs ? `${builtin.minArgs}` : `${builtin.minArgs} to ${builtin.maxArgs}`;
    problem(`${e.name} takes ${expected} argument(s), got ${args.length}`);
    return error(text);
  }
  const checked = args.some((a) => a.type === 'ANY') ? 'ANY' : builtin.check(args.map((a) => a.type));
  if (typeof checked === 'string' && !isTypeName(checked)) {
    problem(`${checked}; got ${e.name}(${args.map((a) => a.type).join(', ')})`);
    return error(text);
  }
  const apply = builtin.apply;
  const evalFn = builtin.nullable
    ? (r: Row) => apply(args.map((a) => a.eval(r)))
    : (r: Row) => {
        const values = new Array(args.length);
        for (let i = 0; i < args.length; i++) {
          const v = args[i].eval(r);
          if (v === null) return null;
          values[i] = v;
        }
        return apply(values);
      };
  return { type: checked as SqlType, eval: evalFn, text };
}

const TYPES = new Set<string>(['INT', 'BIGINT', 'DOUBLE', 'STRING', 'BOOLEAN', 'TIMESTAMP', 'DATE', 'INTERVAL', 'NULL', 'ANY']);
const isTypeName = (s: string): s is SqlType => TYPES.has(s);

function compileUserFunction(udf: ScalarFunction, args: Compiled[], text: string, e: Extract<Expr, { kind: 'call' }>, ctx: ExpressionContext): Compiled {
  if (udf.arity !== undefined && args.length !== udf.arity) ctx.problems.push({ ...e.pos, message: `${e.name} takes ${udf.arity} argument(s), got ${args.length}` });
  const fn = udf.evaluate;
  return { type: udf.resultType, eval: (r) => { const v = fn(...args.map((a) => a.eval(r))); return v === undefined ? null : v; }, text };
}
