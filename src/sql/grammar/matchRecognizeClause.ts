/**
 * `MATCH_RECOGNIZE (...)` after a FROM item. dt-sql-parser's FlinkSQL grammar (4.5.1) reads
 * little of it (no `{n}` quantifier, no `B+?`, DEFINE read as a select item), so the clause is
 * cut out of the token list before parsing and remembered by the token before it, where the
 * query visitor finds it (the end of its FROM item). Here its clauses are split at their
 * keywords and each expression is parsed on its own with the grammar's expression rule; the
 * PATTERN, a small regular language, is read token by token. What Sluice does not run is
 * refused as `unsupported: ...` with its position.
 * Exit: read the clause from the parse tree when the grammar covers it.
 */
import type { Token } from 'antlr4ng';
import { AfterMatchSkip, Expr, FromItem, MatchRecognize, OrderItem, PatternTerm } from '../ast';
import { SqlPosition } from '../SqlProblem';
import { visitExpression } from './expressionVisitor';
import { flinkGrammar } from './flinkSqlGrammar';
import { closing } from './grammarGaps';
import { describeToken, positionOf } from './lexStatement';
import { parseSlice } from './parseSlice';
import { problem, unquote, VisitScope } from './visitScope';

/** A MATCH_RECOGNIZE clause as written: its keyword, the tokens inside its parentheses, the closing one, its alias. */
export interface MatchRecognizeTokens {
  readonly keyword: Token;
  readonly body: readonly Token[];
  readonly close: Token;
  readonly alias?: Token;
}

/** `tokens` ends with EOF; so does the result. `clauses`: the token before each clause cut out → the clause. */
export function bridgeMatchRecognize(tokens: readonly Token[]): { tokens: readonly Token[]; clauses: ReadonlyMap<Token, MatchRecognizeTokens> } {
  const P = flinkGrammar().FlinkSqlParser;
  const out: Token[] = [];
  const clauses = new Map<Token, MatchRecognizeTokens>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const close = t.type === P.KW_MATCH_RECOGNIZE && tokens[i + 1]?.type === P.LR_BRACKET && out.length > 0 ? closing(tokens, i + 1) : undefined;
    if (close === undefined) {
      out.push(t);
      continue;
    }
    let next = close + 1;
    if (tokens[next]?.type === P.KW_AS) next++;
    const alias = tokens[next]?.type === P.ID_LITERAL ? tokens[next] : undefined;
    clauses.set(out[out.length - 1], { keyword: t, body: tokens.slice(i + 2, close), close: tokens[close], alias });
    i = alias === undefined ? close : next;
  }
  return { tokens: out, clauses };
}

interface Slice {
  readonly tokens: readonly Token[];
  /** The token after the slice: its end when parsed on its own. */
  readonly end: Token;
}

/** The clause's parts, each from its keyword to the next one (outside parentheses). */
function splitClauses(body: readonly Token[], close: Token): Slice[] {
  const P = flinkGrammar().FlinkSqlParser;
  const starts = new Set([P.KW_PARTITION, P.KW_ORDER, P.KW_MEASURES, P.KW_ONE, P.KW_ALL, P.KW_AFTER, P.KW_PATTERN, P.KW_WITHIN, P.KW_DEFINE, P.KW_SUBSET]);
  const slices: Token[][] = [];
  let depth = 0;
  for (const t of body) {
    if (depth === 0 && starts.has(t.type)) slices.push([]);
    if (t.type === P.LR_BRACKET) depth++;
    else if (t.type === P.RR_BRACKET) depth--;
    if (slices.length === 0) slices.push([]);
    slices[slices.length - 1].push(t);
  }
  return slices.map((tokens, i) => ({ tokens, end: slices[i + 1]?.[0] ?? close }));
}

function splitAtCommas(slice: Slice): Slice[] {
  const P = flinkGrammar().FlinkSqlParser;
  const parts: Token[][] = [[]];
  const ends: Token[] = [];
  let depth = 0;
  for (const t of slice.tokens) {
    if (t.type === P.LR_BRACKET) depth++;
    else if (t.type === P.RR_BRACKET) depth--;
    if (t.type === P.COMMA && depth === 0) {
      ends.push(t);
      parts.push([]);
    } else parts[parts.length - 1].push(t);
  }
  return parts.map((tokens, i) => ({ tokens, end: ends[i] ?? slice.end }));
}

const textOf = (tokens: readonly Token[]) => tokens.map((t) => t.text ?? '').join(' ');
const nameText = (t: Token) => {
  const text = t.text ?? '';
  return text.startsWith('`') ? unquote(text) : text;
};

