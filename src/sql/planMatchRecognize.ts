/**
 * MATCH_RECOGNIZE as a pattern of the CEP engine (src/cep): each PATTERN variable is a stage
 * taking rows in strict contiguity (`next`, `consecutive` inside a quantifier, greedy when it
 * may take more), its DEFINE condition the stage's condition, WITHIN the pattern's `within`,
 * AFTER MATCH SKIP its skip strategy; MEASURES compute the one row of each match. The
 * subset that maps is in docs/sql.md ("MATCH_RECOGNIZE"); the rest is refused here, each
 * problem with its position.
 *
 * Inside DEFINE and MEASURES, `A.col` is a column of the last row mapped to A (in DEFINE,
 * of the current row when A is the variable defined), FIRST/LAST(A.col[, n]) navigate A's
 * rows, PREV(A.col[, n]) the rows of the match n before A's last one, and COUNT, SUM, AVG, MIN, MAX aggregate them; without a variable they read every
 * row of the match (in DEFINE, the current row for a plain column).
 *
 * One file of about 330 lines: the pattern, its skip strategy and the DEFINE and MEASURES
 * substitutions all read the same clause's variables and report into its one problem list.
 */
import { AfterMatchSkipStrategy } from '../cep/AfterMatchSkipStrategy';
import { Pattern } from '../cep/Pattern';
import { ConditionContext } from '../cep/Stage';
import { builtinAggregate } from './aggregates';
import { AfterMatchSkip, Expr, MatchRecognize, PatternTerm } from './ast';
import { Change } from './Change';
import { Compiled, compileExpression, ScopeColumn } from './compileExpression';
import { MatchMeasure, MatchView, PlanNode } from './logicalPlan';
import { PlanningContext, Scope, scopeOf } from './PlanningContext';
import { SqlPosition } from './SqlProblem';
import { Field, Row, isNumeric } from './types';

const NAVIGATION = new Set(['FIRST', 'LAST', 'PREV']);
const AGGREGATES = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX']);

