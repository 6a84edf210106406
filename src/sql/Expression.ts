/**
 * Expressions of the fluent Table API, with Flink's Java names: `$('a')` names a column,
 * `lit(1)` is a literal, and methods combine them: `$('b').plus(1).as('c')`,
 * `$('a').isGreater(3).and($('k').isNotNull())`, `$('price').sum().as('total')`,
 * `lit(10).seconds()` (an interval). An Expression is only a description: a Table call turns
 * it into the AST the SQL parser would build for the same SQL (`b + 1 AS c`, `a > 3 AND k IS
 * NOT NULL`, `SUM(price) AS total`, `INTERVAL '10' SECOND`), which the SQL planner checks and
 * plans. Its `text` is how it was written, which a refusal quotes.
 *
 * Above ~300 lines: one short method per name of Flink's Expression, grouped as Flink's
 * documentation groups them; the class is the one concept, and the building of each AST node
 * stays next to the name that makes it.
 */
import { Expr, OverWindow, TypeName } from './ast';
import { SqlPosition } from './SqlProblem';

/** @internal What a Table call gives an Expression to build its AST: positions, problems, the call's window. */
export interface ExpressionScope {
  /** A position standing for the expression written as `text` in the current call. */
  at(text: string): SqlPosition;
  problem(pos: SqlPosition, message: string): void;
  /** The alias of the call's `window(...)`, which `$(alias).start()`, `.end()` and `.rowtime()` read. */
  readonly windowAlias?: string;
  /** The OVER window of the call's `window(Over...as(alias))` named `alias`, if there is one. */
  readonly overWindow?: (alias: string) => OverWindow | undefined;
}

/** Where an Expression may be written: a literal or another Expression. */
export type Operand = Expression | number | string | boolean | null;

type Make = (scope: ExpressionScope, pos: SqlPosition) => Expr;

interface Traits {
  /** `.as(name)`: names a select item. */
  readonly alias?: string;
  /** `.asc()` / `.desc()`: an orderBy key. */
  readonly order?: 'ASC' | 'DESC';
  /** `$(name)`, unchanged. */
  readonly column?: string;
  /** `$('*')`. */
  readonly star?: boolean;
  /** `lit(value)`. */
  readonly literal?: { readonly value: number | string | boolean | null };
  /** An aggregate call (`sum()`, ...), which `distinct()` applies to. */
  readonly aggregate?: { readonly name: string; readonly arg: Expression; readonly distinct: boolean };
}

export class Expression {
  /** @internal */
  constructor(
    /** The expression as written in the Table API, e.g. `$('b').plus(1)`. */
    readonly text: string,
    private readonly make: Make,
    /** @internal */
    readonly traits: Traits = {},
  ) {}

  /** @internal The AST of this expression as an operand or a value: an alias, an order or `*` here is a problem. */
  toAst(scope: ExpressionScope, where: string = 'an operand'): Expr {
    const pos = scope.at(this.text);
    if (this.traits.alias !== undefined) scope.problem(pos, `as('${this.traits.alias}') names a whole select item; it cannot be ${where}`);
    if (this.traits.order !== undefined) scope.problem(pos, `${this.traits.order === 'ASC' ? 'asc' : 'desc'}() is only for orderBy(...)`);
    if (this.traits.star) scope.problem(pos, `$('*') stands for all columns: it is only a select item (or count()'s argument)`);
    return this.make(scope, pos);
  }

  /** @internal The AST of this expression without its alias or order (read by the caller from `traits`). */
  bareAst(scope: ExpressionScope): Expr {
    const { alias: _alias, order: _order, ...rest } = this.traits;
    return new Expression(this.text, this.make, rest).toAst(scope, 'here');
  }

  // --- naming and ordering

  /** Names a select item: `$('b').plus(1).as('c')` is `b + 1 AS c`. */
  as(name: string): Expression {
    return new Expression(`${this.text}.as(${quote(name)})`, this.make, { ...this.traits, alias: name });
  }

  /** An ascending key of orderBy(...). */
  asc(): Expression {
    return new Expression(`${this.text}.asc()`, this.make, { ...this.traits, order: 'ASC' });
  }

  /** A descending key of orderBy(...). */
  desc(): Expression {
    return new Expression(`${this.text}.desc()`, this.make, { ...this.traits, order: 'DESC' });
  }

  // --- arithmetic

