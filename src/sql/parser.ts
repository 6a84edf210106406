/**
 * A recursive-descent parser for the Flink SQL that Sluice runs: CREATE TABLE (computed
 * columns, WATERMARK, WITH options), CREATE VIEW, INSERT INTO, EXPLAIN, and queries with
 * window table functions, joins, GROUP BY, OVER and UNION ALL. A syntax error names what
 * was expected and where; parsing stops at the first one (what follows cannot be trusted).
 *
 * Why not a parser package: dt-sql-parser 4.5.1 (the FlinkSQL ANTLR grammar) does not load
 * under Node 20 from CommonJS (its ESM build imports directories: ERR_UNSUPPORTED_DIR_IMPORT)
 * and brings 24 MB of ANTLR runtime, giving a parse tree that still needs a visitor as large
 * as this file; node-sql-parser rejects HOP and WATERMARK. Revisit when a FlinkSQL grammar
 * loads from CommonJS.
 */
import { ColumnDefinition, Expr, FromItem, OrderItem, Query, Select, SelectItem, Statement, TypeName, WindowFunctionName } from './ast';
import { Token, tokenize } from './lexer';
import { SqlPosition, SqlProblem } from './SqlProblem';

class SyntaxFailure {
  constructor(readonly problem: SqlProblem) {}
}

/** Words that end an expression or a FROM item, so they are never read as an alias. */
const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'UNION', 'JOIN', 'ON', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'AS', 'ORDER',
  'LIMIT', 'WITH', 'AND', 'OR', 'NOT', 'BY', 'WHEN', 'THEN', 'ELSE', 'END', 'IS', 'IN', 'BETWEEN', 'LIKE', 'OVER', 'PARTITION',
  'CASE', 'CAST', 'INTERVAL', 'TABLE', 'DESCRIPTOR', 'NULL', 'TRUE', 'FALSE', 'ALL', 'DISTINCT', 'INSERT', 'INTO', 'CREATE', 'VIEW',
  'WATERMARK', 'FOR', 'EXPLAIN', 'ASC', 'DESC',
]);

const WINDOW_FUNCTIONS: readonly WindowFunctionName[] = ['TUMBLE', 'HOP', 'CUMULATE', 'SESSION'];

export type ParseResult = { readonly ok: true; readonly statement: Statement } | { readonly ok: false; readonly problems: readonly SqlProblem[] };

/** Parses one statement (a trailing `;` is allowed). */
export function parseStatement(sql: string): ParseResult {
  const { tokens, problems } = tokenize(sql);
  if (problems.length > 0) return { ok: false, problems };
  const parser = new Parser(tokens);
  try {
    const statement = parser.statement();
    parser.accept(';');
    parser.expectEnd();
    return { ok: true, statement };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, problems: [e.problem] };
    throw e;
  }
}

