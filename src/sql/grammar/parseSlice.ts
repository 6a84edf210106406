/**
 * Parses a slice of a statement's tokens on its own with one grammar rule, for the parts the
 * grammar cannot read in place (window table function arguments, a select item it split
 * wrongly); positions stay those of the statement.
 */
import type { Token } from 'antlr4ng';
import type { FlinkSqlParser } from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import { bridgeGrammarGaps, endAt } from './grammarGaps';
import { parseWithHints } from './parseWithHints';
import { VisitScope } from './visitScope';

/**
 * Parses `tokens` (the text before `end`) with `rule` and visits the tree. A syntax problem
 * gives undefined, and is recorded unless `quiet` (when the caller has another reading).
 */
export function parseSlice<T, R>(
  scope: VisitScope,
  tokens: readonly Token[],
  end: Token,
  rule: (parser: FlinkSqlParser) => T,
  visit: (tree: T) => R,
  quiet = false,
): R | undefined {
  const bridged = bridgeGrammarGaps([...tokens, endAt(end)]);
  const parsed = parseWithHints(bridged.tokens, rule);
  if (parsed.problems.length > 0) {
    if (!quiet) scope.problems.push(...parsed.problems);
    return undefined;
  }
  for (const [placeholder, call] of bridged.calls) scope.calls.set(placeholder, call);
  return visit(parsed.tree);
}