export function planMatchRecognize(m: MatchRecognize, input: Scope, planning: PlanningContext): Scope {
  const problem = (pos: SqlPosition, message: string) => planning.problem(pos, message);
  const fields = input.node.fields;
  if (input.node.updating) problem(m.pos, 'MATCH_RECOGNIZE needs an append-only input, but its input is a changelog (it updates rows)');
  // ORDER BY the time attribute, ascending: rows are matched in event-time order.
  const orderCtx = planning.context(input, 'ORDER BY');
  const [order, ...moreOrder] = m.orderBy;
  let timeField = -1;
  if (order === undefined) problem(m.pos, 'MATCH_RECOGNIZE needs ORDER BY the input\'s time attribute (rows are matched in event-time order)');
  else {
    const time = compileExpression(order.expr, orderCtx);
    if (!input.opaque && time.type !== 'ANY' && (time.field === undefined || !time.rowtime || order.descending)) {
      problem(order.pos, `MATCH_RECOGNIZE is ordered by a time attribute, ascending (a column with a WATERMARK), but ORDER BY has ${time.text}${order.descending ? ' DESC' : ''}`);
    } else timeField = time.field ?? -1;
  }
  for (const o of moreOrder) problem(o.pos, 'unsupported: ORDER BY items after the time attribute in MATCH_RECOGNIZE (rows of one time are matched in arrival order)');
  const partitionKeys = m.partitionBy.map((p) => {
    const key = compileExpression(p, planning.context(input, 'PARTITION BY'));
    if (key.field === undefined && key.type !== 'ANY') problem(p.pos, `MATCH_RECOGNIZE partitions by columns, but PARTITION BY has ${key.text}`);
    return key;
  });

  const variables = m.pattern.map((t) => t.variable);
  const seen = new Set<string>();
  for (const t of m.pattern) {
    if (seen.has(t.variable)) problem(t.pos, `unsupported: variable ${t.variable} appears twice in PATTERN: give each place its own variable`);
    seen.add(t.variable);
  }
  const last = m.pattern[m.pattern.length - 1];
  if (last.min !== last.max) {
    problem(last.pos, `the last variable of PATTERN cannot take a varying number of rows (${termText(last)} is greedy: a variable after it ends its rows): add a variable after it, e.g. PATTERN (... ${last.variable}* E) DEFINE E AS NOT (the condition of ${last.variable})`);
  }
  if (m.pattern.every((t) => t.min === 0)) problem(m.patternPos, 'every variable of PATTERN may take no row: a match must take at least one');
  const defined = new Map<string, Expr>();
  for (const d of m.define) {
    if (!variables.includes(d.variable)) problem(d.pos, `DEFINE ${d.variable}: no variable ${d.variable} in PATTERN (${variables.join(' ')})`);
    else if (defined.has(d.variable)) problem(d.pos, `DEFINE ${d.variable} is written twice`);
    defined.set(d.variable, d.condition);
  }
  const skip = skipStrategy(m.skip, m.pattern, problem);
  let withinMs: number | undefined;
  if (m.within !== undefined) {
    const w = compileExpression(m.within, planning.context({ columns: [], opaque: false }, 'WITHIN'));
    const ms = w.constant?.value;
    if (w.type !== 'INTERVAL' || typeof ms !== 'number' || ms <= 0) problem(m.within.pos, `WITHIN takes a positive interval, e.g. WITHIN INTERVAL '5' MINUTE, but found ${w.text}`);
    else withinMs = ms;
  }

  // The view the compiled expressions read, set before each evaluation.
  const view: { current: MatchView } = { current: { rowsOf: () => [] } };
  const navigate = matchReferences(variables, fields, timeField, view, planning, input.opaque);

  // DEFINE: a condition over the current row (plain and own-variable columns) and the partial match.
  let pattern: Pattern<Change> | undefined;
  const conditions: string[] = [];
  for (const [i, term] of m.pattern.entries()) {
    const condition = defined.get(term.variable);
    let test: ((c: Change, ctx: ConditionContext<Change>) => boolean) | undefined;
    if (condition !== undefined) {
      const columns: ScopeColumn[] = fields.map((f) => ({ ...f, qualifier: term.variable }));
      const compiled = compileExpression(condition, planning.context({ columns, opaque: input.opaque }, 'DEFINE', navigate(term.variable)));
      if (compiled.type !== 'BOOLEAN' && compiled.type !== 'ANY' && compiled.type !== 'NULL') problem(condition.pos, `DEFINE ${term.variable} needs a BOOLEAN condition but ${compiled.text} is ${compiled.type}`);
      conditions.push(`${term.variable} AS ${compiled.text}`);
      const evaluate = compiled.eval;
      test = (c, ctx) => {
        view.current = definingView(term.variable, c.row, ctx, variables);
        return evaluate(c.row) === true;
      };
    }
    pattern = stageOf(pattern, term, i === 0 ? skip : undefined, test);
  }
  if (withinMs !== undefined && pattern !== undefined) pattern = pattern.within(withinMs);

  // MEASURES: over the last row of the match (plain columns) and the whole match.
  const measureColumns: ScopeColumn[] = fields.map((f) => ({ ...f, qualifier: undefined }));
  const measures: MatchMeasure[] = m.measures.map((item) => {
    const compiled = compileExpression(item.expr, planning.context({ columns: measureColumns, opaque: input.opaque }, 'MEASURES', navigate(undefined)));
    const evaluate = compiled.eval;
    return {
      name: item.name,
      text: compiled.text,
      type: compiled.type,
      rowtime: compiled.rowtime,
      eval: (match: MatchView) => {
        view.current = match;
        const all = match.rowsOf(undefined);
        return evaluate(all[all.length - 1]);
      },
    };
  });
  const outputFields: Field[] = [
    ...partitionKeys.map((k) => ({ name: k.field === undefined ? k.text : fields[k.field].name, type: k.type })),
    ...measures.map((me) => ({ name: me.name, type: me.type, rowtime: me.rowtime })),
  ];
  const node: PlanNode =
    pattern === undefined || timeField < 0
      ? { kind: 'invalid', fields: outputFields, updating: false }
      : {
          kind: 'match',
          input: input.node,
          partitionKeys,
          timeField,
          pattern,
          variables,
          measures,
          describe: {
            pattern: m.pattern.map(termText).join(' '),
            define: conditions,
            skip: skipText(m.skip),
            withinMs,
          },
          fields: outputFields,
          updating: false,
        };
  return { ...scopeOf(node, m.alias), opaque: input.opaque || node.kind === 'invalid' };
}

function termText(t: PatternTerm): string {
  if (!t.quantified) return t.variable;
  if (t.min === 0 && t.max === Infinity) return `${t.variable}*`;
  if (t.min === 1 && t.max === Infinity) return `${t.variable}+`;
  if (t.min === 0 && t.max === 1) return `${t.variable}?`;
  if (t.min === t.max) return `${t.variable}{${t.min}}`;
  return `${t.variable}{${t.min},${t.max === Infinity ? '' : t.max}}`;
}

const skipText = (s: AfterMatchSkip | undefined) => (s === undefined ? 'SKIP PAST LAST ROW' : 'variable' in s ? `SKIP ${s.kind} ${s.variable}` : `SKIP ${s.kind}`);