  plus(other: Operand): Expression {
    return this.binary('plus', '+', other);
  }
  minus(other: Operand): Expression {
    return this.binary('minus', '-', other);
  }
  times(other: Operand): Expression {
    return this.binary('times', '*', other);
  }
  dividedBy(other: Operand): Expression {
    return this.binary('dividedBy', '/', other);
  }
  mod(other: Operand): Expression {
    return this.binary('mod', '%', other);
  }
  abs(): Expression {
    return this.fn('abs', 'ABS');
  }
  floor(): Expression {
    return this.fn('floor', 'FLOOR');
  }
  ceil(): Expression {
    return this.fn('ceil', 'CEIL');
  }
  sqrt(): Expression {
    return this.fn('sqrt', 'SQRT');
  }
  power(exponent: Operand): Expression {
    return this.fn('power', 'POWER', exponent);
  }
  round(places: Operand = 0): Expression {
    return this.fn('round', 'ROUND', places);
  }

  // --- comparison and logic

  isEqual(other: Operand): Expression {
    return this.binary('isEqual', '=', other);
  }
  isNotEqual(other: Operand): Expression {
    return this.binary('isNotEqual', '<>', other);
  }
  isGreater(other: Operand): Expression {
    return this.binary('isGreater', '>', other);
  }
  isGreaterOrEqual(other: Operand): Expression {
    return this.binary('isGreaterOrEqual', '>=', other);
  }
  isLess(other: Operand): Expression {
    return this.binary('isLess', '<', other);
  }
  isLessOrEqual(other: Operand): Expression {
    return this.binary('isLessOrEqual', '<=', other);
  }
  and(...others: Operand[]): Expression {
    return others.reduce<Expression>((acc, o) => acc.binary('and', 'AND', o), this);
  }
  or(...others: Operand[]): Expression {
    return others.reduce<Expression>((acc, o) => acc.binary('or', 'OR', o), this);
  }
  not(): Expression {
    return new Expression(`${this.text}.not()`, (s, pos) => ({ kind: 'unary', op: 'NOT', arg: this.toAst(s), pos }));
  }
  isNull(): Expression {
    return new Expression(`${this.text}.isNull()`, (s, pos) => ({ kind: 'isNull', arg: this.toAst(s), negated: false, pos }));
  }
  isNotNull(): Expression {
    return new Expression(`${this.text}.isNotNull()`, (s, pos) => ({ kind: 'isNull', arg: this.toAst(s), negated: true, pos }));
  }
  between(low: Operand, high: Operand): Expression {
    return this.range('between', false, low, high);
  }
  notBetween(low: Operand, high: Operand): Expression {
    return this.range('notBetween', true, low, high);
  }
  in(...values: Operand[]): Expression {
    const list = values.map(operand);
    return new Expression(`${this.text}.in(${list.map((v) => v.text).join(', ')})`, (s, pos) => ({ kind: 'in', arg: this.toAst(s), list: list.map((v) => v.toAst(s)), negated: false, pos }));
  }
  like(pattern: Operand): Expression {
    const p = operand(pattern);
    return new Expression(`${this.text}.like(${p.text})`, (s, pos) => ({ kind: 'like', arg: this.toAst(s), pattern: p.toAst(s), negated: false, pos }));
  }
  /** CASE WHEN this THEN ifTrue ELSE ifFalse END. */
  ifThenElse(ifTrue: Operand, ifFalse: Operand): Expression {
    const [t, f] = [operand(ifTrue), operand(ifFalse)];
    return new Expression(`${this.text}.ifThenElse(${t.text}, ${f.text})`, (s, pos) => ({ kind: 'case', whens: [{ when: this.toAst(s), then: t.toAst(s) }], otherwise: f.toAst(s), pos }));
  }

  // --- strings and types

