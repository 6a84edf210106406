/**
 * Splits SQL text into tokens that remember their line and column, so every later problem can
 * point at the text that caused it.
 */
import { SqlPosition, SqlProblem } from './SqlProblem';

export type TokenKind = 'word' | 'quoted' | 'number' | 'string' | 'symbol' | 'end';

export interface Token extends SqlPosition {
  readonly kind: TokenKind;
  /** Words as written (compare keywords with `upper`); strings without quotes. */
  readonly text: string;
  readonly upper: string;
}

const SYMBOLS = ['<>', '!=', '<=', '>=', '||', '(', ')', ',', '.', ';', '*', '+', '-', '/', '%', '=', '<', '>'];

export function tokenize(sql: string): { tokens: Token[]; problems: SqlProblem[] } {
  const tokens: Token[] = [];
  const problems: SqlProblem[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (offset: number): SqlPosition => ({ line, column: offset - lineStart + 1 });
  const push = (kind: TokenKind, text: string, pos: SqlPosition) => tokens.push({ kind, text, upper: kind === 'word' ? text.toUpperCase() : text, ...pos });
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const pos = at(i);
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      for (; i < stop; i++) if (sql[i] === '\n') (line++, (lineStart = i + 1));
      if (end < 0) problems.push({ ...pos, message: 'unterminated comment' });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i])) i++;
      push('word', sql.slice(start, i), at(start));
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const start = i;
      while (i < sql.length && /[0-9.]/.test(sql[i])) i++;
      if (/[eE]/.test(sql[i] ?? '') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
        i += 2;
        while (i < sql.length && /[0-9]/.test(sql[i])) i++;
      }
      push('number', sql.slice(start, i), at(start));
    } else if (c === "'" || c === '`' || c === '"') {
      // '' inside a string (or `` inside a quoted identifier) stands for one quote.
      const pos = at(i);
      let text = '';
      i++;
      let closed = false;
      while (i < sql.length) {
        if (sql[i] === c && sql[i + 1] === c) {
          text += c;
          i += 2;
        } else if (sql[i] === c) {
          i++;
          closed = true;
          break;
        } else {
          if (sql[i] === '\n') (line++, (lineStart = i + 1));
          text += sql[i++];
        }
      }
      if (!closed) problems.push({ ...pos, message: c === "'" ? 'unterminated string literal' : 'unterminated quoted identifier' });
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text, upper: c === "'" ? text : text, ...pos });
    } else {
      const symbol = SYMBOLS.find((s) => sql.startsWith(s, i));
      if (symbol === undefined) {
        problems.push({ ...at(i), message: `unexpected character '${c}'` });
        i++;
      } else {
        push('symbol', symbol, at(i));
        i += symbol.length;
      }
    }
  }
  tokens.push({ kind: 'end', text: '', upper: '', ...at(i) });
  return { tokens, problems };
}
