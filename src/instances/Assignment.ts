/**
 * Who owns what: the assignment the leader publishes in Redis under an epoch, its codec (it is
 * read back at the boundary), how the next one is computed from it, and what one instance owns.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { assignSticky } from './assignSticky';

/**
 * The units of work the instances share: the source splits (`topic-partition`) and the key
 * groups 0..maxParallelism-1, each assigned on its own; or, for a job, its subtask slots
 * (`slots`), assigned so, with the splits and key groups each instance's slots read and hold.
 */
export interface Work {
  readonly splits: readonly string[];
  readonly maxParallelism: number;
  readonly slots?: SlotWork;
}

/**
 * A job's slots 0..count-1: subtask i of every operator runs in slot i (Flink's slot sharing),
 * so an instance owning slot i runs them, reads their splits and holds their key groups.
 */
export interface SlotWork {
  readonly count: number;
  /** The splits the subtasks of `slot` read, of all the source splits. */
  splitsOf(slot: number, splits: readonly string[]): readonly string[];
  /** The key groups the keyed subtasks of `slot` hold, ascending. */
  keyGroupsOf(slot: number): readonly number[];
}

export const AssignmentCodec = t.readonly(
  t.intersection([
    t.type({
      /** The live instances it was computed for, in name order. */
      members: t.readonlyArray(t.string),
      /** Instance → its splits. */
      splits: t.record(t.string, t.readonlyArray(t.string)),
      /** Instance → its key groups, ascending. */
      keyGroups: t.record(t.string, t.readonlyArray(t.number)),
    }),
    /** A job's: instance → its slots, ascending (the splits and key groups are theirs). */
    t.partial({ slots: t.record(t.string, t.readonlyArray(t.number)) }),
  ]),
);
export type Assignment = t.TypeOf<typeof AssignmentCodec>;

export function decodeAssignment(body: string): Either<string, Assignment> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return left(`the assignment in Redis is not JSON: ${(e as Error).message}`);
  }
  const decoded = AssignmentCodec.decode(json);
  return isLeft(decoded) ? left(`the assignment in Redis has an unexpected shape: ${PathReporter.report(decoded).join('; ')}`) : right(decoded.right);
}

function ownersOf<U>(byInstance: Readonly<Record<string, readonly U[]>>): Map<U, string> {
  const owners = new Map<U, string>();
  for (const [instance, units] of Object.entries(byInstance)) for (const u of units) owners.set(u, instance);
  return owners;
}

function byInstance<U>(members: readonly string[], owners: Map<U, string>): Record<string, U[]> {
  const out: Record<string, U[]> = Object.fromEntries(members.map((m) => [m, [] as U[]]));
  for (const [unit, owner] of owners) out[owner].push(unit);
  return out;
}

/** The next assignment for `members`, sticky to `previous`. */
export function nextAssignment(previous: Assignment | undefined, members: readonly string[], work: Work): Assignment {
  const live = [...new Set(members)].sort();
  const groups = Array.from({ length: work.maxParallelism }, (_, g) => g);
  if (work.slots !== undefined) return slotAssignment(previous, live, work.splits, work.slots);
  return {
    members: live,
    splits: byInstance(live, assignSticky(work.splits, live, ownersOf(previous?.splits ?? {}))),
    keyGroups: byInstance(live, assignSticky(groups, live, ownersOf(previous?.keyGroups ?? {}))),
  };
}

function slotAssignment(previous: Assignment | undefined, live: readonly string[], splits: readonly string[], work: SlotWork): Assignment {
  const all = Array.from({ length: work.count }, (_, s) => s);
  const slots = byInstance(live, assignSticky(all, live, ownersOf(previous?.slots ?? {})));
  for (const owned of Object.values(slots)) owned.sort((a, b) => a - b);
  const order = new Map(splits.map((s, i) => [s, i]));
  const each = <U>(of: (slot: number) => readonly U[]) => Object.fromEntries(live.map((m) => [m, slots[m].flatMap(of)]));
  const sorted = (byMember: Record<string, string[]>) => Object.fromEntries(Object.entries(byMember).map(([m, owned]) => [m, owned.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))]));
  return {
    members: live,
    slots,
    // In the order of `splits` (by topic, then partition), whatever the order of the slots.
    splits: sorted(each((slot) => work.splitsOf(slot, splits))),
    keyGroups: Object.fromEntries(Object.entries(each((slot) => work.keyGroupsOf(slot))).map(([m, g]) => [m, [...new Set(g)].sort((a, b) => a - b)])),
  };
}

/** What one instance owns under one epoch, as it reports it. */
export interface Ownership {
  readonly instanceId: string;
  /** The epoch of the assignment; 0 before the first. Writes fenced by epoch name it. */
  readonly epoch: number;
  /** The leader that published it (it runs the job master and the checkpoint coordinator). */
  readonly leader: string;
  /**
   * 'joining' before its first assignment; 'owning' under a published assignment; 'fenced' when
   * its lease may have run out or a newer assignment leaves it out: it owns nothing until an
   * assignment includes it again; 'left' once it left the job.
   */
  readonly state: 'joining' | 'owning' | 'fenced' | 'left';
  readonly splits: readonly string[];
  readonly keyGroups: readonly number[];
  /** A job's subtask slots this instance runs (empty outside a job: splits and key groups were assigned alone). */
  readonly slots: readonly number[];
}

export function ownershipOf(instanceId: string, epoch: number, leader: string, assignment: Assignment): Ownership {
  return { instanceId, epoch, leader, state: 'owning', splits: assignment.splits[instanceId] ?? [], keyGroups: assignment.keyGroups[instanceId] ?? [], slots: assignment.slots?.[instanceId] ?? [] };
}

/** Ascending numbers as ranges: [0,1,2,5,7,8] → '0-2, 5, 7-8'. */
export function rangesText(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** The line an instance logs when what it owns changes. */
export function ownershipLine(o: Ownership): string {
  if (o.state === 'joining') return `instance ${o.instanceId} is joining: it owns nothing yet`;
  if (o.state === 'left') return `instance ${o.instanceId} left the job`;
  if (o.state === 'fenced') return `instance ${o.instanceId} is fenced (its lease may have run out under epoch ${o.epoch}): it owns nothing until the next assignment`;
  const splits = o.splits.length === 0 ? 'no split' : `splits ${o.splits.join(', ')}`;
  const groups = o.keyGroups.length === 0 ? 'no key group' : `key groups ${rangesText(o.keyGroups)}`;
  const slots = o.slots.length === 0 ? '' : `slots ${rangesText(o.slots)}: `;
  return `instance ${o.instanceId} (epoch ${o.epoch}, leader ${o.leader}) owns ${slots}${splits} and ${groups}`;
}
