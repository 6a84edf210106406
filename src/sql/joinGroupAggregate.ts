/**
 * Nexmark q4's shape, run as one operator: an updating GROUP BY over (a Calc over) a regular
 * inner join of two insert-only inputs, whose GROUP BY columns hold the join key (`SELECT
 * MAX(B.price), A.category FROM A JOIN B ON A.id = B.auction AND <condition> GROUP BY A.id,
 * A.category`). Every group's rows then come from one join key, so the groups can be kept in
 * the join's keyed state and each joined row added to its group where it is made
 * (runtime/JoinGroupAggregateFunction.ts), instead of each going through an exchange and the
 * aggregation's operator. EXPLAIN is unchanged.
 *
 * Only this shape is recognized (anything else runs as planned): the join INNER without an
 * interval or a window (its rows never expire, as the groups do not), both inputs insert-only;
 * the Calc between, if any, any projection and filter; for each pair of join keys, the GROUP BY
 * has a bare column that is one of the pair's columns. Not in batch (the aggregation emits its
 * final rows at the end there), not with idle-state retention (the join's rows and the groups
 * would expire apart).
 *
 * What it emits is what the aggregation emits in the join's task: the same changes in the same
 * order, since the aggregation reads the join's rows in the order the join makes them.
 * specs/sql/joinGroupAggregate.spec.ts runs both.
 */
import type { PlanNode } from './logicalPlan';

type GroupAggregateNode = Extract<PlanNode, { kind: 'groupAggregate' }>;
type CalcNode = Extract<PlanNode, { kind: 'calc' }>;
type JoinNode = Extract<PlanNode, { kind: 'join' }>;

export interface JoinGroupAggregate {
  readonly aggregation: GroupAggregateNode;
  /** The Calc between the join and the aggregation, if any. */
  readonly calc: CalcNode | undefined;
  readonly join: JoinNode;
}

/** The aggregation and the join under it as one operator, when they have that shape (see the header); undefined otherwise. */
export function joinGroupAggregate(aggregation: GroupAggregateNode, options: { readonly batch: boolean; readonly stateRetentionMs: number | undefined }): JoinGroupAggregate | undefined {
  if (options.batch || options.stateRetentionMs !== undefined) return undefined;
  const calc = aggregation.input.kind === 'calc' ? aggregation.input : undefined;
  const join = calc !== undefined ? calc.input : aggregation.input;
  if (join.kind !== 'join' || join.joinType !== 'INNER' || join.interval !== undefined || join.window !== undefined) return undefined;
  if (join.left.updating || join.right.updating) return undefined;
  // The joined row's columns the GROUP BY holds as they are.
  const joinedField = (field: number | undefined) => (field === undefined || calc === undefined ? field : calc.projections[field]?.field);
  const grouped = new Set(aggregation.keys.map((k) => joinedField(k.field)).filter((f) => f !== undefined));
  const leftWidth = join.left.fields.length;
  const keyHeld = join.leftKeys.every((l, i) => {
    const r = join.rightKeys[i];
    return (l.field !== undefined && grouped.has(l.field)) || (r.field !== undefined && grouped.has(leftWidth + r.field));
  });
  return keyHeld && join.leftKeys.length > 0 ? { aggregation, calc, join } : undefined;
}