/** `input MATCH_RECOGNIZE (...)`, or undefined when a problem was recorded. */
export function visitMatchRecognize(scope: VisitScope, clause: MatchRecognizeTokens, input: FromItem): FromItem | undefined {
  const P = flinkGrammar().FlinkSqlParser;
  const expression = (s: Slice) => (s.tokens.length === 0 ? (problem(scope, s.end, `expected an expression before ${describeToken(s.end)}`), undefined) : parseSlice(scope, s.tokens, s.end, (p) => p.expression(), (e) => visitExpression(scope, e)));
  const problemsBefore = scope.problems.length;
  let partitionBy: Expr[] = [];
  let orderBy: (OrderItem & { pos: SqlPosition })[] = [];
  const measures: MatchRecognize['measures'][number][] = [];
  let skip: AfterMatchSkip | undefined;
  let pattern: PatternTerm[] | undefined;
  let patternPos: SqlPosition = positionOf(clause.keyword);
  let within: Expr | undefined;
  const define: MatchRecognize['define'][number][] = [];
  const seen = new Set<number>();
  for (const part of splitClauses(clause.body, clause.close)) {
    const [first, second] = part.tokens;
    if (seen.has(first.type)) problem(scope, first, `${first.text ?? ''} is written twice in MATCH_RECOGNIZE`);
    seen.add(first.type);
    const after = (n: number): Slice => ({ tokens: part.tokens.slice(n), end: part.end });
    switch (first.type) {
      case P.KW_PARTITION:
      case P.KW_ORDER: {
        if (second?.type !== P.KW_BY) {
          problem(scope, second ?? part.end, `expected BY after ${first.text ?? ''} but found ${describeToken(second ?? part.end)}`);
          break;
        }
        const items = splitAtCommas(after(2));
        if (first.type === P.KW_PARTITION) partitionBy = items.flatMap((s) => expression(s) ?? []);
        else {
          orderBy = items.flatMap((s) => {
            const last = s.tokens[s.tokens.length - 1];
            const direction = last?.type === P.KW_ASC || last?.type === P.KW_DESC;
            const e = expression(direction ? { tokens: s.tokens.slice(0, -1), end: last } : s);
            return e === undefined ? [] : [{ expr: e, descending: last?.type === P.KW_DESC, pos: positionOf(s.tokens[0] ?? s.end) }];
          });
        }
        break;
      }
      case P.KW_MEASURES:
        for (const item of splitAtCommas(after(1))) {
          const as = item.tokens.map((t) => t.type).lastIndexOf(P.KW_AS);
          const name = item.tokens[as + 1];
          if (as < 0 || name === undefined || as + 2 !== item.tokens.length) {
            problem(scope, item.tokens[0] ?? item.end, `each measure is an expression with a name: expr AS name, but found ${textOf(item.tokens) || describeToken(item.end)}`);
            continue;
          }
          const e = expression({ tokens: item.tokens.slice(0, as), end: item.tokens[as] });
          if (e !== undefined) measures.push({ expr: e, name: nameText(name), pos: positionOf(item.tokens[0]) });
        }
        break;
      case P.KW_ONE:
        if (textOf(part.tokens).toUpperCase() !== 'ONE ROW PER MATCH') problem(scope, first, `expected ONE ROW PER MATCH but found ${textOf(part.tokens)}`);
        break;
      case P.KW_ALL:
        problem(scope, first, 'unsupported: ALL ROWS PER MATCH (Sluice emits ONE ROW PER MATCH)');
        break;
      case P.KW_AFTER:
        skip = visitSkip(scope, part);
        break;
      case P.KW_PATTERN: {
        patternPos = positionOf(first);
        const close = second?.type === P.LR_BRACKET ? closing(part.tokens, 1) : undefined;
        if (close === undefined || close !== part.tokens.length - 1) {
          problem(scope, second ?? part.end, 'expected PATTERN (variables with quantifiers), e.g. PATTERN (A B+ C)');
          break;
        }
        pattern = visitPattern(scope, part.tokens.slice(2, close), part.tokens[close]);
        break;
      }
      case P.KW_WITHIN:
        within = expression(after(1));
        break;
      case P.KW_DEFINE:
        for (const item of splitAtCommas(after(1))) {
          const [variable, as] = item.tokens;
          if (variable === undefined || as?.type !== P.KW_AS) {
            problem(scope, item.tokens[0] ?? item.end, `each definition is a variable with its condition: A AS condition, but found ${textOf(item.tokens) || describeToken(item.end)}`);
            continue;
          }
          const condition = expression({ tokens: item.tokens.slice(2), end: item.end });
          if (condition !== undefined) define.push({ variable: nameText(variable), condition, pos: positionOf(variable) });
        }
        break;
      case P.KW_SUBSET:
        problem(scope, first, 'unsupported: SUBSET in MATCH_RECOGNIZE');
        break;
      default:
        problem(scope, first, `expected a clause of MATCH_RECOGNIZE (PARTITION BY, ORDER BY, MEASURES, ONE ROW PER MATCH, AFTER MATCH SKIP, PATTERN, DEFINE) but found ${describeToken(first)}`);
    }
  }
  if (pattern === undefined && !seen.has(P.KW_PATTERN)) problem(scope, clause.close, 'MATCH_RECOGNIZE needs a PATTERN');
  if (!seen.has(P.KW_DEFINE)) problem(scope, clause.close, 'MATCH_RECOGNIZE needs DEFINE (the condition of each variable)');
  if (scope.problems.length > problemsBefore || pattern === undefined) return undefined;
  const alias = clause.alias === undefined ? undefined : nameText(clause.alias);
  return { kind: 'matchRecognize', input, partitionBy, orderBy, measures, skip, pattern, patternPos, within, define, alias, pos: positionOf(clause.keyword) };
}

