/**
 * Nexmark q6's shape, run as one operator: a window aggregation (TUMBLE or HOP) over a Calc over
 * an inner interval join of two insert-only inputs, whose GROUP BY columns hold the join key
 * (`SELECT id, seller, MAX(price) ... FROM TABLE(TUMBLE(TABLE (SELECT A.id, A.seller, A.expires,
 * B.price FROM A JOIN B ON A.id = B.auction AND <times>), DESCRIPTOR(expires), ...)) GROUP BY id,
 * seller, window_start, window_end`). Every group's rows then come from one join key, so the
 * groups' windows can be kept in the join's keyed state and each joined row added to its window
 * where it is made (runtime/JoinWindowAggregateFunction.ts), instead of each going through a row
 * time, the Calc, an exchange and the window operator. EXPLAIN is unchanged.
 *
 * Only this shape is recognized (anything else runs as planned): the join INNER with an interval
 * (not a window join, not q7's windowMaxJoin), both inputs insert-only; the Calc between any
 * projection and filter, the aggregation's time attribute a bare column of it that is the join's
 * time attribute (the window operator's rows are timed by it); for each pair of join keys, the
 * GROUP BY has a bare column of the Calc that is one of the pair's columns. Not in batch, not
 * with idle-state retention (the window operator's state does not expire; the join's would).
 *
 * What it emits is what the window operator emits when it runs in the same task as the join
 * (parallelism 1), where its watermark is the join's: a joined row is late for its window when
 * the window's last millisecond is not after the join's watermark. The rows of windows closing
 * at one watermark may come in another order (by join key, then as their windows were opened;
 * the window operator's by its timers). specs/sql/joinWindowAggregate.spec.ts runs both.
 */
import type { PlanNode } from './logicalPlan';
import { windowMaxJoin } from './windowMaxJoin';

type WindowAggregateNode = Extract<PlanNode, { kind: 'windowAggregate' }>;
type CalcNode = Extract<PlanNode, { kind: 'calc' }>;
type JoinNode = Extract<PlanNode, { kind: 'join' }>;

export interface JoinWindowAggregate {
  readonly aggregation: WindowAggregateNode;
  readonly calc: CalcNode;
  readonly join: JoinNode;
  /** The aggregation's time attribute, a column of the Calc's rows. */
  readonly timeField: number;
}

/** The aggregation and the join under it as one operator, when they have that shape (see the header); undefined otherwise. */
export function joinWindowAggregate(aggregation: WindowAggregateNode, options: { readonly batch: boolean; readonly stateRetentionMs: number | undefined }): JoinWindowAggregate | undefined {
  if (options.batch || options.stateRetentionMs !== undefined) return undefined;
  const { windowing, window, keys } = aggregation;
  if (windowing.kind !== 'assign' || (window.kind !== 'TUMBLE' && window.kind !== 'HOP')) return undefined;
  const calc = aggregation.input;
  if (calc.kind !== 'calc') return undefined;
  const join = calc.input;
  if (join.kind !== 'join' || join.joinType !== 'INNER' || join.interval === undefined || join.window !== undefined) return undefined;
  if (join.left.updating || join.right.updating || windowMaxJoin(join, options) !== undefined) return undefined;
  const joinTime = join.fields.findIndex((f) => f.rowtime === true);
  if (joinTime < 0 || calc.projections[windowing.timeField]?.field !== joinTime) return undefined;
  // The joined row's columns the GROUP BY holds as they are.
  const grouped = new Set(keys.map((k) => (k.field === undefined ? undefined : calc.projections[k.field]?.field)).filter((f) => f !== undefined));
  const leftWidth = join.left.fields.length;
  const keyHeld = join.leftKeys.every((l, i) => {
    const r = join.rightKeys[i];
    return (l.field !== undefined && grouped.has(l.field)) || (r.field !== undefined && grouped.has(leftWidth + r.field));
  });
  return keyHeld ? { aggregation, calc, join, timeField: windowing.timeField } : undefined;
}