function skipStrategy(s: AfterMatchSkip | undefined, pattern: readonly PatternTerm[], problem: (pos: SqlPosition, message: string) => void): AfterMatchSkipStrategy {
  if (s === undefined || !('variable' in s)) return s?.kind === 'TO NEXT ROW' ? AfterMatchSkipStrategy.skipToNext() : AfterMatchSkipStrategy.skipPastLastEvent();
  const index = pattern.findIndex((t) => t.variable === s.variable);
  const term = pattern[index];
  if (term === undefined) problem(s.pos, `AFTER MATCH SKIP ${s.kind} ${s.variable}: no variable ${s.variable} in PATTERN`);
  else if (term.min === 0) problem(s.pos, `AFTER MATCH SKIP ${s.kind} ${s.variable}: ${s.variable} may take no row, and a match without one would have nowhere to skip to`);
  else if (index === 0 && (s.kind === 'TO FIRST' || term.max === 1)) problem(s.pos, `AFTER MATCH SKIP ${s.kind} ${s.variable}: that is the first row of the match, so matching would start again where it started`);
  return s.kind === 'TO FIRST' ? AfterMatchSkipStrategy.skipToFirst(s.variable) : AfterMatchSkipStrategy.skipToLast(s.variable);
}

/** The pattern so far with `term` as its next stage (strict contiguity, greedy when it may take more). */
function stageOf(
  pattern: Pattern<Change> | undefined,
  term: PatternTerm,
  skip: AfterMatchSkipStrategy | undefined,
  test: ((c: Change, ctx: ConditionContext<Change>) => boolean) | undefined,
): Pattern<Change> {
  let p = pattern === undefined ? Pattern.begin<Change>(term.variable, skip) : pattern.next(term.variable);
  if (test !== undefined) p = p.where(test);
  const least = Math.max(term.min, 1);
  if (term.max > 1) {
    p = term.max === Infinity ? p.timesOrMore(least) : p.times(least, term.max);
    p = p.consecutive();
    if (term.max > least) p = p.greedy();
  }
  return term.min === 0 ? p.optional() : p;
}

/** The view of a partial match while `variable`'s condition is tested on `row`: the row counts as the variable's last. */
function definingView(variable: string, row: Row, ctx: ConditionContext<Change>, variables: readonly string[]): MatchView {
  return {
    rowsOf: (v) => {
      if (v === undefined) return [...variables.flatMap((name) => ctx.getEventsForPattern(name).map((c) => c.row)), row];
      const rows = ctx.getEventsForPattern(v).map((c) => c.row);
      return v === variable ? [...rows, row] : rows;
    },
  };
}

/**
 * The substitutions of DEFINE and MEASURES: FIRST/LAST, aggregates over a variable's rows,
 * `V.col` of another variable (its last row), MATCH_ROWTIME(); `defining` is the variable whose
 * condition is compiled (undefined: MEASURES).
 */