  upperCase(): Expression {
    return this.fn('upperCase', 'UPPER');
  }
  lowerCase(): Expression {
    return this.fn('lowerCase', 'LOWER');
  }
  trim(): Expression {
    return this.fn('trim', 'TRIM');
  }
  charLength(): Expression {
    return this.fn('charLength', 'CHAR_LENGTH');
  }
  /** SQL's SUBSTRING: `begin` counts from 1. */
  substring(begin: Operand, length?: Operand): Expression {
    return length === undefined ? this.fn('substring', 'SUBSTRING', begin) : this.fn('substring', 'SUBSTRING', begin, length);
  }
  concat(...others: Operand[]): Expression {
    return this.fn('concat', 'CONCAT', ...others);
  }
  /** CAST(this AS type): a SQL type name, e.g. 'BIGINT', 'STRING', 'TIMESTAMP(3)'. */
  cast(type: string): Expression {
    const parsed = /^\s*([A-Za-z]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(type);
    return new Expression(`${this.text}.cast(${quote(type)})`, (s, pos) => {
      const arg = this.toAst(s);
      if (parsed === null) s.problem(pos, `cast(${quote(type)}): not a type name such as 'BIGINT' or 'TIMESTAMP(3)'`);
      const name: TypeName = { name: (parsed?.[1] ?? 'ANY').toUpperCase(), args: [parsed?.[2], parsed?.[3]].filter((a): a is string => a !== undefined).map(Number), pos };
      return { kind: 'cast', arg, type: name, pos };
    });
  }

  // --- intervals (of a numeric literal: lit(10).seconds())

  millis(): Expression {
    return this.interval('millis', 'MILLISECOND');
  }
  seconds(): Expression {
    return this.interval('seconds', 'SECOND');
  }
  minutes(): Expression {
    return this.interval('minutes', 'MINUTE');
  }
  hours(): Expression {
    return this.interval('hours', 'HOUR');
  }
  days(): Expression {
    return this.interval('days', 'DAY');
  }

  // --- aggregates (in groupBy(...).select(...), or a select over the whole table)

  sum(): Expression {
    return this.aggregate('sum', 'SUM');
  }
  count(): Expression {
    return this.aggregate('count', 'COUNT');
  }
  avg(): Expression {
    return this.aggregate('avg', 'AVG');
  }
  min(): Expression {
    return this.aggregate('min', 'MIN');
  }
  max(): Expression {
    return this.aggregate('max', 'MAX');
  }
  /** Of an aggregate: over distinct values only, `$('a').count().distinct()` is COUNT(DISTINCT a). */
  distinct(): Expression {
    const agg = this.traits.aggregate;
    if (agg === undefined) {
      return new Expression(`${this.text}.distinct()`, (s, pos) => {
        s.problem(pos, 'distinct() applies to an aggregate, as in $(\'a\').count().distinct(); for distinct rows use table.distinct()');
        return this.toAst(s);
      });
    }
    return aggregateOf(`${this.text}.distinct()`, agg.name, agg.arg, true);
  }

  /** Of an aggregate: over the over window `$('o')` of `window(Over...as('o'))`, `$('v').sum().over($('o'))`. */
  over(window: Expression): Expression {
    return new Expression(`${this.text}.over(${window.text})`, (s, pos) => {
      const call = this.toAst(s);
      const alias = window.traits.column;
      const over = alias === undefined ? undefined : s.overWindow?.(alias);
      if (over === undefined) {
        s.problem(pos, `over(${window.text}) reads an over window of this call's window(Over...as(alias)), as $(alias): ${s.overWindow === undefined ? 'there is none' : 'not this one'}`);
        // Not the aggregate alone, which would make the select an aggregation and refuse it again for that.
        return { kind: 'literal', value: null, pos };
      }
      if (call.kind !== 'call' || this.traits.aggregate === undefined) {
        s.problem(pos, `over(...) applies to an aggregate, as in $('v').sum().over($('o'))`);
        return call;
      }
      return { ...call, over };
    });
  }

  // --- the window of window(...).as('w'), in its groupBy(...).select(...)

  /** The start of the window `$('w')` (window_start). */
  start(): Expression {
    return this.windowProperty('start', 'window_start');
  }
  /** The end of the window `$('w')` (window_end, exclusive). */
  end(): Expression {
    return this.windowProperty('end', 'window_end');
  }
  /** The time attribute of the window `$('w')` (window_time = end - 1 ms), for a later window. */
  rowtime(): Expression {
    return this.windowProperty('rowtime', 'window_time');
  }

  private binary(method: string, op: string, other: Operand): Expression {
    const right = operand(other);
    return new Expression(`${this.text}.${method}(${right.text})`, (s, pos) => ({ kind: 'binary', op, left: this.toAst(s), right: right.toAst(s), pos }));
  }

  private fn(method: string, name: string, ...args: Operand[]): Expression {
    const rest = args.map(operand);
    return new Expression(`${this.text}.${method}(${rest.map((a) => a.text).join(', ')})`, (s, pos) => ({
      kind: 'call',
      name,
      args: [this.toAst(s), ...rest.map((a) => a.toAst(s))],
      distinct: false,
      star: false,
      pos,
    }));
  }

  private range(method: string, negated: boolean, low: Operand, high: Operand): Expression {
    const [l, h] = [operand(low), operand(high)];
    return new Expression(`${this.text}.${method}(${l.text}, ${h.text})`, (s, pos) => ({ kind: 'between', arg: this.toAst(s), low: l.toAst(s), high: h.toAst(s), negated, pos }));
  }

  private interval(method: string, unit: string): Expression {
    return new Expression(`${this.text}.${method}()`, (s, pos) => {
      const value = this.traits.literal?.value;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        s.problem(pos, `${method}() makes an interval of a number literal, as in lit(10).${method}()`);
        // A stand-in interval, so that the (refused) call is not refused twice for it.
        return { kind: 'interval', text: '1', unit, pos };
      }
      return { kind: 'interval', text: String(value), unit, pos };
    });
  }

