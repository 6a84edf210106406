/**
 * The binary operators (AND, OR, comparisons, ||, arithmetic) and CAST over operands already
 * compiled by compileExpression.ts: their type rules, and the functions of a row they compile
 * to (NULL in, NULL out, except AND and OR's three-valued logic).
 */
import type { Expr } from './ast';
import type { Compiled, ExpressionContext } from './compileExpression';
import { SqlPosition } from './SqlProblem';
import { Row, SqlType, commonType, formatValue, isBoolean, isIntegral, isNumeric, isString, isTemporal, parseTimestamp, typeFromName } from './types';

/** What a refused operation compiles to, so planning goes on: any type, NULL. */
const error = (text: string): Compiled => ({ type: 'ANY', eval: () => null, text });

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

export function compileCast(arg: Compiled, e: Extract<Expr, { kind: 'cast' }>, ctx: ExpressionContext): Compiled {
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
