/**
 * Which fields of each node's rows the plan above it reads, so that a join keeps only those of
 * its inputs' rows in state (the others become NULL there): Nexmark q4's join kept every bid
 * and auction with all their columns, their padding text included, though the query reads four
 * of them. A field is read when an expression of a consumer reads it (Compiled.reads), when a
 * consumer passes it on to a consumer that reads it, or when the operator itself uses it (a
 * time attribute, a window bound, a key). What cannot be told is read; the root's every field
 * is. Nodes that translate to one stream (equal digests, planDigest.ts) are one node here, so
 * that the stream translated first serves every consumer.
 */
import { absurd } from 'fp-ts/function';
import { AggregateCall } from './aggregates';
import { Compiled } from './compileExpression';
import { PlanNode, inputsOf } from './logicalPlan';
import { PlanDigests } from './planDigest';

type JoinNode = Extract<PlanNode, { kind: 'join' }>;

/** Per field: whether it is read. */
export type FieldMask = readonly boolean[];

export class FieldsRead {
  private readonly digests = new PlanDigests();
  /** By node (its digest, or itself when it has none): the fields its consumers read. */
  private readonly read = new Map<unknown, boolean[]>();
  /** By join: the fields of each input's rows it needs. */
  private readonly joinInputs = new Map<JoinNode, readonly [FieldMask, FieldMask]>();

  constructor(root: PlanNode) {
    // Consumers before what they consume: a node's reads are complete when it is reached.
    const order: PlanNode[] = [];
    const seen = new Set<unknown>();
    const visit = (n: PlanNode) => {
      const id = this.idOf(n);
      if (seen.has(id)) return;
      seen.add(id);
      for (const input of inputsOf(n)) visit(input);
      order.push(n);
    };
    visit(root);
    this.add(root, root.fields.map(() => true));
    for (let i = order.length - 1; i >= 0; i--) this.pass(order[i], this.read.get(this.idOf(order[i])) ?? order[i].fields.map(() => false));
  }

  /** The fields of `join`'s left and right rows that the join and the plan above it read. */
  ofJoinInputs(join: JoinNode): readonly [FieldMask, FieldMask] {
    return this.joinInputs.get(join) ?? [join.left.fields.map(() => true), join.right.fields.map(() => true)];
  }

  private idOf(n: PlanNode): unknown {
    return this.digests.digest(n) ?? n;
  }

  private add(n: PlanNode, mask: FieldMask): void {
    const id = this.idOf(n);
    const current = this.read.get(id);
    if (current === undefined) this.read.set(id, mask.slice(0, n.fields.length).concat(new Array(Math.max(0, n.fields.length - mask.length)).fill(false)));
    else for (let i = 0; i < current.length; i++) current[i] = current[i] || mask[i] === true;
  }

  /** What `n`'s inputs must give, `read` being what is read of `n`'s rows. */
  private pass(n: PlanNode, read: FieldMask): void {
    switch (n.kind) {
      case 'scan':
      case 'invalid':
        return;
      case 'calc':
        return this.add(n.input, uses(n.input.fields.length, [...n.projections.filter((_, i) => read[i]), ...(n.filter ? [n.filter] : [])]));
      case 'windowTvf':
        return this.add(n.input, or(read, uses(n.input.fields.length, [], [n.timeField])));
      case 'windowAggregate': {
        const w = n.windowing;
        return this.add(n.input, uses(n.input.fields.length, n.keys, w.kind === 'assign' ? [w.timeField] : [w.start, w.end], n.aggregates));
      }
      case 'groupAggregate':
        return this.add(n.input, uses(n.input.fields.length, n.keys, [], n.aggregates));
      case 'rank': {
        const own = uses(n.input.fields.length, [...n.partitionKeys, ...n.orderBy.map((o) => o.expr)], n.windowEnd === undefined ? [] : [n.windowEnd]);
        return this.add(n.input, or(read, own));
      }
      case 'overAggregate':
        return this.add(n.input, or(read, uses(n.input.fields.length, [...n.partitionKeys, ...n.peerOrder.map((o) => o.expr)], [n.timeField], n.aggregates)));
      case 'temporalSort':
        return this.add(n.input, or(read, uses(n.input.fields.length, n.orderBy.map((o) => o.expr), [n.timeField])));
      case 'match':
        return this.add(n.input, n.input.fields.map(() => true));
      case 'union':
        for (const input of n.inputs) this.add(input, read);
        return;
      case 'join':
        return this.passJoin(n, read);
      default:
        return absurd(n);
    }
  }

  private passJoin(n: JoinNode, read: FieldMask): void {
    const leftWidth = n.left.fields.length;
    const rowtime = n.fields.findIndex((f) => f.rowtime === true);
    const fields = [...(rowtime < 0 ? [] : [rowtime])];
    if (n.interval !== undefined) fields.push(n.interval.leftTime, leftWidth + n.interval.rightTime);
    if (n.window !== undefined) fields.push(n.window.leftEnd, leftWidth + n.window.rightEnd);
    const joined = or(read, uses(n.fields.length, n.condition ? [n.condition] : [], fields));
    const left = or(joined.slice(0, leftWidth), uses(leftWidth, n.leftKeys));
    const right = or(joined.slice(leftWidth), uses(n.right.fields.length, n.rightKeys));
    this.joinInputs.set(n, [left, right]);
    this.add(n.left, left);
    this.add(n.right, right);
  }
}

/** The fields of a row of `width` that these expressions, fields and aggregates read (all of them when one cannot tell). */
function uses(width: number, expressions: readonly Compiled[], fields: readonly number[] = [], aggregates: readonly AggregateCall[] = []): boolean[] {
  const mask = new Array<boolean>(width).fill(false);
  const reads = [...expressions.map((e) => e.reads), ...aggregates.map((a) => a.reads)];
  if (reads.some((r) => r === undefined)) return mask.fill(true);
  for (const f of [...fields, ...reads.flatMap((r) => r!)]) if (f >= 0 && f < width) mask[f] = true;
  return mask;
}

function or(a: FieldMask, b: FieldMask): boolean[] {
  return a.map((x, i) => x || b[i] === true);
}