function visitSkip(scope: VisitScope, part: Slice): AfterMatchSkip | undefined {
  const words = part.tokens.map((t) => (t.text ?? '').toUpperCase());
  const pos = positionOf(part.tokens[0]);
  const text = words.join(' ');
  if (text === 'AFTER MATCH SKIP PAST LAST ROW') return { kind: 'PAST LAST ROW', pos };
  if (text === 'AFTER MATCH SKIP TO NEXT ROW') return { kind: 'TO NEXT ROW', pos };
  const tail = part.tokens.slice(4);
  if (words.slice(0, 4).join(' ') === 'AFTER MATCH SKIP TO' && tail.length >= 1) {
    // SKIP TO var is SKIP TO LAST var.
    const [which, variable] = tail.length === 1 ? ['LAST', tail[0]] : [words[4], tail[1]];
    if ((which === 'FIRST' || which === 'LAST') && variable !== undefined && tail.length <= 2) return { kind: which === 'FIRST' ? 'TO FIRST' : 'TO LAST', variable: nameText(variable), pos };
  }
  problem(scope, part.tokens[0], `expected AFTER MATCH SKIP PAST LAST ROW, TO NEXT ROW, TO FIRST variable or TO LAST variable, but found ${text}`);
  return undefined;
}

/** The variables of a PATTERN with their quantifiers: *, +, ?, {n}, {n,}, {,m}, {n,m}. */
function visitPattern(scope: VisitScope, tokens: readonly Token[], close: Token): PatternTerm[] | undefined {
  const P = flinkGrammar().FlinkSqlParser;
  const terms: PatternTerm[] = [];
  let ok = true;
  const refuse = (t: Token, message: string) => {
    problem(scope, t, message);
    ok = false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const text = t.text ?? '';
    if (text === '|') refuse(t, 'unsupported: alternation (|) in PATTERN');
    else if (text === '(' || text === ')') refuse(t, 'unsupported: groups in PATTERN: write the variables one after another');
    else if (text === '^' || text === '$') refuse(t, `unsupported: anchors (${text}) in PATTERN`);
    else if (t.type === P.KW_PERMUTE) refuse(t, 'unsupported: PERMUTE in PATTERN');
    else if (!/^[A-Za-z_][A-Za-z0-9_]*$|^`/.test(text)) refuse(t, `expected a pattern variable but found ${describeToken(t)}`);
    if (!ok) return undefined;
    let min = 1;
    let max = 1;
    let quantified = true;
    const q = tokens[i + 1]?.text;
    if (q === '{' && tokens[i + 2]?.text === '-') refuse(tokens[i + 1], 'unsupported: exclusions ({- ... -}) in PATTERN');
    if (!ok) return undefined;
    if (q === '*') [min, max] = [0, Infinity];
    else if (q === '+') [min, max] = [1, Infinity];
    else if (q === '?') [min, max] = [0, 1];
    else if (q === '{') {
      const end = tokens.findIndex((x, j) => j > i && x.text === '}');
      const inside = (end < 0 ? tokens.slice(i + 2) : tokens.slice(i + 2, end)).map((x) => x.text ?? '').join('');
      const m = /^(\d*)(,?)(\d*)$/.exec(inside);
      if (end < 0 || m === null || (m[1] === '' && m[3] === '') || (m[2] === '' && m[3] !== '')) {
        refuse(tokens[i + 1], `expected a quantifier {n}, {n,}, {,m} or {n,m} after ${text} but found {${inside}${end < 0 ? '' : '}'}`);
        return undefined;
      }
      min = m[1] === '' ? 0 : Number(m[1]);
      max = m[2] === '' ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min || max === 0) refuse(tokens[i + 1], `the quantifier {${inside}} of ${text} allows no row: give {n,m} with m >= n and m >= 1`);
      i = end - 1;
    } else quantified = false;
    if (quantified) i++;
    if (tokens[i + 1]?.text === '?' && quantified) refuse(tokens[i + 1], `unsupported: reluctant quantifiers (${text}${q === '{' ? '{...}' : q}?): quantifiers are greedy`);
    if (!ok) return undefined;
    terms.push({ variable: nameText(t), min, max, quantified, pos: positionOf(t) });
  }
  if (terms.length === 0) {
    problem(scope, close, 'PATTERN needs at least one variable');
    return undefined;
  }
  return terms;
}
