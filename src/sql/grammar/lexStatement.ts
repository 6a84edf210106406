/**
 * Splits SQL text into the FlinkSQL grammar's tokens (comments and whitespace dropped), each
 * remembering its line and column, and lists what the lexer could not read: an unterminated
 * string, quoted name or comment, or a character no token starts with.
 */
import type { Token } from 'antlr4ng';
import { SqlPosition, SqlProblem } from '../SqlProblem';
import { flinkGrammar } from './flinkSqlGrammar';

export interface LexedStatement {
  /** Tokens of the default channel, then EOF. */
  readonly tokens: readonly Token[];
  readonly problems: readonly SqlProblem[];
}

export function lexStatement(sql: string): LexedStatement {
  const g = flinkGrammar();
  const problems: SqlProblem[] = [];
  const lexer = new g.FlinkSqlLexer(g.CharStreams.fromString(sql));
  lexer.removeErrorListeners();
  lexer.addErrorListener(
    new (class extends g.BaseErrorListener {
      override syntaxError(): void {
        // The lexer reports where the unreadable text starts; its first character says what it is.
        const start = lexer._tokenStartCharIndex;
        problems.push({ line: lexer._tokenStartLine, column: lexer._tokenStartColumn + 1, message: unreadable(sql.slice(start)) });
      }
    })(),
  );
  const tokens = lexer.getAllTokens().filter((t) => t.channel === g.Token.DEFAULT_CHANNEL);
  // A lone quote is a token of its own in this grammar: the string or name it opens never ends.
  const L = g.FlinkSqlLexer;
  for (const t of tokens) {
    if (t.type === L.SINGLE_QUOTE_SYMB) problems.push({ ...positionOf(t), message: 'unterminated string literal' });
    else if (t.type === L.DOUBLE_QUOTE_SYMB || t.type === L.REVERSE_QUOTE_SYMB) problems.push({ ...positionOf(t), message: 'unterminated quoted identifier' });
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const eof = lexer.emitEOF();
  return { tokens: [...tokens, eof], problems };
}

function unreadable(rest: string): string {
  if (rest.startsWith("'")) return 'unterminated string literal';
  if (rest.startsWith('`') || rest.startsWith('"')) return 'unterminated quoted identifier';
  if (rest.startsWith('/*')) return 'unterminated comment';
  return `unexpected character '${String.fromCodePoint(rest.codePointAt(0) ?? 0)}'`;
}

/** The 1-based position of a token, as problems give it. */
export function positionOf(token: Token): SqlPosition {
  return { line: token.line, column: token.column + 1 };
}

/** Tokens made up after the end of the text (parseColumnList's closing parenthesis...). */
const madeUpAfterEnd = new WeakSet<Token>();

/** Marks a made-up token that problems should call the end of the statement. */
export function markAfterEnd(token: Token): void {
  madeUpAfterEnd.add(token);
}

/**
 * How a problem names a token: its text, or the end of the statement. A slice parsed on its
 * own ends with a stand-in EOF that carries the text of the real end token.
 */
export function describeToken(token: Token): string {
  const endOfStatement = madeUpAfterEnd.has(token) || (token.type === flinkGrammar().Token.EOF && (token.text === null || token.text === '<EOF>'));
  return endOfStatement ? 'the end of the statement' : `'${token.text ?? ''}'`;
}