  private aggregate(method: string, name: string): Expression {
    return aggregateOf(`${this.text}.${method}()`, name, this, false);
  }

  private windowProperty(method: string, column: string): Expression {
    return new Expression(`${this.text}.${method}()`, (s, pos) => {
      const alias = this.traits.column;
      if (alias === undefined || alias !== s.windowAlias) {
        const known = s.windowAlias === undefined ? 'there is no window(...) in this call' : `the window is $(${quote(s.windowAlias)})`;
        s.problem(pos, `${method}() reads the window of window(...).as(alias), written $(alias).${method}(): ${known}`);
        return { kind: 'literal', value: null, pos };
      }
      return { kind: 'column', name: column, pos };
    });
  }
}

function aggregateOf(text: string, name: string, arg: Expression, distinct: boolean): Expression {
  return new Expression(
    text,
    (s, pos) => {
      // COUNT(*): $('*').count()
      if (arg.traits.star && name === 'COUNT' && arg.traits.alias === undefined) return { kind: 'call', name, args: [], distinct, star: true, pos };
      return { kind: 'call', name, args: [arg.toAst(s)], distinct, star: false, pos };
    },
    { aggregate: { name, arg, distinct } },
  );
}

/** A column of the table: `$('price')`; `$('*')` is all of them, as a select item. */
export function $(name: string): Expression {
  if (name === '*') return new Expression(`$('*')`, (_s, pos) => ({ kind: 'literal', value: null, pos }), { star: true });
  return new Expression(`$(${quote(name)})`, (s, pos) => {
    if (name !== s.windowAlias) return { kind: 'column', name, pos };
    s.problem(pos, `$(${quote(name)}) is the window: read it with $(${quote(name)}).start(), .end() or .rowtime()`);
    return { kind: 'literal', value: null, pos };
  }, { column: name });
}

/** A literal value: `lit(10)`, `lit('EUR')`, `lit(true)`, `lit(null)`; `lit(10).seconds()` is an interval. */
export function lit(value: number | string | boolean | null): Expression {
  return literal(`lit(${render(value)})`, value);
}

function literal(text: string, value: number | string | boolean | null): Expression {
  return new Expression(text, (s, pos) => {
    if (typeof value === 'number' && !Number.isFinite(value)) s.problem(pos, `${value}: a number literal must be finite`);
    return { kind: 'literal', value, pos };
  }, { literal: { value } });
}

/** A function by name: a built-in scalar function or one registered with createTemporarySystemFunction. */
export function call(name: string, ...args: Operand[]): Expression {
  const list = args.map(operand);
  return new Expression(`call(${quote(name)}${list.map((a) => `, ${a.text}`).join('')})`, (s, pos) => ({
    kind: 'call',
    name: name.toUpperCase(),
    args: list.map((a) => a.toAst(s)),
    distinct: false,
    star: false,
    pos,
  }));
}

/** All of the conditions: `and(a, b, c)`. */
export function and(first: Operand, ...rest: Operand[]): Expression {
  return operand(first).and(...rest);
}

/** Any of the conditions: `or(a, b, c)`. */
export function or(first: Operand, ...rest: Operand[]): Expression {
  return operand(first).or(...rest);
}

/** CASE WHEN condition THEN ifTrue ELSE ifFalse END. */
export function ifThenElse(condition: Operand, ifTrue: Operand, ifFalse: Operand): Expression {
  return operand(condition).ifThenElse(ifTrue, ifFalse);
}

/** @internal An operand as an Expression: a plain value is a literal. */
export function operand(o: Operand): Expression {
  // A plain value reads as written, `$('b').plus(1)`, not `$('b').plus(lit(1))`.
  return o instanceof Expression ? o : literal(render(o), o);
}

function render(value: number | string | boolean | null): string {
  return typeof value === 'string' ? quote(value) : String(value);
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
