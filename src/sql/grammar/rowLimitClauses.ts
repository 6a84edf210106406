/**
 * OFFSET and FETCH, which Flink SQL has (`LIMIT n OFFSET m`, `OFFSET m ROWS FETCH FIRST n ROWS
 * ONLY`) and dt-sql-parser's FlinkSQL grammar (4.5.1) does not, bridged on the token list:
 * - `FETCH FIRST|NEXT n ROW|ROWS ONLY` becomes `LIMIT n` (the LIMIT token at FETCH's place);
 * - `OFFSET m [ROW|ROWS]` is cut out and remembered by the token before it, where the query
 *   visitor finds it (the end of the ORDER BY, of the LIMIT, or of the SELECT).
 * Exit: drop this bridge when the grammar parses OFFSET and FETCH.
 */
import type { Token } from 'antlr4ng';
import { flinkGrammar } from './flinkSqlGrammar';

export interface OffsetClause {
  readonly keyword: Token;
  readonly rows: Token;
}

export interface BridgedRowLimits {
  readonly tokens: readonly Token[];
  /** The token an OFFSET clause followed → that clause. */
  readonly offsets: ReadonlyMap<Token, OffsetClause>;
}

/** `tokens` ends with EOF; so does the result. */
export function bridgeRowLimitClauses(tokens: readonly Token[]): BridgedRowLimits {
  const g = flinkGrammar();
  const P = g.FlinkSqlParser;
  const out: Token[] = [];
  const offsets = new Map<Token, OffsetClause>();
  const type = (i: number) => tokens[i]?.type;
  const rowWord = (i: number) => type(i) === P.KW_ROW || type(i) === P.KW_ROWS;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === P.KW_OFFSET && type(i + 1) === P.DIG_LITERAL && out.length > 0) {
      offsets.set(out[out.length - 1], { keyword: t, rows: tokens[i + 1] });
      i += rowWord(i + 2) ? 2 : 1;
      continue;
    }
    if (t.type === P.KW_FETCH && (type(i + 1) === P.KW_FIRST || type(i + 1) === P.KW_NEXT) && type(i + 2) === P.DIG_LITERAL && rowWord(i + 3) && type(i + 4) === P.KW_ONLY) {
      if (!(t instanceof g.CommonToken)) throw new Error('the FlinkSQL lexer makes CommonTokens; another token source was used');
      const limit = t.cloneWithType(P.KW_LIMIT);
      limit.text = 'LIMIT';
      out.push(limit, tokens[i + 2]);
      i += 4;
      continue;
    }
    out.push(t);
  }
  return { tokens: out, offsets };
}
