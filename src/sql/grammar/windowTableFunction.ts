/**
 * A window table function in FROM, `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10'
 * SECOND))` and HOP, CUMULATE, SESSION (with `PARTITION BY`), over a table or a subquery.
 * grammarGaps.ts cut the call out before parsing (the grammar has no rule for all of it);
 * here each argument is parsed on its own with the grammar's rules (a table path, a query,
 * DESCRIPTOR(column), an expression), so the grammar still reads every part.
 */
import type { Token } from 'antlr4ng';
import { Expr, FromItem, WindowFunctionName } from '../ast';
import { visitColumnName, visitExpression } from './expressionVisitor';
import { flinkGrammar } from './flinkSqlGrammar';
import { TableFunctionCall } from './grammarGaps';
import { describeToken, positionOf } from './lexStatement';
import { parseSlice } from './parseSlice';
import { visitQuery } from './queryVisitor';
import { nameOf, problem, VisitScope } from './visitScope';

const WINDOW_FUNCTIONS: readonly WindowFunctionName[] = ['TUMBLE', 'HOP', 'CUMULATE', 'SESSION'];

export function visitWindowTableFunction(scope: VisitScope, call: TableFunctionCall, alias: string | undefined): FromItem {
  const P = flinkGrammar().FlinkSqlParser;
  const pos = positionOf(call.table);
  const fn = (call.name.text ?? '').toUpperCase() as WindowFunctionName;
  const stand = { kind: 'table', name: '', alias, pos } as const;
  if (!WINDOW_FUNCTIONS.includes(fn)) {
    problem(scope, call.name, `unsupported: the table function ${call.name.text ?? ''} (window table functions are ${WINDOW_FUNCTIONS.join(', ')})`);
    return stand;
  }
  const arrow = call.args.flatMap((a) => a.tokens).find((t) => t.type === P.DOUBLE_RIGHT_ARROW);
  if (arrow !== undefined) {
    problem(scope, arrow, `unsupported: named arguments (=>) of ${fn}: pass them in order`);
    return stand;
  }
  const [inputArg, descriptorArg, ...rest] = call.args;
  if (inputArg === undefined || descriptorArg === undefined) {
    problem(scope, call.name, `${fn} needs TABLE t, DESCRIPTOR(time column) and its sizes, e.g. ${fn}(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND)`);
    return stand;
  }
  const input = visitInput(scope, fn, inputArg);
  if (input === undefined) return stand;
  const timeColumn = visitDescriptor(scope, fn, descriptorArg);
  const args = rest.map((a) => parseSlice(scope, a.tokens, a.end, (p) => p.expression(), (e) => visitExpression(scope, e)));
  if (timeColumn === undefined || args.some((a) => a === undefined)) return stand;
  return { kind: 'windowTvf', fn, input: input.from, partitionBy: input.partitionBy, timeColumn, args: args as Expr[], alias, pos };
}

/** `TABLE t` or `TABLE (query)`, then `PARTITION BY key` or `PARTITION BY (k1, k2)`. */
function visitInput(scope: VisitScope, fn: string, arg: TableFunctionCall['args'][number]): { from: FromItem; partitionBy: Expr[] } | undefined {
  const P = flinkGrammar().FlinkSqlParser;
  const [first, ...tokens] = arg.tokens;
  if (first?.type !== P.KW_TABLE) {
    problem(scope, first ?? arg.end, `the first argument of ${fn} is the input, TABLE t or TABLE (query), but found ${describeToken(first ?? arg.end)}`);
    return undefined;
  }
  let from: FromItem | undefined;
  let rest: readonly Token[];
  if (tokens[0]?.type === P.LR_BRACKET) {
    const close = closingIndex(tokens, 0);
    const query = parseSlice(scope, tokens.slice(1, close), tokens[close] ?? arg.end, (p) => p.queryStatement(), (q) => visitQuery(scope, q));
    from = query === undefined ? undefined : { kind: 'subquery', query, pos: positionOf(tokens[0]) };
    rest = tokens.slice(close + 1);
  } else {
    const partition = tokens.findIndex((t) => t.type === P.KW_PARTITION);
    const nameTokens = partition < 0 ? tokens : tokens.slice(0, partition);
    from = parseSlice(scope, nameTokens, partition < 0 ? arg.end : tokens[partition], (p) => p.tablePath(), (path) => {
      const last = path.identifier()[path.identifier().length - 1];
      return { kind: 'table', name: nameOf(scope, last), pos: positionOf(last.start!) } as const;
    });
    rest = partition < 0 ? [] : tokens.slice(partition);
  }
  if (from === undefined) return undefined;
  if (rest.length === 0) return { from, partitionBy: [] };
  if (rest[0].type !== P.KW_PARTITION || rest[1]?.type !== P.KW_BY || rest.length < 3) {
    problem(scope, rest[0], `expected PARTITION BY or the end of ${fn}'s first argument but found ${describeToken(rest[0])}`);
    return undefined;
  }
  const keys = rest.slice(2);
  // One key, or several in parentheses: a comma alone would already end the argument.
  const grouped = keys[0].type === P.LR_BRACKET && closingIndex(keys, 0) === keys.length - 1;
  const slices = grouped ? splitAtCommas(keys.slice(1, -1), keys[keys.length - 1]) : [{ tokens: keys, end: arg.end }];
  const partitionBy = slices.map((s) => parseSlice(scope, s.tokens, s.end, (p) => p.expression(), (e) => visitExpression(scope, e)));
  return partitionBy.some((k) => k === undefined) ? undefined : { from, partitionBy: partitionBy as Expr[] };
}

function visitDescriptor(scope: VisitScope, fn: string, arg: TableFunctionCall['args'][number]): Expr | undefined {
  const P = flinkGrammar().FlinkSqlParser;
  const first = arg.tokens[0] ?? arg.end;
  if (first.type !== P.KW_DESCRIPTOR) {
    problem(scope, first, `the second argument of ${fn} is the time column, DESCRIPTOR(column), but found ${describeToken(first)}`);
    return undefined;
  }
  return parseSlice(scope, arg.tokens, arg.end, (p) => p.columnDescriptor(), (d) => visitColumnName(scope, d.columnName()));
}

function closingIndex(tokens: readonly Token[], open: number): number {
  const P = flinkGrammar().FlinkSqlParser;
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].type === P.LR_BRACKET) depth++;
    else if (tokens[i].type === P.RR_BRACKET && --depth === 0) return i;
  }
  return tokens.length;
}

function splitAtCommas(tokens: readonly Token[], end: Token): { tokens: Token[]; end: Token }[] {
  const P = flinkGrammar().FlinkSqlParser;
  const slices: { tokens: Token[]; end: Token }[] = [{ tokens: [], end }];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === P.LR_BRACKET) depth++;
    else if (t.type === P.RR_BRACKET) depth--;
    if (t.type === P.COMMA && depth === 0) {
      slices[slices.length - 1].end = t;
      slices.push({ tokens: [], end });
    } else slices[slices.length - 1].tokens.push(t);
  }
  return slices;
}
