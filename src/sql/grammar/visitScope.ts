/**
 * What the visitors that turn the FlinkSQL parse tree into Sluice's AST share: the problems
 * found so far (every one is listed, so a visitor records a problem and goes on), the window
 * table function calls cut out before parsing, and small helpers for positions and names.
 */
import type { ParserRuleContext, TerminalNode, Token } from 'antlr4ng';
import type { IdentifierContext } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { Expr } from '../ast';
import { SqlPosition, SqlProblem } from '../SqlProblem';
import { flinkGrammar } from './flinkSqlGrammar';
import { TableFunctionCall } from './grammarGaps';
import type { MatchRecognizeTokens } from './matchRecognizeClause';
import type { OffsetClause } from './rowLimitClauses';
import { positionOf } from './lexStatement';

export interface VisitScope {
  readonly problems: SqlProblem[];
  /** Placeholder token → the `TABLE(fn(...))` call it replaced; slices parsed later add theirs. */
  readonly calls: Map<Token, TableFunctionCall>;
  /** OFFSET clauses cut out before parsing, by the token before them; a query visitor takes its own. */
  readonly offsets?: Map<Token, OffsetClause>;
  /** MATCH_RECOGNIZE clauses cut out before parsing, by the token before them (the end of their FROM item). */
  readonly matchRecognize?: Map<Token, MatchRecognizeTokens>;
}

/** The position of a node's first token. */
export function at(node: ParserRuleContext | TerminalNode | Token): SqlPosition {
  if ('symbol' in node) return positionOf(node.symbol);
  if ('type' in node && 'line' in node) return positionOf(node);
  const start = (node as ParserRuleContext).start;
  return start === null ? { line: 1, column: 1 } : positionOf(start);
}

export function problem(scope: VisitScope, node: ParserRuleContext | TerminalNode | Token, message: string): void {
  scope.problems.push({ ...at(node), message });
}

/** Records that a construct the grammar accepts is not supported, and stands in for it. */
export function unsupported(scope: VisitScope, node: ParserRuleContext | TerminalNode | Token, what: string): Expr {
  problem(scope, node, `unsupported: ${what}`);
  return { kind: 'literal', value: null, pos: at(node) };
}

/**
 * A name as written: plain, or in backquotes or double quotes (a doubled quote inside stands
 * for one). A single-quoted string where a name belongs is a problem.
 */
export function nameOf(scope: VisitScope, id: IdentifierContext): string {
  const text = id.getText();
  const quote = text[0];
  if (quote === '`' || quote === '"') return unquote(text);
  if (quote === "'") problem(scope, id, `expected a name but found the string ${text}: write names plain or in backquotes`);
  return quote === "'" ? unquote(text) : text;
}

/** True for a single-quoted string literal, which the grammar also accepts where a name goes. */
export function isStringLiteral(id: IdentifierContext): boolean {
  return id.getText().startsWith("'");
}

/** The text of a quoted token without its quotes; a doubled quote inside stands for one. */
export function unquote(text: string): string {
  const quote = text[0];
  return text.slice(1, -1).split(quote + quote).join(quote);
}

/** The token a one-token node stands on (e.g. a placeholder name), if it is one token. */
export function singleToken(node: ParserRuleContext): Token | undefined {
  return node.start !== null && node.start === node.stop ? node.start : undefined;
}

/** The terminal child right after child `index`, e.g. the JOIN keyword after the left input. */
export function tokenAfterChild(node: ParserRuleContext, index: number): Token | undefined {
  const child = node.getChild(index + 1);
  const g = flinkGrammar();
  if (child instanceof g.TerminalNode) return child.symbol;
  return child instanceof g.ParserRuleContext ? child.start ?? undefined : undefined;
}

/** The tokens a subtree was parsed from, in order. */
export function tokensOf(node: ParserRuleContext): Token[] {
  const g = flinkGrammar();
  const tokens: Token[] = [];
  const walk = (n: ParserRuleContext) => {
    for (const child of n.children ?? []) {
      if (child instanceof g.TerminalNode) tokens.push(child.symbol);
      else if (child instanceof g.ParserRuleContext) walk(child);
    }
  };
  walk(node);
  return tokens;
}

/** A subtree's text as written (tokens joined by spaces), for messages. */
export function textOf(node: ParserRuleContext): string {
  return tokensOf(node).map((t) => t.text ?? '').join(' ');
}
