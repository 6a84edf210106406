/**
 * Two places where Flink SQL as Sluice runs it goes beyond dt-sql-parser's FlinkSQL grammar
 * (4.5.1), bridged on the token list before parsing so that positions stay those of the text:
 *
 * - Window table functions. The grammar knows TUMBLE, HOP and CUMULATE over a named table
 *   only, without an alias. Flink also has SESSION with PARTITION BY, and a subquery as the
 *   input (`TABLE (SELECT ...)`). Each `TABLE(fn(...))` is cut out and replaced by one
 *   placeholder name, which the grammar takes as a table reference (with an alias, in joins);
 *   its arguments are parsed later, each with the grammar's own rules (windowTableFunction.ts).
 * - EXTRACT(unit FROM ts): the grammar wants a name for the unit, but YEAR, SECOND... are
 *   reserved words; the unit is passed as a name.
 * - FIRST(x, n), LAST(x, n) and PREV(x, n) (MATCH_RECOGNIZE's navigation): the grammar knows
 *   FIRST and LAST with one argument only, PREV not at all; before a parenthesis each is passed
 *   as a function name.
 * - `fn(...) OVER (...)` without `AS alias`: the grammar wants one; AS is put in before an
 *   alias written without it, and AS with UNNAMED_OVER where there is none (the planner then
 *   names the column as any other unnamed one).
 *
 * Exit: drop a bridge when the grammar covers the construct (and its specs still pass).
 */
import type { Token } from 'antlr4ng';
import { flinkGrammar } from './flinkSqlGrammar';

/** The alias put in for an OVER item written without one. */
export const UNNAMED_OVER = '$unnamed_over$';

/** A `TABLE(fn(arg, ...))` call as written. */
export interface TableFunctionCall {
  /** The TABLE keyword: where the FROM item starts. */
  readonly table: Token;
  readonly name: Token;
  /** Each argument's tokens, with the comma or parenthesis that ends it (where "the end" is). */
  readonly args: readonly { readonly tokens: readonly Token[]; readonly end: Token }[];
}

export interface BridgedTokens {
  readonly tokens: readonly Token[];
  /** Placeholder token → the call it stands for. */
  readonly calls: ReadonlyMap<Token, TableFunctionCall>;
}

/** `tokens` ends with EOF; so does the result. */
export function bridgeGrammarGaps(tokens: readonly Token[]): BridgedTokens {
  const g = flinkGrammar();
  const P = g.FlinkSqlParser;
  const out: Token[] = [];
  const calls = new Map<Token, TableFunctionCall>();
  const type = (i: number) => tokens[i]?.type;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === P.KW_TABLE && type(i + 1) === P.LR_BRACKET && isWord(tokens[i + 2]) && type(i + 3) === P.LR_BRACKET && type(i - 1) !== P.KW_LATERAL) {
      const outerClose = closing(tokens, i + 1);
      const innerClose = closing(tokens, i + 3);
      if (outerClose !== undefined && innerClose === outerClose - 1) {
        const placeholder = named(t, `TABLE(${tokens[i + 2].text ?? ''}(...))`);
        calls.set(placeholder, { table: t, name: tokens[i + 2], args: splitArguments(tokens, i + 4, innerClose) });
        out.push(placeholder);
        i = outerClose;
        continue;
      }
    }
    if (t.type === P.KW_EXTRACT && type(i + 1) === P.LR_BRACKET && isWord(tokens[i + 2]) && type(i + 3) === P.KW_FROM) {
      out.push(t, tokens[i + 1], named(tokens[i + 2], tokens[i + 2].text ?? ''));
      i += 2;
      continue;
    }
    if ((t.type === P.KW_FIRST || t.type === P.KW_LAST || t.type === P.KW_PREV) && type(i + 1) === P.LR_BRACKET) {
      out.push(named(t, t.text ?? ''));
      continue;
    }
    if (t.type === P.KW_OVER) {
      const end = type(i + 1) === P.LR_BRACKET ? closing(tokens, i + 1) : isWord(tokens[i + 1]) ? i + 1 : undefined;
      if (end !== undefined) {
        out.push(...tokens.slice(i, end + 1));
        // Only where a select item ends (elsewhere OVER is a syntax error, reported as written).
        const next = tokens[end + 1]?.type;
        if (next === P.ID_LITERAL) out.push(keyword(tokens[end], P.KW_AS, 'AS'));
        else if (next === P.COMMA || next === P.KW_FROM) out.push(keyword(tokens[end], P.KW_AS, 'AS'), named(tokens[end], UNNAMED_OVER));
        i = end;
        continue;
      }
    }
    out.push(t);
  }
  return { tokens: out, calls };
}

function isWord(token: Token | undefined): boolean {
  const P = flinkGrammar().FlinkSqlParser;
  return token !== undefined && (token.type === P.ID_LITERAL || (P.symbolicNames[token.type] ?? '').startsWith('KW_'));
}

/** The index of the parenthesis that closes the one at `open`. */
export function closing(tokens: readonly Token[], open: number): number | undefined {
  const P = flinkGrammar().FlinkSqlParser;
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].type === P.LR_BRACKET) depth++;
    else if (tokens[i].type === P.RR_BRACKET && --depth === 0) return i;
  }
  return undefined;
}

/** Splits tokens[from, to) at the commas outside parentheses; tokens[to] closes the list. */
function splitArguments(tokens: readonly Token[], from: number, to: number): TableFunctionCall['args'] {
  const P = flinkGrammar().FlinkSqlParser;
  const args: { tokens: Token[]; end: Token }[] = [];
  let current: Token[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i];
    if (t.type === P.LR_BRACKET) depth++;
    else if (t.type === P.RR_BRACKET) depth--;
    if (t.type === P.COMMA && depth === 0) {
      args.push({ tokens: current, end: t });
      current = [];
    } else current.push(t);
  }
  if (current.length > 0 || args.length > 0) args.push({ tokens: current, end: tokens[to] });
  return args;
}

/** A name token (ID_LITERAL) at the place of `at`, with the given text. */
function named(at: Token, text: string): Token {
  const g = flinkGrammar();
  if (!(at instanceof g.CommonToken)) throw new Error('the FlinkSQL lexer makes CommonTokens; another token source was used');
  const token = at.cloneWithType(g.FlinkSqlParser.ID_LITERAL);
  token.text = text;
  return token;
}

/** A keyword token of `type` at the place of `at`. */
function keyword(at: Token, type: number, text: string): Token {
  const g = flinkGrammar();
  if (!(at instanceof g.CommonToken)) throw new Error('the FlinkSQL lexer makes CommonTokens; another token source was used');
  const token = at.cloneWithType(type);
  token.text = text;
  return token;
}

/**
 * An end-of-input token standing in for `at` (the comma or parenthesis after a slice), to parse
 * the slice on its own; it keeps the text of `at` so a problem there names it.
 */
export function endAt(at: Token): Token {
  const g = flinkGrammar();
  if (!(at instanceof g.CommonToken)) throw new Error('the FlinkSQL lexer makes CommonTokens; another token source was used');
  return at.cloneWithType(g.Token.EOF);
}
