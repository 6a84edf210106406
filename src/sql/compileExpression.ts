/**
 * Resolves an expression against the columns in scope and compiles it to a function of a row:
 * names are looked up, types checked, and every problem recorded with its position, so
 * planning goes on and reports them all. Rows are arrays; columns are read by index.
 */
import { Expr } from './ast';
import { SCALAR_FUNCTIONS, TIME_UNITS } from './scalarFunctions';
import { SqlPosition, SqlProblem } from './SqlProblem';
import { ScalarFunction, UserDefinedFunction } from './UserDefinedFunction';
import { Row, SqlType, commonType, formatValue, isBoolean, isIntegral, isNumeric, isString, isTemporal, parseTimestamp, typeFromName } from './types';

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

/** An interval literal in milliseconds, or a message saying why it is not one. */
export function intervalMillis(text: string, unit: string): number | string {
  const perUnit = INTERVAL_UNITS[unit.replace(/S$/, '')];
  if (perUnit === undefined) return `unsupported interval unit ${unit}: use ${Object.keys(INTERVAL_UNITS).join(', ')}`;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return `'${text}' is not a number of ${unit}`;
  return n * perUnit;
}

const error = (text: string): Compiled => ({ type: 'ANY', eval: () => null, text });

export function compileExpression(e: Expr, ctx: ExpressionContext): Compiled {
  const substituted = ctx.substitute?.(e);
  if (substituted !== undefined) return substituted;
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
      const ms = intervalMillis(e.text, e.unit);
      if (typeof ms === 'string') {
        problem(e.pos, ms);
        return error(e.text);
      }
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

const nullSafe2 = (a: Compiled, b: Compiled, f: (x: any, y: any) => unknown) => (r: Row) => {
  const x = a.eval(r);
  if (x === null) return null;
  const y = b.eval(r);
  return y === null ? null : f(x, y);
};

export function compileBinary(op: string, left: Compiled, right: Compiled, pos: SqlPosition, ctx: ExpressionContext): Compiled {
  const text = `(${left.text} ${op} ${right.text})`;
  const problem = (message: string) => ctx.problems.push({ ...pos, message });
  switch (op) {
    case 'AND':
    case 'OR': {
      if (!isBoolean(left.type) || !isBoolean(right.type)) problem(`${op} needs BOOLEAN operands but got ${left.type} ${op} ${right.type}`);
      // Three-valued logic: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE.
      const evalFn =
        op === 'AND'
          ? (r: Row) => { const x = left.eval(r); if (x === false) return false; const y = right.eval(r); if (y === false) return false; return x === null || y === null ? null : true; }
          : (r: Row) => { const x = left.eval(r); if (x === true) return true; const y = right.eval(r); if (y === true) return true; return x === null || y === null ? null : false; };
      return { type: 'BOOLEAN', eval: evalFn, text };
    }
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (commonType(left.type, right.type) === undefined) problem(`cannot compare ${left.text} (${left.type}) with ${right.text} (${right.type})`);
      const cmp: Record<string, (x: any, y: any) => boolean> = {
        '=': (x, y) => x === y,
        '<>': (x, y) => x !== y,
        '<': (x, y) => x < y,
        '<=': (x, y) => x <= y,
        '>': (x, y) => x > y,
        '>=': (x, y) => x >= y,
      };
      return { type: 'BOOLEAN', eval: nullSafe2(left, right, cmp[op]), text };
    }
    case '||':
      if (!isString(left.type) || !isString(right.type)) problem(`|| concatenates strings but got ${left.type} || ${right.type}: CAST to STRING first`);
      return { type: 'STRING', eval: nullSafe2(left, right, (x, y) => `${x}${y}`), text };
    case '+':
    case '-': {
      if ((isTemporal(left.type) && left.type !== 'NULL' && right.type === 'INTERVAL') || (op === '+' && left.type === 'INTERVAL' && isTemporal(right.type) && right.type !== 'NULL')) {
        const type = left.type === 'INTERVAL' ? right.type : left.type;
        return { type: type === 'DATE' ? 'TIMESTAMP' : type, eval: nullSafe2(left, right, op === '+' ? (x, y) => x + y : (x, y) => x - y), text, rowtime: false };
      }
      if (left.type === 'INTERVAL' && right.type === 'INTERVAL') {
        return { type: 'INTERVAL', eval: nullSafe2(left, right, op === '+' ? (x, y) => x + y : (x, y) => x - y), text };
      }
      if (!isNumeric(left.type) || !isNumeric(right.type)) problem(`${op} needs numbers (or a TIMESTAMP and an INTERVAL) but got ${left.type} ${op} ${right.type}`);
      return { type: numericResult(left.type, right.type), eval: nullSafe2(left, right, op === '+' ? (x, y) => x + y : (x, y) => x - y), text };
    }
    case '*':
    case '/':
    case '%': {
      if (!isNumeric(left.type) || !isNumeric(right.type)) problem(`${op} needs numbers but got ${left.type} ${op} ${right.type}`);
      const type = numericResult(left.type, right.type);
      const integral = isIntegral(type);
      const f =
        op === '*'
          ? (x: number, y: number) => x * y
          : op === '%'
            ? (x: number, y: number) => (y === 0 ? null : x % y)
            : integral
              ? (x: number, y: number) => (y === 0 ? null : Math.trunc(x / y))
              : (x: number, y: number) => (y === 0 ? null : x / y);
      return { type, eval: nullSafe2(left, right, f), text };
    }
    default:
      problem(`unknown operator ${op}`);
      return error(text);
  }
}

