/**
 * Turns a parsed query into a logical plan, checking it on the way: tables, columns and
 * functions must exist, types must fit, and constructs must be ones the runtime can run.
 * Every problem is recorded with its position and planning goes on, so a refused query lists
 * them all. This file plans queries (UNION ALL, ORDER BY) and FROM items, and chooses a
 * SELECT's plan; each construct is planned in a file of its own (docs/internals.md, "SQL
 * planner"): planJoin.ts, planWindowTableFunction.ts, planAggregation.ts, planTopN.ts,
 * planOverAggregate.ts, planOrderBy.ts, planMatchRecognize.ts, and planCalc.ts for the select
 * list and WHERE.
 */
import { absurd } from 'fp-ts/function';
import { Expr, FromItem, Query, Select } from './ast';
import { Catalog, unknownTable } from './Catalog';
import { PlanNode } from './logicalPlan';
import { aggregateCalls, planAggregation } from './planAggregation';
import { fieldRef, INVALID, PlanningContext, planningContext, Scope, scopeOf } from './PlanningContext';
import { planCalc } from './planCalc';
import { planJoin, pushWhereIntoJoin } from './planJoin';
import { planMatchRecognize } from './planMatchRecognize';
import { planOrderBy } from './planOrderBy';
import { OverItem, overItems, planOverAggregate } from './planOverAggregate';
import { applyRankLimit, checkRanks, planRank, rankFunction } from './planTopN';
import { planWindowTableFunction } from './planWindowTableFunction';
import { SqlProblem } from './SqlProblem';
import { commonType } from './types';

export class Planner {
  private readonly planning: PlanningContext;

  constructor(
    catalog: Catalog,
    readonly problems: SqlProblem[],
    /** Batch mode runs what a stream cannot, such as ORDER BY any column. */
    mode: 'streaming' | 'batch' = 'streaming',
  ) {
    this.planning = planningContext(catalog, problems, mode);
  }

  /** Plans a whole query; a Top-N without its rank filter is refused here. */
  plan(q: Query): PlanNode {
    const node = this.planQuery(q);
    checkRanks(node, this.planning);
    return node;
  }

  planQuery(q: Query): PlanNode {
    if (q.kind === 'select') return this.planSelect(q);
    if (q.kind === 'ordered') return planOrderBy(q, this.planQuery(q.query), this.planning);
    const inputs = q.inputs.map((i) => this.planQuery(i));
    const [first, ...rest] = inputs;
    let types = first.fields.map((f) => f.type);
    rest.forEach((input, n) => {
      const { pos } = q.inputs[n + 1];
      if (input.kind === 'invalid' || first.kind === 'invalid') return;
      if (input.fields.length !== first.fields.length) {
        this.planning.problem(pos, `UNION ALL inputs must have the same number of columns: ${first.fields.length} and ${input.fields.length}`);
        return;
      }
      types = types.map((t, i) => {
        const common = commonType(t, input.fields[i].type);
        if (common === undefined) this.planning.problem(pos, `UNION ALL column ${i + 1} ('${first.fields[i].name}') mixes ${t} and ${input.fields[i].type}`);
        return common ?? 'ANY';
      });
    });
    const fields = first.fields.map((f, i) => ({ name: f.name, type: types[i], rowtime: inputs.every((n) => n.fields[i]?.rowtime === true) || undefined }));
    return { kind: 'union', inputs, fields, updating: inputs.some((i) => i.updating) };
  }

  private planFrom(f: FromItem): Scope {
    switch (f.kind) {
      case 'table': {
        const { catalog } = this.planning;
        const entry = catalog.get(f.name);
        let node: PlanNode = INVALID;
        if (entry === undefined) this.problems.push(unknownTable(catalog, f.name, f.pos));
        else if (entry.kind === 'view') node = this.planQuery(entry.query);
        else if (entry.kind === 'plan') node = entry.plan;
        else if (entry.source === undefined) this.planning.problem(f.pos, `table '${f.name}' cannot be read: its connector only writes`);
        else node = { kind: 'scan', table: f.name, source: entry.source, fields: entry.fields, updating: false };
        return scopeOf(node, f.alias ?? f.name);
      }
      case 'subquery':
        return scopeOf(this.planQuery(f.query), f.alias);
      case 'windowTvf':
        return planWindowTableFunction(f, this.planFrom(f.input), this.planning);
      case 'join':
        return planJoin(f, this.planning, (input) => this.planFrom(input));
      case 'matchRecognize':
        return planMatchRecognize(f, this.planFrom(f.input), this.planning);
      default:
        return absurd(f);
    }
  }

  private planSelect(s: Select): PlanNode {
    if (!s.distinct) return this.planSelectRows(s);
    // DISTINCT: group the result by all its columns, with no aggregate.
    const rows = this.planSelectRows({ ...s, distinct: false });
    const fields = rows.fields.map((f) => ({ name: f.name, type: f.type }));
    return { kind: 'groupAggregate', input: rows, keys: rows.fields.map((_, i) => fieldRef(rows.fields, i)), aggregates: [], fields, updating: true };
  }

  private planSelectRows(s: Select): PlanNode {
    let scope = this.planFrom(s.from);
    let where = s.where;
    // A filter on the rank column of a Top-N subquery is the Top-N's limit.
    if (where !== undefined) {
      const limited = applyRankLimit(scope.node, where);
      if (limited !== undefined) {
        scope = { ...scope, node: limited.node };
        where = limited.rest;
      }
    }
    ({ scope, where } = pushWhereIntoJoin(scope, where, this.planning));
    const overs = overItems(s);
    if (overs.length > 0) return this.planOver(s, scope, where, overs);
    const calls = aggregateCalls(s, this.planning.catalog.functions);
    if (s.groupBy.length > 0 || calls.length > 0) return planAggregation(s, scope, where, calls, this.planning);
    if (s.having !== undefined) this.planning.problem(s.pos, 'HAVING needs GROUP BY or an aggregate');
    return planCalc(s, scope, where, this.planning);
  }

  /** A SELECT with `fn(...) OVER (...)` items: an OVER aggregation, or a ranking (Top-N) when one is ROW_NUMBER(), RANK() or DENSE_RANK(). */
  private planOver(s: Select, scope: Scope, where: Expr | undefined, overs: readonly OverItem[]): PlanNode {
    const ranks = overs.flatMap((o) => {
      const fn = rankFunction(o.call.name);
      return fn === undefined ? [] : [{ ...o, fn }];
    });
    let node: PlanNode;
    if (ranks.length === 0) node = planOverAggregate(s, scope, where, overs, this.planning);
    else {
      const aggregates = overs.filter((o) => rankFunction(o.call.name) === undefined);
      for (const { call } of aggregates) this.planning.problem(call.pos, 'OVER aggregations and ROW_NUMBER(), RANK() or DENSE_RANK() cannot share one SELECT: rank in an enclosing query');
      const [rank] = ranks;
      const items = s.items.filter((_, n) => !aggregates.some((o) => o.index === n));
      const index = rank.index - aggregates.filter((o) => o.index < rank.index).length;
      node = planRank({ ...s, items }, scope, where, { ...rank, index }, this.planning);
    }
    // Neither plan has groups for a HAVING to filter, and silently dropping it would return rows it excludes.
    if (s.having !== undefined) {
      const what = ranks.length === 0 ? `${overs[0].call.name}(...)` : `${ranks[0].fn}()`;
      this.planning.problem(s.having.pos, `HAVING needs GROUP BY or an aggregate, and ${what} OVER computes a value per row: filter on it in an enclosing query`);
    }
    return node;
  }
}
