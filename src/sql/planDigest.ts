/**
 * Sub-plan reuse, as Flink's (table.optimizer.reuse-sub-plan-enabled, on by default): two
 * parts of one query's plan that compute the same thing are translated once and their stream
 * read by both consumers. Nexmark q5 in SQL aggregates the same HOP windows of `bid` twice (its
 * AuctionBids and CountBids subqueries); reused, the bids are scanned, windowed and counted
 * once.
 *
 * A node's digest says what it computes: its kind, its settings, its output fields, its
 * expressions (EXPLAIN's text, with the column index of a bare column, and the type) and its
 * input's digest; a scan's names its source by identity. Equal digests compute equal streams.
 * Only chains of one input are digested (scans, calcs, window TVFs, window and group
 * aggregations): with a single table the same expression text reads the same column, whereas
 * under a join the same qualified name may stand for a column of either side. Other nodes
 * have no digest and are translated where they appear.
 */
import type { Compiled } from './compileExpression';
import type { AggregateCall } from './aggregates';
import type { PlanNode } from './logicalPlan';
import type { TableSource } from './tableConnectors';
import type { Field } from './types';

/** The digests of the nodes of the plans translated together (sources are told apart by identity). */
export class PlanDigests {
  private readonly sources = new Map<TableSource, number>();
  private readonly digests = new WeakMap<PlanNode, string | undefined>();

  /** What `node` computes, or undefined when it is not reused. */
  digest(node: PlanNode): string | undefined {
    if (this.digests.has(node)) return this.digests.get(node);
    const d = this.compute(node);
    this.digests.set(node, d);
    return d;
  }

  private compute(node: PlanNode): string | undefined {
    const own = this.ownParts(node);
    if (own === undefined) return undefined;
    const input = 'input' in node ? this.digest(node.input) : '';
    if (input === undefined) return undefined;
    return JSON.stringify([node.kind, node.updating, fieldsPart(node.fields), own, input]);
  }

  /** The node's own settings and expressions, or undefined for kinds that are not reused. */
  private ownParts(node: PlanNode): unknown {
    switch (node.kind) {
      case 'scan':
        return [node.table, this.sourceId(node.source)];
      case 'calc':
        return [node.projections.map(compiledPart), node.filter === undefined ? null : compiledPart(node.filter)];
      case 'windowTvf':
        return [node.window, node.timeField];
      case 'windowAggregate':
        return [node.window, node.windowing, node.keys.map(compiledPart), node.aggregates.map(aggregatePart)];
      case 'groupAggregate':
        return [node.keys.map(compiledPart), node.aggregates.map(aggregatePart)];
      default:
        return undefined;
    }
  }

  private sourceId(source: TableSource): number {
    let id = this.sources.get(source);
    if (id === undefined) this.sources.set(source, (id = this.sources.size));
    return id;
  }
}

const fieldsPart = (fields: readonly Field[]) => fields.map((f) => [f.name, f.type, f.rowtime === true, f.windowBound === undefined ? null : [f.windowBound.bound, f.windowBound.window]]);

const compiledPart = (c: Compiled) => [c.text, c.type, c.field ?? null, c.rowtime === true];

const aggregatePart = (a: AggregateCall) => [a.text, a.type];
