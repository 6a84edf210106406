/**
 * SQL text to Sluice's AST (ast.ts), through dt-sql-parser's FlinkSQL grammar (ANTLR, see
 * grammar/): lex, bridge the grammar's gaps, parse, and visit the parse tree. Every syntax
 * error of the statement is listed with its line and column; so is every construct the
 * grammar accepts but Sluice does not run. Nothing is planned here: names and types are the
 * planner's business.
 */
import type { Token } from 'antlr4ng';
import { ColumnDefinition, Expr, Statement } from './ast';
import { flinkGrammar } from './grammar/flinkSqlGrammar';
import { bridgeGrammarGaps } from './grammar/grammarGaps';
import { lexStatement, markAfterEnd, positionOf } from './grammar/lexStatement';
import { parseWithHints } from './grammar/parseWithHints';
import { bridgeMatchRecognize } from './grammar/matchRecognizeClause';
import { bridgeRowLimitClauses } from './grammar/rowLimitClauses';
import { visitCreateTable, visitProgram } from './grammar/statementVisitor';
import { VisitScope } from './grammar/visitScope';
import { SqlPosition, SqlProblem } from './SqlProblem';

export type ParseResult = { readonly ok: true; readonly statement: Statement } | { readonly ok: false; readonly problems: readonly SqlProblem[] };

/** Parses one statement (a trailing `;` is allowed). */
export function parseStatement(sql: string): ParseResult {
  const lexed = lexStatement(sql);
  if (lexed.problems.length > 0) return { ok: false, problems: lexed.problems };
  const bridged = bridgeGrammarGaps(lexed.tokens);
  const rowLimits = bridgeRowLimitClauses(bridged.tokens);
  const matches = bridgeMatchRecognize(rowLimits.tokens);
  const parsed = parseWithHints(matches.tokens, (p) => p.program());
  if (parsed.problems.length > 0) return { ok: false, problems: parsed.problems };
  const scope: VisitScope = { problems: [], calls: new Map(bridged.calls), offsets: new Map(rowLimits.offsets), matchRecognize: new Map(matches.clauses) };
  const statement = visitProgram(scope, parsed.tree);
  for (const left of scope.offsets!.values()) {
    scope.problems.push({ ...positionOf(left.keyword), message: 'OFFSET belongs at the end of a query, after its ORDER BY or LIMIT' });
  }
  for (const left of scope.matchRecognize!.values()) {
    scope.problems.push({ ...positionOf(left.keyword), message: 'MATCH_RECOGNIZE belongs after the table or subquery of a FROM clause' });
  }
  if (scope.problems.length > 0 || statement === undefined) return { ok: false, problems: sorted(scope.problems) };
  return { ok: true, statement };
}

export type ColumnListResult =
  | { readonly ok: true; readonly columns: readonly ColumnDefinition[]; readonly watermark?: { readonly column: string; readonly expr: Expr; readonly pos: SqlPosition } }
  | { readonly ok: false; readonly problems: readonly SqlProblem[] };

/**
 * Parses a column list as in CREATE TABLE, without the parentheses (fromDataStream's schema):
 * the list's tokens are parsed inside a CREATE TABLE made of tokens placed where the list
 * starts and ends, so every problem keeps its position in the list.
 */
export function parseColumnList(text: string): ColumnListResult {
  const lexed = lexStatement(text);
  if (lexed.problems.length > 0) return { ok: false, problems: lexed.problems };
  const list = lexed.tokens.slice(0, -1);
  const eof = lexed.tokens[lexed.tokens.length - 1];
  const wrapped = [...madeUpTokens('CREATE TABLE t (', list[0] ?? eof), ...list, ...madeUpTokens(") WITH ('connector' = 'none')", eof, true), eof];
  const bridged = bridgeGrammarGaps(wrapped);
  const parsed = parseWithHints(bridged.tokens, (p) => p.simpleCreateTable());
  if (parsed.problems.length > 0) return { ok: false, problems: parsed.problems };
  const scope: VisitScope = { problems: [], calls: new Map(bridged.calls) };
  const table = visitCreateTable(scope, parsed.tree);
  if (scope.problems.length > 0 || table.kind !== 'createTable') return { ok: false, problems: sorted(scope.problems) };
  return { ok: true, columns: table.columns, watermark: table.watermark };
}

/** The tokens of `text`, all placed at `at` (and called the end of the statement in problems if `afterEnd`). */
function madeUpTokens(text: string, at: Token, afterEnd = false): Token[] {
  const g = flinkGrammar();
  return lexStatement(text).tokens.slice(0, -1).map((t) => {
    if (!(t instanceof g.CommonToken)) throw new Error('the FlinkSQL lexer makes CommonTokens; another token source was used');
    const placed = t.clone();
    placed.line = at.line;
    placed.column = at.column;
    if (afterEnd) markAfterEnd(placed);
    return placed;
  });
}

function sorted(problems: readonly SqlProblem[]): SqlProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
