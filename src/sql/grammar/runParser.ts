/**
 * Runs one rule of the FlinkSQL parser over a list of tokens and records every syntax error
 * ANTLR reports (it recovers and goes on, so one run finds several). The fast SLL prediction is
 * tried first; only input that fails it is parsed again with full LL, whose errors are exact.
 */
import type { IntervalSet, Parser, RecognitionException, Token, TokenFactory, TokenSource, CharStream } from 'antlr4ng';
import type { FlinkSqlParser } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { flinkGrammar } from './flinkSqlGrammar';

export type SyntaxErrorKind = 'unexpected' | 'missing' | 'noViableAlternative' | 'failedPredicate';

/** One error as ANTLR reported it, before it is worded for the user. */
export interface SyntaxErrorReport {
  readonly kind: SyntaxErrorKind;
  readonly token: Token;
  /** Where a failed prediction began (noViableAlternative): the problem lies between it and `token`. */
  readonly startToken?: Token;
  /** The token types the parser would have accepted at `token`, when ANTLR knows them. */
  readonly expected?: IntervalSet;
  /** The rule being parsed when the error was found. */
  readonly ruleIndex: number;
}

export interface ParserRun<T> {
  readonly tree: T;
  readonly errors: readonly SyntaxErrorReport[];
}

/** `tokens` must end with EOF. */
export function runParser<T>(tokens: readonly Token[], rule: (parser: FlinkSqlParser) => T): ParserRun<T> {
  const g = flinkGrammar();
  const fast = runOnce(tokens, rule, g.PredictionMode.SLL);
  return fast.errors.length === 0 ? fast : runOnce(tokens, rule, g.PredictionMode.LL);
}

function runOnce<T>(tokens: readonly Token[], rule: (parser: FlinkSqlParser) => T, mode: number): ParserRun<T> {
  const g = flinkGrammar();
  const errors: SyntaxErrorReport[] = [];
  const parser = new g.FlinkSqlParser(new g.CommonTokenStream(new TokenListSource(tokens)));
  parser.interpreter.predictionMode = mode;
  parser.removeErrorListeners();
  parser.addErrorListener(
    new (class extends g.BaseErrorListener {
      override syntaxError(_r: unknown, offending: Token | null, _line: number, _column: number, msg: string, e: RecognitionException | null): void {
        const token = offending ?? parser.getCurrentToken();
        const ruleIndex = parser.context?.ruleIndex ?? -1;
        if (e instanceof g.NoViableAltException) errors.push({ kind: 'noViableAlternative', token, startToken: e.startToken ?? undefined, ruleIndex });
        else if (e instanceof g.FailedPredicateException) errors.push({ kind: 'failedPredicate', token, ruleIndex });
        else if (e instanceof g.InputMismatchException) errors.push({ kind: 'unexpected', token, expected: e.getExpectedTokens() ?? undefined, ruleIndex });
        // Without an exception ANTLR deleted an extraneous token or inserted a missing one.
        else errors.push({ kind: msg.startsWith('missing') ? 'missing' : 'unexpected', token, expected: expectedAt(parser), ruleIndex });
      }
    })(),
  );
  const tree = rule(parser);
  // A rule other than `program` may stop early; what it left over is unexpected.
  const rest = parser.getCurrentToken();
  if (rest.type !== g.Token.EOF && !errors.some((e) => e.token === rest)) errors.push({ kind: 'unexpected', token: rest, ruleIndex: -1 });
  return { tree, errors };
}

function expectedAt(parser: Parser): IntervalSet | undefined {
  try {
    return parser.getExpectedTokens();
  } catch {
    return undefined;
  }
}

/** Feeds a parser tokens already lexed (and possibly rewritten), so positions stay those of the text. */
class TokenListSource implements TokenSource {
  private next = 0;
  line = 1;
  _tokenStartColumn = 0;
  inputStream: CharStream | null = null;
  sourceName = 'sql';
  // The error strategy makes a token up when one is missing; the default factory does that.
  private factory: TokenFactory<Token> = flinkGrammar().CommonTokenFactory.DEFAULT;

  constructor(private readonly tokens: readonly Token[]) {}

  nextToken(): Token {
    const token = this.tokens[Math.min(this.next, this.tokens.length - 1)];
    this.next++;
    return token;
  }

  set tokenFactory(factory: TokenFactory<Token>) {
    this.factory = factory;
  }
  get tokenFactory(): TokenFactory<Token> {
    return this.factory;
  }
}