function numericResult(a: SqlType, b: SqlType): SqlType {
  if (a === 'ANY' || b === 'ANY') return 'ANY';
  if (a === 'DOUBLE' || b === 'DOUBLE') return 'DOUBLE';
  if (a === 'BIGINT' || b === 'BIGINT') return 'BIGINT';
  if (a === 'NULL' && b === 'NULL') return 'INT';
  return 'INT';
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

function compileCast(arg: Compiled, e: Extract<Expr, { kind: 'cast' }>, ctx: ExpressionContext): Compiled {
  const target = typeFromName(e.type);
  const text = `CAST(${arg.text} AS ${e.type.name})`;
  if (target === undefined) {
    ctx.problems.push({ ...e.type.pos, message: `unknown type ${e.type.name}` });
    return error(text);
  }
  const from = arg.type;
  let convert: ((v: any) => unknown) | undefined;
  if (target === 'STRING') convert = (v) => formatValue(v, from);
  else if (target === 'INT' || target === 'BIGINT') {
    if (isNumeric(from)) convert = (v) => Math.trunc(v);
    else if (from === 'STRING') convert = (v: string) => { const n = Number(v.trim()); return v.trim() === '' || !Number.isInteger(n) ? null : n; };
    else if (from === 'BOOLEAN') convert = (v) => (v ? 1 : 0);
  } else if (target === 'DOUBLE') {
    if (isNumeric(from)) convert = (v) => v;
    else if (from === 'STRING') convert = (v: string) => { const n = Number(v.trim()); return v.trim() === '' || Number.isNaN(n) ? null : n; };
  } else if (target === 'BOOLEAN') {
    if (from === 'BOOLEAN') convert = (v) => v;
    else if (from === 'STRING') convert = (v: string) => (/^true$/i.test(v.trim()) ? true : /^false$/i.test(v.trim()) ? false : null);
    else if (isNumeric(from)) convert = (v) => v !== 0;
  } else if (target === 'TIMESTAMP' || target === 'DATE') {
    const day = 86_400_000;
    const truncate = target === 'DATE' ? (ms: number) => ms - (((ms % day) + day) % day) : (ms: number) => ms;
    if (from === 'STRING') convert = (v: string) => { const ms = parseTimestamp(v); return ms === null ? null : truncate(ms); };
    else if (isTemporal(from)) convert = truncate;
  }
  if (from === 'ANY' || from === 'NULL') convert = convert ?? ((v) => v);
  if (convert === undefined) {
    ctx.problems.push({ ...e.pos, message: `cannot CAST ${from} to ${target}` });
    return error(text);
  }
  const c = convert;
  // A cast keeps a time attribute only when nothing changes (TIMESTAMP to TIMESTAMP).
  return { type: target, eval: (r) => { const v = arg.eval(r); return v === null ? null : c(v); }, text, rowtime: arg.rowtime && target === 'TIMESTAMP' && from === 'TIMESTAMP' ? true : undefined, field: target === from ? arg.field : undefined };
}