function matchReferences(variables: readonly string[], fields: readonly Field[], timeField: number, view: { current: MatchView }, planning: PlanningContext, opaque: boolean) {
  return (defining: string | undefined) =>
    (e: Expr): Compiled | undefined => {
      const clause = defining === undefined ? 'MEASURES' : 'DEFINE';
      if (e.kind === 'column' && e.table !== undefined && variables.includes(e.table) && e.table !== defining) {
        const index = fields.findIndex((f) => f.name === e.name);
        if (index < 0) return undefined; // compileColumn reports the unknown column
        const v = e.table;
        return { type: fields[index].type, text: `LAST(${v}.${e.name})`, eval: () => lastOf(view.current.rowsOf(v))?.[index] ?? null };
      }
      if (e.kind !== 'call' || e.over !== undefined) return undefined;
      if (e.name === 'MATCH_ROWTIME' && defining === undefined && e.args.length === 0) {
        return { type: 'TIMESTAMP', text: 'MATCH_ROWTIME()', rowtime: true, eval: () => lastOf(view.current.rowsOf(undefined))?.[timeField] ?? null };
      }
      if (!NAVIGATION.has(e.name) && !AGGREGATES.has(e.name)) return undefined;
      const problem = (message: string) => planning.problem(e.pos, message);
      const [arg, offsetArg, ...rest] = e.args;
      const refs = new Set<string | undefined>();
      e.args.slice(0, 1).forEach((a) => columnTables(a, refs));
      if (refs.size > 1) {
        problem(`${e.name}(...) in ${clause} reads the rows of one variable, but ${[...refs].map((r) => r ?? 'a plain column').join(' and ')} are named`);
        return { type: 'ANY', text: e.name, eval: () => null };
      }
      const [ref] = [...refs];
      const variable = ref !== undefined && variables.includes(ref) ? ref : undefined;
      if (ref !== undefined && variable === undefined && !opaque) {
        problem(`unknown pattern variable '${ref}' in ${e.name}(...) (variables: ${variables.join(', ')})`);
        return { type: 'ANY', text: e.name, eval: () => null };
      }
      // A plain column in DEFINE is the current row's; in FIRST/LAST/aggregates, every row so far.
      const columns: ScopeColumn[] = fields.map((f) => ({ ...f, qualifier: variable }));
      const ctx = planning.context({ columns, opaque }, clause);
      if (NAVIGATION.has(e.name)) {
        if (arg === undefined || e.star || rest.length > 0) {
          problem(`${e.name} takes a column of a variable and an optional offset, e.g. ${e.name}(A.price) or ${e.name}(A.price, 1)`);
          return { type: 'ANY', text: e.name, eval: () => null };
        }
        const value = compileExpression(arg, ctx);
        let offset = 0;
        if (offsetArg !== undefined) {
          const o = compileExpression(offsetArg, ctx).constant?.value;
          if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) problem(`the offset of ${e.name} is a whole number >= 0`);
          else offset = o;
        }
        const first = e.name === 'FIRST';
        const read = value.eval;
        if (e.name === 'PREV') {
          // n rows before the variable's last row (in DEFINE of that variable, the current row), among every row of the match.
          const back = offsetArg === undefined ? 1 : offset;
          const own = variable ?? defining;
          return {
            type: value.type,
            text: `PREV(${value.text}${back === 1 ? '' : `, ${back}`})`,
            eval: () => {
              const all = view.current.rowsOf(undefined);
              const base = own === undefined ? all.length - 1 : all.lastIndexOf(lastOf(view.current.rowsOf(own))!);
              const row = base < 0 ? undefined : all[base - back];
              return row === undefined ? null : read(row);
            },
          };
        }
        return {
          type: value.type,
          text: `${e.name}(${value.text}${offset === 0 ? '' : `, ${offset}`})`,
          eval: () => {
            const rows = view.current.rowsOf(variable);
            const row = rows[first ? offset : rows.length - 1 - offset];
            return row === undefined ? null : read(row);
          },
        };
      }
      if (e.name === 'COUNT' && e.star && variable === undefined && e.args.length === 0) {
        return { type: 'BIGINT', text: 'COUNT(*)', eval: () => view.current.rowsOf(undefined).length };
      }
      if (arg === undefined || e.args.length > 1) {
        problem(`${e.name} takes one argument in ${clause}, e.g. ${e.name}(A.price)`);
        return { type: 'ANY', text: e.name, eval: () => null };
      }
      const value = compileExpression(arg, ctx);
      if ((e.name === 'SUM' || e.name === 'AVG') && !isNumeric(value.type)) problem(`${e.name} needs a number but ${value.text} is ${value.type}`);
      const call = builtinAggregate(e.name, [value], e.distinct, `${e.name}(${e.distinct ? 'DISTINCT ' : ''}${value.text})`);
      return {
        type: call.type,
        text: call.text,
        eval: () => {
          const acc = call.accumulation(false);
          let a = acc.create();
          for (const row of view.current.rowsOf(variable)) a = acc.add(a, row);
          return acc.result(a);
        },
      };
    };
}

const lastOf = <X>(rows: readonly X[]): X | undefined => rows[rows.length - 1];

/** The qualifiers of the columns `e` names (undefined for a plain column). */
function columnTables(e: Expr, out: Set<string | undefined>): void {
  switch (e.kind) {
    case 'column':
      out.add(e.table);
      return;
    case 'unary':
    case 'cast':
    case 'isNull':
    case 'extract':
      columnTables(e.arg, out);
      return;
    case 'binary':
      columnTables(e.left, out);
      columnTables(e.right, out);
      return;
    case 'call':
      e.args.forEach((a) => columnTables(a, out));
      return;
    case 'case':
      if (e.operand) columnTables(e.operand, out);
      e.whens.forEach((w) => (columnTables(w.when, out), columnTables(w.then, out)));
      if (e.otherwise) columnTables(e.otherwise, out);
      return;
    case 'between':
      [e.arg, e.low, e.high].forEach((x) => columnTables(x, out));
      return;
    case 'in':
      [e.arg, ...e.list].forEach((x) => columnTables(x, out));
      return;
    case 'like':
      columnTables(e.arg, out);
      columnTables(e.pattern, out);
      return;
    default:
      return;
  }
}
