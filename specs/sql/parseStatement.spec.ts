import { expect } from 'chai';
import { Expr, FromItem, Statement } from '../../src/sql/ast';
import { parseColumnList, parseStatement } from '../../src/sql/parseStatement';

function parsed(sql: string): Statement {
  const result = parseStatement(sql);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n'));
  return result.statement;
}

function problems(sql: string): string[] {
  const result = parseStatement(sql);
  if (result.ok) throw new Error('the statement parsed');
  return result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

function fromOf(sql: string): FromItem {
  const statement = parsed(sql);
  if (statement.kind !== 'query' || statement.query.kind !== 'select') throw new Error('not a SELECT');
  return statement.query.from;
}

/** An expression as compact text: the shape of the tree, without positions. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return JSON.stringify(e.value);
    case 'column':
      return e.table === undefined ? e.name : `${e.table}.${e.name}`;
    case 'binary':
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case 'unary':
      return `(${e.op} ${shape(e.arg)})`;
    case 'call':
      return `${e.name}(${e.distinct ? 'DISTINCT ' : ''}${e.star ? '*' : e.args.map(shape).join(', ')})`;
    case 'interval':
      return `INTERVAL ${e.text} ${e.unit}`;
    case 'extract':
      return `EXTRACT(${e.unit} FROM ${shape(e.arg)})`;
    default:
      return e.kind;
  }
}

function selected(sql: string): string[] {
  const statement = parsed(sql);
  if (statement.kind !== 'query' || statement.query.kind !== 'select') throw new Error('not a SELECT');
  return statement.query.items.map((i) => (i.expr.kind === 'star' ? '*' : shape(i.expr)) + (i.alias === undefined ? '' : ` AS ${i.alias}`));
}

describe('sql/parseStatement: the FlinkSQL grammar of dt-sql-parser, visited into the AST', () => {
  it('reads operators with their precedence, and keeps each operator at its own position', () => {
    expect(selected('SELECT a + b * 2 - -1, NOT a = 1 AND b OR c, f(x) + 1, a -1, CHAR_LENGTH(s), COUNT(DISTINCT s), COUNT(*) FROM t')).to.deep.equal([
      '((a + (b * 2)) - (- 1))',
      '(((NOT (a = 1)) AND b) OR c)',
      '(F(x) + 1)',
      '(a - 1)',
      'CHAR_LENGTH(s)',
      'COUNT(DISTINCT s)',
      'COUNT(*)',
    ]);
    const statement = parsed('SELECT a\n  + b FROM t');
    expect(statement.kind === 'query' && statement.query.kind === 'select' && statement.query.items[0].expr.kind === 'binary' && statement.query.items[0].expr.pos).to.deep.equal({ line: 2, column: 3 });
  });

  it("reads a single function call as a call, not as a column with an alias (the grammar's first reading)", () => {
    expect(selected('SELECT UPPER(s), s x, s AS y, `user`, \'text\' FROM t')).to.deep.equal(['UPPER(s)', 's AS x', 's AS y', 'user', '"text"']);
  });

  it('reads EXTRACT with a unit the grammar reserves, and typed literals', () => {
    expect(selected("SELECT EXTRACT(SECOND FROM ts), INTERVAL '90' MINUTE, TIMESTAMP '2024-01-01 00:00:00' FROM t")).to.deep.equal([
      'EXTRACT(SECOND FROM ts)',
      'INTERVAL 90 MINUTE',
      'typedLiteral',
    ]);
  });

  it('reads a SESSION window with PARTITION BY over a subquery, with an alias, as one FROM item', () => {
    const from = fromOf(`SELECT * FROM TABLE(SESSION(TABLE (SELECT k, v, ts FROM t) PARTITION BY (k, v), DESCRIPTOR(ts), INTERVAL '5' SECOND)) AS w`);
    expect(from.kind).to.equal('windowTvf');
    if (from.kind !== 'windowTvf') return;
    expect({ fn: from.fn, input: from.input.kind, partitionBy: from.partitionBy.map(shape), time: shape(from.timeColumn), args: from.args.map(shape), alias: from.alias, pos: from.pos }).to.deep.equal({
      fn: 'SESSION',
      input: 'subquery',
      partitionBy: ['k', 'v'],
      time: 'ts',
      args: ['INTERVAL 5 SECOND'],
      alias: 'w',
      pos: { line: 1, column: 15 },
    });
  });

  it('refuses what the grammar accepts but Sluice does not run, every construct with its position', () => {
    expect(problems('SELECT a, CURRENT_TIMESTAMP FROM t AS x CROSS JOIN u WHERE a IN (SELECT a FROM u) AND b IS TRUE')).to.deep.equal([
      "1:11 unsupported: CURRENT_TIMESTAMP (queries compute on the data's event time)",
      '1:41 unsupported: CROSS JOIN',
      '1:62 unsupported: IN (subquery)',
      '1:89 unsupported: the predicate IS TRUE',
    ]);
    expect(problems('DROP TABLE t')).to.deep.equal(['1:1 unsupported: the statement DROP TABLE ... (Sluice runs SELECT, INSERT INTO, CREATE TABLE, CREATE VIEW, EXPLAIN)']);
    expect(problems('WITH w AS (SELECT a FROM t) SELECT a FROM w')).to.deep.equal(['1:1 unsupported: WITH ... AS (common table expressions): create a view instead']);
    expect(problems('SELECT a FROM TABLE(TUMBLE(TABLE t, ts, INTERVAL \'1\' SECOND))')).to.deep.equal([
      "1:37 the second argument of TUMBLE is the time column, DESCRIPTOR(column), but found 'ts'",
    ]);
    expect(problems('SELECT a FROM t; SELECT b FROM t')).to.deep.equal(["1:18 unexpected 'SELECT' after the end of the statement: run one statement at a time"]);
  });

  it('reads a column list (fromDataStream) with the positions of its own text', () => {
    const result = parseColumnList("a INT,\n`dateTime` TIMESTAMP(3), b AS a * 2, WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND");
    expect(result.ok && result.columns.map((c) => `${c.pos.line}:${c.pos.column} ${c.name} ${c.type?.name ?? shape(c.computed!)}`)).to.deep.equal([
      '1:1 a INT',
      '2:1 dateTime TIMESTAMP',
      '2:26 b (a * 2)',
    ]);
    expect(result.ok && result.watermark !== undefined && [result.watermark.column, shape(result.watermark.expr)]).to.deep.equal(['dateTime', '(dateTime - INTERVAL 4 SECOND)']);
    const bad = parseColumnList('a INT, b');
    expect(bad.ok ? [] : bad.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).to.deep.equal(['1:9 expected a type but found the end of the statement']);
  });
});
