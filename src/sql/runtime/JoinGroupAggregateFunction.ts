/**
 * A regular join and the updating GROUP BY over it in one operator (src/sql/joinGroupAggregate.ts
 * says which plans): the join keeps its rows as JoinFunction does, and instead of emitting its
 * joined rows, puts each, through the Calc between them, into its group, kept beside the join's
 * rows (the group's columns hold the join key, so a group's rows all have one join key), and
 * emits the group's change as GroupAggregateFunction does: +I the first time, -U/+U when its
 * result changed. Both inputs are insert-only, so the groups only grow.
 */
import { KeyedProcessContext } from '../../api/ProcessFunction';
import { RuntimeContext } from '../../api/RuntimeContext';
import { Collector } from '../../graph/Collector';
import { keyToString } from '../../state/keyHash';
import { isLeft, left, right } from 'fp-ts/Either';
import { Serializer, Serializers } from '../../state/Serializer';
import { ValueState } from '../../state/State';
import { ValueStateDescriptor } from '../../state/StateDescriptor';
import { Accumulation } from '../aggregates';
import { Change } from '../Change';
import { RowKey } from '../rowKey';
import { Row } from '../types';
import { GroupState, emitGroupResult, groupResult } from './GroupAggregateFunction';
import { JoinFunction, SideChange, joinRetiredState } from './JoinFunction';
import { RetiredState } from '../../graph/RetiredState';

/** The state of the groups of a join key, by the group key's text. */
export const JOIN_GROUPS_STATE = 'join-groups';

/** A join key's groups by their key's text: most join keys have one. */
type Groups = Map<string, GroupState>;

/**
 * A join key's groups as one JSON array of [key text, group] pairs: one stringify per changed
 * join key at a checkpoint, where map state would encode each group as JSON inside JSON.
 */
export const joinGroupsSerializer: Serializer<Groups> = {
  name: 'join-groups',
  serialize: (groups) => JSON.stringify([...groups]),
  deserialize: (text) => {
    const p = Serializers.json<unknown>().deserialize(text);
    if (isLeft(p)) return p;
    const v = p.right;
    const isGroup = (g: unknown) => typeof g === 'object' && g !== null && Array.isArray((g as GroupState).keys) && Array.isArray((g as GroupState).accs) && typeof (g as GroupState).n === 'number';
    if (!(Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isGroup(e[1])))) {
      return left(`a join key's groups are an array of [key, group] pairs, got ${text.slice(0, 80)}`);
    }
    return right(new Map(v as [string, GroupState][]));
  },
};

/**
 * The fused operator is named as the aggregation it replaces ('GroupAggregate'), so that its
 * automatic uid is the one the aggregation had and the uids of the job's other GroupAggregates
 * stay as they were. A savepoint of the former plan then holds, under this uid, the
 * aggregation's groups keyed by their group key ('group-aggregate'), which this operator keeps
 * per join key: refused, as the join's former shapes are (the former join's own state is under
 * a uid this job does not have, refused as such).
 */
export function joinGroupAggregateRetiredState(listSides: readonly [boolean, boolean]): RetiredState {
  const join = joinRetiredState(listSides);
  return {
    names: [...join.names, 'group-aggregate'],
    why:
      `${join.why}; or 'group-aggregate' is the state of the GROUP BY this operator replaces, from before the GROUP BY ran in its join ` +
      `(its groups are kept under the join's key now, in '${JOIN_GROUPS_STATE}'), and the join's rows it was fed are not in it`,
  };
}

/** The aggregation over the join, as the planner gave it (the Calc between them folded in). */
export interface GroupAggregateOverJoin {
  /** The Calc's projection of a joined row, and its filter; none without a Calc. */
  readonly project: ((row: Row) => Row) | undefined;
  readonly filter: ((row: Row) => unknown) | undefined;
  /** The GROUP BY columns of a projected row: their values, and the group's key as keyed state would tell it. */
  readonly keyValues: (row: Row) => unknown[];
  readonly groupKey: (row: Row) => RowKey;
  readonly accumulations: readonly Accumulation[];
}

export class JoinGroupAggregateFunction extends JoinFunction {
  private groups!: ValueState<Groups>;
  /** Where the groups' changes go: the collector of the record being processed. */
  private out!: Collector<Change>;
  /** Where the join's rows go: into their groups (made in open: a job's functions are copies of the one given). */
  private intoGroups!: Collector<Change>;

  constructor(join: ConstructorParameters<typeof JoinFunction>, private readonly aggregation: GroupAggregateOverJoin) {
    super(...join);
  }

  override open(ctx: RuntimeContext): void {
    super.open(ctx);
    this.intoGroups = { collect: (c: Change) => this.accumulate(c.row) };
    this.groups = ctx.getState(new ValueStateDescriptor<Groups>(JOIN_GROUPS_STATE, joinGroupsSerializer));
  }

  override processElement(input: SideChange, ctx: KeyedProcessContext<RowKey>, out: Collector<Change>): void {
    this.out = out;
    super.processElement(input, ctx, this.intoGroups);
  }

  /** A joined row (an insert: both inputs are insert-only) into its group, as the aggregation adds it. */
  private accumulate(joined: Row): void {
    const { project, filter, keyValues, groupKey, accumulations } = this.aggregation;
    const row = project === undefined ? joined : project(joined);
    if (filter !== undefined && filter(row) !== true) return;
    const id = keyToString(groupKey(row));
    const groups = this.groups.value() ?? new Map<string, GroupState>();
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { n: 0, keys: keyValues(row), accs: accumulations.map((a) => a.create()) }));
    group.n++;
    for (let i = 0; i < accumulations.length; i++) group.accs[i] = accumulations[i].add(group.accs[i], row);
    emitGroupResult(group, groupResult(group, accumulations), this.out);
    // Changed in place: written back so that the next checkpoint has it.
    this.groups.update(groups);
  }
}