/** Parses a column list as in CREATE TABLE, without the parentheses (fromDataStream's schema). */
export function parseColumnList(text: string): { ok: true; columns: readonly ColumnDefinition[]; watermark?: { column: string; expr: Expr; pos: SqlPosition } } | { ok: false; problems: readonly SqlProblem[] } {
  const { tokens, problems } = tokenize(text);
  if (problems.length > 0) return { ok: false, problems };
  const parser = new Parser(tokens);
  try {
    const result = parser.columnList();
    parser.expectEnd();
    return { ok: true, ...result };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, problems: [e.problem] };
    throw e;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private get peek(): Token {
    return this.tokens[this.i];
  }
  private peekAt(n: number): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== 'end') this.i++;
    return t;
  }
  private is(word: string, t: Token = this.peek): boolean {
    return (t.kind === 'word' || t.kind === 'symbol') && t.upper === word;
  }
  accept(word: string): boolean {
    if (!this.is(word)) return false;
    this.next();
    return true;
  }
  private fail(message: string, at: Token = this.peek): never {
    throw new SyntaxFailure({ line: at.line, column: at.column, message });
  }
  private describe(t: Token): string {
    return t.kind === 'end' ? 'the end of the statement' : t.kind === 'string' ? `'${t.text}'` : `'${t.text}'`;
  }
  private expect(word: string): Token {
    if (!this.is(word)) this.fail(`expected ${word} but found ${this.describe(this.peek)}`);
    return this.next();
  }
  expectEnd(): void {
    if (this.peek.kind !== 'end') this.fail(`unexpected ${this.describe(this.peek)} after the end of the statement`);
  }
  private identifier(what: string): Token {
    const t = this.peek;
    if (t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(t.upper))) return this.next();
    return this.fail(`expected ${what} but found ${this.describe(t)}`);
  }
  /** Items separated by commas. */
  private commaList<T>(item: () => T): T[] {
    const items: T[] = [];
    do items.push(item());
    while (this.accept(','));
    return items;
  }
  /** Dotted names (catalog.db.table) are accepted; the last part names the table. */
  private qualifiedName(what: string): Token {
    let t = this.identifier(what);
    while (this.accept('.')) t = this.identifier(what);
    return t;
  }
  private string(what: string): Token {
    if (this.peek.kind !== 'string') this.fail(`expected ${what} (a quoted string) but found ${this.describe(this.peek)}`);
    return this.next();
  }

  statement(): Statement {
    const start = this.peek;
    const pos = { line: start.line, column: start.column };
    if (this.accept('EXPLAIN')) {
      if (this.accept('PLAN')) this.expect('FOR');
      return { kind: 'explain', statement: this.statement(), pos };
    }
    if (this.accept('CREATE')) {
      this.accept('TEMPORARY');
      if (this.accept('TABLE')) return this.createTable(pos);
      if (this.accept('VIEW')) {
        const name = this.qualifiedName('a view name').text;
        this.expect('AS');
        return { kind: 'createView', name, query: this.query(), pos };
      }
      return this.fail(`expected TABLE or VIEW after CREATE but found ${this.describe(this.peek)}`);
    }
    if (this.accept('INSERT')) {
      this.expect('INTO');
      const table = this.qualifiedName('a table name').text;
      return { kind: 'insert', table, query: this.query(), pos };
    }
    if (this.is('SELECT') || this.is('(')) return { kind: 'query', query: this.query(), pos };
    return this.fail(`expected a statement (SELECT, INSERT INTO, CREATE TABLE, CREATE VIEW, EXPLAIN) but found ${this.describe(start)}`);
  }

  private createTable(pos: SqlPosition): Statement {
    const name = this.qualifiedName('a table name').text;
    this.expect('(');
    const { columns, watermark } = this.columnList();
    this.expect(')');
    const options = new Map<string, { value: string; pos: SqlPosition }>();
    if (this.accept('WITH')) {
      this.expect('(');
      do {
        const key = this.string('an option name');
        this.expect('=');
        const value = this.string('an option value');
        if (options.has(key.text)) this.fail(`option '${key.text}' is given twice`, key);
        options.set(key.text, { value: value.text, pos: { line: key.line, column: key.column } });
      } while (this.accept(','));
      this.expect(')');
    }
    return { kind: 'createTable', name, columns, watermark, options, pos };
  }

  columnList(): { columns: ColumnDefinition[]; watermark?: { column: string; expr: Expr; pos: SqlPosition } } {
    const columns: ColumnDefinition[] = [];
    let watermark: { column: string; expr: Expr; pos: SqlPosition } | undefined;
    do {
      const start = this.peek;
      if (this.accept('WATERMARK')) {
        this.expect('FOR');
        const column = this.identifier('the time column of the watermark').text;
        this.expect('AS');
        if (watermark !== undefined) this.fail('a table has at most one WATERMARK', start);
        watermark = { column, expr: this.expr(), pos: { line: start.line, column: start.column } };
        continue;
      }
      if (this.is('PRIMARY')) this.fail('PRIMARY KEY is not supported');
      const name = this.identifier('a column name');
      const pos = { line: name.line, column: name.column };
      if (this.accept('AS')) columns.push({ name: name.text, pos, computed: this.expr() });
      else columns.push({ name: name.text, pos, type: this.typeName() });
    } while (this.accept(','));
    return { columns, watermark };
  }

  private typeName(): TypeName {
    const t = this.peek;
    if (t.kind !== 'word') this.fail(`expected a type but found ${this.describe(t)}`);
    this.next();
    let name = t.upper;
    if (name === 'DOUBLE') this.accept('PRECISION');
    const args: number[] = [];
    if (this.accept('(')) {
      do {
        const n = this.next();
        if (n.kind !== 'number') this.fail(`expected a number in the type's parentheses but found ${this.describe(n)}`, n);
        args.push(Number(n.text));
      } while (this.accept(','));
      this.expect(')');
    }
    if (name === 'TIMESTAMP' && this.is('WITH')) this.fail('TIMESTAMP WITH TIME ZONE is not supported: use TIMESTAMP_LTZ or TIMESTAMP');
    if (name === 'CHARACTER' && this.accept('VARYING')) name = 'VARCHAR';
    return { name, args, pos: { line: t.line, column: t.column } };
  }

  query(): Query {
    const first = this.queryTerm();
    if (!this.is('UNION')) return first;
    const inputs: Query[] = [first];
    while (this.is('UNION')) {
      const union = this.next();
      if (!this.accept('ALL')) this.fail('only UNION ALL is supported (UNION without ALL would remove duplicates)', union);
      inputs.push(this.queryTerm());
    }
    return { kind: 'unionAll', inputs, pos: first.pos };
  }

  private queryTerm(): Query {
    if (this.accept('(')) {
      const q = this.query();
      this.expect(')');
      return q;
    }
    return this.select();
  }

  private select(): Select {
    const start = this.expect('SELECT');
    const distinct = this.accept('DISTINCT');
    if (!distinct) this.accept('ALL');
    const items: SelectItem[] = this.commaList(() => this.selectItem());
    this.expect('FROM');
    const from = this.fromItem();
    const where = this.accept('WHERE') ? this.expr() : undefined;
    let groupBy: Expr[] = [];
    if (this.accept('GROUP')) {
      this.expect('BY');
      groupBy = this.commaList(() => this.expr());
    }
    const having = this.accept('HAVING') ? this.expr() : undefined;
    if (this.is('ORDER')) this.fail('ORDER BY is supported only inside OVER (...) for Top-N; a stream has no final order');
    if (this.is('LIMIT')) this.fail('LIMIT is not supported: use ROW_NUMBER() OVER (...) with a filter for Top-N');
    return { kind: 'select', distinct, items, from, where, groupBy, having, pos: { line: start.line, column: start.column } };
  }

  private selectItem(): SelectItem {
    const t = this.peek;
    const pos = { line: t.line, column: t.column };
    if (this.accept('*')) return { expr: { kind: 'star', pos } };
    if ((t.kind === 'word' || t.kind === 'quoted') && this.is('.', this.peekAt(1)) && this.is('*', this.peekAt(2))) {
      this.i += 3;
      return { expr: { kind: 'star', table: t.text, pos } };
    }
    const expr = this.expr();
    return { expr, alias: this.alias() };
  }

  private alias(): string | undefined {
    if (this.accept('AS')) return this.identifier('an alias').text;
    const t = this.peek;
    if (t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(t.upper))) return this.next().text;
    return undefined;
  }

  private fromItem(): FromItem {
    let left = this.fromPrimary();
    for (;;) {
      const t = this.peek;
      let joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | undefined;
      if (this.accept('JOIN')) joinType = 'INNER';
      else if (this.is('INNER') || this.is('LEFT') || this.is('RIGHT') || this.is('FULL')) {
        joinType = this.next().upper as 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
        this.accept('OUTER');
        this.expect('JOIN');
      } else if (this.is(',')) {
        this.fail('comma joins are not supported: write JOIN ... ON ...');
      }
      if (joinType === undefined) return left;
      const right = this.fromPrimary();
      this.expect('ON');
      left = { kind: 'join', joinType, left, right, on: this.expr(), pos: { line: t.line, column: t.column } };
    }
  }

  private fromPrimary(): FromItem {
    const t = this.peek;
    const pos = { line: t.line, column: t.column };
    if (this.accept('TABLE')) {
      this.expect('(');
      const fnToken = this.next();
      const fn = fnToken.upper as WindowFunctionName;
      if (fnToken.kind !== 'word' || !WINDOW_FUNCTIONS.includes(fn)) {
        this.fail(`expected a window function (TUMBLE, HOP, CUMULATE, SESSION) but found ${this.describe(fnToken)}`, fnToken);
      }
      this.expect('(');
      const input = this.tvfInput();
      let partitionBy: Expr[] = [];
      if (this.accept('PARTITION')) {
        // One column, or several in parentheses: a comma here already separates arguments.
        this.expect('BY');
        if (this.accept('(')) {
          partitionBy = this.commaList(() => this.expr());
          this.expect(')');
        } else partitionBy = [this.expr()];
      }
      this.expect(',');
      this.expect('DESCRIPTOR');
      this.expect('(');
      const timeColumn = this.expr();
      this.expect(')');
      const args: Expr[] = [];
      while (this.accept(',')) args.push(this.expr());
      this.expect(')');
      this.expect(')');
      return { kind: 'windowTvf', fn, input, partitionBy, timeColumn, args, alias: this.alias(), pos };
    }
    if (this.accept('(')) {
      const query = this.query();
      this.expect(')');
      return { kind: 'subquery', query, alias: this.alias(), pos };
    }
    const name = this.qualifiedName('a table name');
    return { kind: 'table', name: name.text, alias: this.alias(), pos: { line: name.line, column: name.column } };
  }

  /** `TABLE t` or `TABLE (subquery)` as a window function's first argument. */
  private tvfInput(): FromItem {
    this.expect('TABLE');
    const t = this.peek;
    if (this.accept('(')) {
      const query = this.query();
      this.expect(')');
      return { kind: 'subquery', query, pos: { line: t.line, column: t.column } };
    }
    const name = this.qualifiedName('a table name');
    return { kind: 'table', name: name.text, pos: { line: name.line, column: name.column } };
  }

  expr(): Expr {
    return this.or();
  }
  /** One precedence level of left-associative binary operators. */
  private leftAssociative(ops: readonly string[], operand: () => Expr): Expr {
    let left = operand();
    while (ops.some((op) => this.is(op))) {
      const t = this.next();
      left = { kind: 'binary', op: t.upper, left, right: operand(), pos: { line: t.line, column: t.column } };
    }
    return left;
  }
  private or(): Expr {
    return this.leftAssociative(['OR'], () => this.and());
  }
  private and(): Expr {
    return this.leftAssociative(['AND'], () => this.not());
  }
  private not(): Expr {
    if (this.is('NOT')) {
      const t = this.next();
      return { kind: 'unary', op: 'NOT', arg: this.not(), pos: { line: t.line, column: t.column } };
    }
    return this.comparison();
  }
  private comparison(): Expr {
    const left = this.additive();
    const t = this.peek;
    const pos = { line: t.line, column: t.column };
    if (t.kind === 'symbol' && ['=', '<>', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.next();
      return { kind: 'binary', op: t.text === '!=' ? '<>' : t.text, left, right: this.additive(), pos };
    }
    if (this.accept('IS')) {
      const negated = this.accept('NOT');
      this.expect('NULL');
      return { kind: 'isNull', arg: left, negated, pos };
    }
    const negated = this.is('NOT') && ['BETWEEN', 'IN', 'LIKE'].includes(this.peekAt(1).upper) ? (this.next(), true) : false;
    if (this.accept('BETWEEN')) {
      const low = this.additive();
      this.expect('AND');
      return { kind: 'between', arg: left, low, high: this.additive(), negated, pos };
    }
    if (this.accept('IN')) {
      this.expect('(');
      const list = this.commaList(() => this.expr());
      this.expect(')');
      return { kind: 'in', arg: left, list, negated, pos };
    }
    if (this.accept('LIKE')) return { kind: 'like', arg: left, pattern: this.additive(), negated, pos };
    return left;
  }
  private additive(): Expr {
    return this.leftAssociative(['+', '-', '||'], () => this.multiplicative());
  }
  private multiplicative(): Expr {
    return this.leftAssociative(['*', '/', '%'], () => this.unary());
  }
  private unary(): Expr {
    if (this.is('-')) {
      const t = this.next();
      return { kind: 'unary', op: '-', arg: this.unary(), pos: { line: t.line, column: t.column } };
    }
    if (this.accept('+')) return this.unary();
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek;
    const pos = { line: t.line, column: t.column };
    if (t.kind === 'number') {
      this.next();
      return { kind: 'literal', value: Number(t.text), pos };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'literal', value: t.text, pos };
    }
    if (this.accept('(')) {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.kind === 'quoted') return this.columnOrCall();
    if (t.kind !== 'word') return this.fail(`expected an expression but found ${this.describe(t)}`);
    switch (t.upper) {
      case 'TRUE':
      case 'FALSE':
        this.next();
        return { kind: 'literal', value: t.upper === 'TRUE', pos };
      case 'NULL':
        this.next();
        return { kind: 'literal', value: null, pos };
      case 'INTERVAL': {
        this.next();
        const negative = this.accept('-');
        const text = this.string('the interval value').text;
        const unit = this.next();
        if (unit.kind !== 'word') this.fail(`expected an interval unit (SECOND, MINUTE, ...) but found ${this.describe(unit)}`, unit);
        return { kind: 'interval', text: negative ? `-${text}` : text, unit: unit.upper, pos };
      }
      case 'TIMESTAMP':
      case 'DATE':
        if (this.peekAt(1).kind === 'string') {
          this.next();
          return { kind: 'typedLiteral', type: t.upper, text: this.next().text, pos };
        }
        return this.columnOrCall();
      case 'CASE':
        return this.caseExpr();
      case 'CAST': {
        this.next();
        this.expect('(');
        const arg = this.expr();
        this.expect('AS');
        const type = this.typeName();
        this.expect(')');
        return { kind: 'cast', arg, type, pos };
      }
      case 'EXTRACT': {
        this.next();
        this.expect('(');
        const unit = this.next();
        if (unit.kind !== 'word') this.fail(`expected a time unit (YEAR, MONTH, ...) but found ${this.describe(unit)}`, unit);
        this.expect('FROM');
        const arg = this.expr();
        this.expect(')');
        return { kind: 'extract', unit: unit.upper, arg, pos };
      }
      default:
        if (RESERVED.has(t.upper)) return this.fail(`expected an expression but found ${this.describe(t)}`);
        return this.columnOrCall();
    }
  }

  private caseExpr(): Expr {
    const t = this.next();
    const operand = this.is('WHEN') ? undefined : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.accept('WHEN')) {
      const when = this.expr();
      this.expect('THEN');
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) this.fail('CASE needs at least one WHEN ... THEN ...');
    const otherwise = this.accept('ELSE') ? this.expr() : undefined;
    this.expect('END');
    return { kind: 'case', operand, whens, otherwise, pos: { line: t.line, column: t.column } };
  }

  private columnOrCall(): Expr {
    const t = this.next();
    const pos = { line: t.line, column: t.column };
    if (this.accept('.')) {
      const name = this.identifier('a column name');
      return { kind: 'column', table: t.text, name: name.text, pos };
    }
    if (!this.is('(')) return { kind: 'column', name: t.text, pos };
    this.next();
    const name = t.kind === 'quoted' ? t.text : t.upper;
    let star = false;
    let distinct = false;
    let args: Expr[] = [];
    if (this.accept('*')) star = true;
    else if (!this.is(')')) {
      distinct = this.accept('DISTINCT');
      args = this.commaList(() => this.expr());
    }
    this.expect(')');
    let over: { partitionBy: Expr[]; orderBy: OrderItem[] } | undefined;
    if (this.accept('OVER')) {
      this.expect('(');
      let partitionBy: Expr[] = [];
      let orderBy: OrderItem[] = [];
      if (this.accept('PARTITION')) {
        this.expect('BY');
        partitionBy = this.commaList(() => this.expr());
      }
      if (this.accept('ORDER')) {
        this.expect('BY');
        orderBy = this.commaList(() => ({ expr: this.expr(), descending: this.accept('DESC') ? true : (this.accept('ASC'), false) }));
      }
      this.expect(')');
      over = { partitionBy, orderBy };
    }
    return { kind: 'call', name, args, distinct, star, over, pos };
  }
}
