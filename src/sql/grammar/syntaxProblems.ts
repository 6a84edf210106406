/**
 * Turns the parser's syntax errors into problems a user can act on: what was found, what was
 * expected (an expression, a name, a short list of symbols), with its line and column.
 */
import { absurd } from 'fp-ts/function';
import type { IntervalSet, Token } from 'antlr4ng';
import { SUPPORTED_TYPE_NAMES } from '../types';
import { SqlProblem } from '../SqlProblem';
import { flinkGrammar } from './flinkSqlGrammar';
import { describeToken, positionOf } from './lexStatement';
import { SyntaxErrorReport } from './runParser';

/** `tokens`: those that were parsed, to look at the error's neighbours. */
export function syntaxProblem(error: SyntaxErrorReport, tokens: readonly Token[]): SqlProblem {
  const P = flinkGrammar().FlinkSqlParser;
  const i = tokens.indexOf(error.token);
  // INTERVAL '1' FORTNIGHT: the grammar ends the interval at INTERVAL and stumbles on the value.
  // After a whole statement, "expected a statement" would mislead: the statement went wrong earlier.
  if (i > 0 && error.expected !== undefined && error.expected.contains(P.KW_SELECT) && error.expected.contains(P.KW_CREATE)) {
    return { ...positionOf(error.token), message: `unexpected ${describeToken(error.token)}` };
  }
  if (i > 0 && tokens[i - 1].type === P.KW_INTERVAL && (error.token.type === P.STRING_LITERAL || error.token.type === P.DIG_LITERAL) && i + 1 < tokens.length) {
    const unit = tokens[i + 1];
    return { ...positionOf(unit), message: `expected an interval unit (MILLISECOND, SECOND, MINUTE, HOUR, DAY) after INTERVAL ${error.token.text ?? ''} but found ${describeToken(unit)}` };
  }
  return { ...positionOf(error.token), message: wording(error) };
}

function wording(error: SyntaxErrorReport): string {
  const g = flinkGrammar();
  const P = g.FlinkSqlParser;
  const found = describeToken(error.token);
  switch (error.kind) {
    case 'missing': {
      const what = error.expected === undefined ? undefined : describeExpected(error.expected);
      return what === undefined ? `something is missing before ${found}` : `missing ${what} before ${found}`;
    }
    case 'noViableAlternative': {
      // A word where a column's type belongs: name the types instead of the grammar's choices.
      const typeRules = [P.RULE_columnOptionDefinition, P.RULE_physicalColumnDefinition, P.RULE_columnType];
      if (typeRules.includes(error.ruleIndex) && error.token.type === P.ID_LITERAL && error.startToken !== error.token) {
        return `unknown type ${error.token.text ?? ''} (supported: ${SUPPORTED_TYPE_NAMES.join(', ')})`;
      }
      return expectedButFound(error.startToken === error.token ? error.expected : undefined, found, expectedInRule(error.ruleIndex));
    }
    case 'failedPredicate':
      return `unexpected ${found}`;
    case 'unexpected':
      if (error.ruleIndex === P.RULE_tablePropertyValue) return `expected an option value (a quoted string) but found ${found}`;
      return expectedButFound(error.expected, found);
    default:
      return absurd(error.kind);
  }
}

function expectedButFound(expected: IntervalSet | undefined, found: string, fallback?: string): string {
  const what = (expected === undefined ? undefined : describeExpected(expected)) ?? fallback;
  return what === undefined ? `unexpected ${found}` : `expected ${what} but found ${found}`;
}

/** What a rule that failed to choose an alternative was reading, when that says what is expected. */
function expectedInRule(ruleIndex: number): string | undefined {
  const P = flinkGrammar().FlinkSqlParser;
  const expressionRules = [
    P.RULE_expression, P.RULE_booleanExpression, P.RULE_valueExpression, P.RULE_primaryExpression, P.RULE_columnProjectItem, P.RULE_selectList,
    P.RULE_whereClause, P.RULE_havingClause, P.RULE_groupItemDefinition, P.RULE_functionParam, P.RULE_predicate, P.RULE_joinCondition,
  ];
  if (expressionRules.includes(ruleIndex)) return 'an expression';
  if ([P.RULE_tableExpression, P.RULE_tableReference, P.RULE_tablePrimary, P.RULE_fromClause].includes(ruleIndex)) return 'a table';
  if ([P.RULE_columnOptionDefinition, P.RULE_physicalColumnDefinition, P.RULE_columnType].includes(ruleIndex)) return 'a type';
  return undefined;
}

/** A few words for a set of token types: the category when there are many, else the list. */
function describeExpected(expected: IntervalSet): string | undefined {
  const g = flinkGrammar();
  const P = g.FlinkSqlParser;
  const has = (type: number) => expected.contains(type);
  if (has(P.KW_SELECT) && has(P.KW_INSERT) && has(P.KW_CREATE)) return 'a statement (SELECT, INSERT INTO, CREATE TABLE, CREATE VIEW, EXPLAIN)';
  if (has(P.KW_CASE) && has(P.KW_CAST) && has(P.ID_LITERAL)) return 'an expression';
  if (has(P.ID_LITERAL)) return 'a name';
  const types = expected.toArray().filter((t) => t !== P.REAL_LITERAL && t !== P.BIT_STRING);
  if (types.length === 0 || types.length > 6) return undefined;
  const names = types.map((t) => {
    if (t === g.Token.EOF) return 'the end of the statement';
    if (t === P.STRING_LITERAL) return 'a quoted string';
    if (t === P.DIG_LITERAL) return 'a number';
    return P.literalNames[t] ?? P.symbolicNames[t] ?? String(t);
  });
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** Orders problems by position and drops a second report at the same place. */
export function distinctByPosition(problems: readonly SqlProblem[]): SqlProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .filter((p) => {
      const key = `${p.line}:${p.column}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

