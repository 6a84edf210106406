/**
 * Parses tokens with one rule and words every syntax error; a reserved word of the FlinkSQL
 * grammar used as a name (`dateTime`, `user`, `out`...) gets a hint to backquote it instead of
 * the cascade of errors it would cause. Such a word is found by parsing again with it read as
 * a name: if the first error then moves past it, the word was the cause, and the search goes
 * on for further errors in the same statement. A built-in function whose name the grammar
 * reserves without listing it as a function (CHAR_LENGTH...) is read as a function, silently.
 */
import type { Token } from 'antlr4ng';
import type { FlinkSqlParser } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { SCALAR_FUNCTIONS } from '../scalarFunctions';
import { SqlProblem } from '../SqlProblem';
import { flinkGrammar } from './flinkSqlGrammar';
import { positionOf } from './lexStatement';
import { ParserRun, runParser, SyntaxErrorReport } from './runParser';
import { distinctByPosition, syntaxProblem } from './syntaxProblems';

/** Words that shape a statement: a misplaced one is a syntax error, never a name to quote. */
const STRUCTURAL = new Set([
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'ORDER', 'LIMIT', 'UNION', 'ALL', 'DISTINCT', 'JOIN', 'INNER', 'LEFT', 'RIGHT',
  'FULL', 'OUTER', 'CROSS', 'NATURAL', 'ON', 'USING', 'AS', 'AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'BETWEEN', 'LIKE', 'CASE', 'WHEN',
  'THEN', 'ELSE', 'END', 'CAST', 'INTERVAL', 'TABLE', 'VIEW', 'CREATE', 'INSERT', 'INTO', 'WITH', 'WATERMARK', 'FOR', 'EXPLAIN', 'OVER',
  'PARTITION', 'ASC', 'DESC', 'TRUE', 'FALSE', 'VALUES', 'EXISTS', 'DESCRIPTOR', 'TEMPORARY', 'LATERAL', 'WINDOW',
]);

/** How many reserved words one statement may have hinted before the search stops. */
const MAX_HINTS = 16;
/** How far from an error (in tokens) the reserved word that caused it may sit. */
const REACH = 3;
/** How many tokens after an error a further error counts as its echo. */
const ECHO_REACH = 2;

export interface ParsedWithHints<T> {
  readonly tree: T;
  /** Empty when the tokens parse. */
  readonly problems: readonly SqlProblem[];
}

export function parseWithHints<T>(tokens: readonly Token[], rule: (parser: FlinkSqlParser) => T): ParsedWithHints<T> {
  let current = tokens;
  const hints: SqlProblem[] = [];
  let run = runParser(current, rule);
  while (run.errors.length > 0 && hints.length < MAX_HINTS) {
    const fix = reservedWordCause(current, run, rule);
    if (fix === undefined) break;
    if (fix.unsupportedFunction !== undefined) hints.push({ ...positionOf(fix.word), message: fix.unsupportedFunction });
    else if (!fix.builtinFunction) hints.push({ ...positionOf(fix.word), message: `'${fix.word.text}' is a reserved word in Flink SQL: write \`${fix.word.text}\` (in backquotes) to use it as a name` });
    current = fix.tokens;
    run = fix.run;
  }
  return { tree: run.tree, problems: distinctByPosition([...hints, ...withoutEchoes(run.errors, current).map((e) => syntaxProblem(e, current))]) };
}

/**
 * After an error the parser resynchronizes, and the next token or two often fail again only
 * because of the first error: such echoes are dropped, later errors kept.
 */
function withoutEchoes(errors: readonly SyntaxErrorReport[], tokens: readonly Token[]): SyntaxErrorReport[] {
  const kept: SyntaxErrorReport[] = [];
  let last = -Infinity;
  // ANTLR may report a failed prediction after an error found further on: go in text order.
  const inOrder = [...errors].sort((a, b) => tokens.indexOf(a.token) - tokens.indexOf(b.token));
  for (const error of inOrder) {
    const i = tokens.indexOf(error.token);
    if (i < 0 || i > last + ECHO_REACH) kept.push(error);
    if (i >= 0) last = Math.max(last, i);
  }
  return kept;
}

/**
 * Functions of the SQL standard's row pattern recognition that the grammar reserves and
 * MATCH_RECOGNIZE does not offer (nor does Flink SQL's): called, they get this message instead
 * of the hint to quote a name.
 */
const UNSUPPORTED_FUNCTIONS: Readonly<Record<string, string>> = {
  CLASSIFIER:
    'unsupported: CLASSIFIER() in MATCH_RECOGNIZE (as in Flink SQL): MEASURES name a variable\'s rows instead, e.g. LAST(A.col), COUNT(A.col), MATCH_ROWTIME()',
  MATCH_NUMBER:
    'unsupported: MATCH_NUMBER() in MATCH_RECOGNIZE (as in Flink SQL): each match is one output row; number them downstream, e.g. ROW_NUMBER() OVER (PARTITION BY ... ORDER BY the time attribute)',
};

interface Fix<T> {
  readonly word: Token;
  readonly builtinFunction: boolean;
  /** Why the word, called as a function, is refused; undefined for a name or a built-in function. */
  readonly unsupportedFunction: string | undefined;
  readonly tokens: readonly Token[];
  readonly run: ParserRun<T>;
}

function reservedWordCause<T>(tokens: readonly Token[], run: ParserRun<T>, rule: (parser: FlinkSqlParser) => T): Fix<T> | undefined {
  const first = run.errors[0];
  const at = tokens.indexOf(first.token);
  if (at < 0) return undefined;
  const from = Math.max(0, Math.min(at, first.startToken === undefined ? at : tokens.indexOf(first.startToken)) - REACH);
  const candidates = [];
  for (let i = from; i <= Math.min(tokens.length - 1, at + REACH); i++) if (mayBeName(tokens[i])) candidates.push(i);
  candidates.sort((a, b) => Math.abs(a - at) - Math.abs(b - at));
  for (const i of candidates) {
    const retyped = [...tokens];
    retyped[i] = asName(tokens[i]);
    const again = runParser(retyped, rule);
    const next = again.errors[0];
    if (next === undefined || retyped.indexOf(next.token) > at) {
      const called = tokens[i + 1]?.type === flinkGrammar().FlinkSqlParser.LR_BRACKET;
      const word = (tokens[i].text ?? '').toUpperCase();
      const builtinFunction = called && word in SCALAR_FUNCTIONS;
      const unsupportedFunction = called ? UNSUPPORTED_FUNCTIONS[word] : undefined;
      return { word: tokens[i], builtinFunction, unsupportedFunction, tokens: retyped, run: again };
    }
  }
  return undefined;
}

/** A reserved word that reads like a name. */
function mayBeName(token: Token): boolean {
  const P = flinkGrammar().FlinkSqlParser;
  const symbol = P.symbolicNames[token.type] ?? '';
  const text = token.text ?? '';
  return symbol.startsWith('KW_') && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) && !STRUCTURAL.has(text.toUpperCase());
}

function asName(token: Token): Token {
  const g = flinkGrammar();
  if (!(token instanceof g.CommonToken)) throw new Error('the FlinkSQL lexer makes CommonTokens; another token source was used');
  return token.cloneWithType(g.FlinkSqlParser.ID_LITERAL);
}
