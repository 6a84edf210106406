/**
 * Operator (non-keyed) state: lists of values per parallel instance, for functions that keep
 * per-instance state such as a source's position or a buffer. How a restore hands the lists
 * of the former instances to the new ones depends on how the state is asked for, as in Flink:
 *
 * - `getListState` (even split): at the parallelism the checkpoint was taken with, each
 *   instance gets back exactly the entries it wrote; at another parallelism, entry i of the
 *   former instances' lists (in the order of their indexes) goes to instance i mod parallelism.
 * - `getUnionListState`: every instance gets the entries of all former instances. Each
 *   snapshots only what it holds, so the union is taken again on the next restore.
 * - `getBroadcastState`: every instance holds the whole map and snapshots it; on restore,
 *   instance i gets the copy of former instance i mod (former parallelism), as in Flink
 *   (the copies are equal, since only the broadcast side writes them).
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { ListState } from './State';
import { ListStateDescriptor, MapStateDescriptor } from './StateDescriptor';
import { TableListState } from './keyedStates';
import { StateTable } from './StateTable';
import { BroadcastState, MapBroadcastState } from './BroadcastState';

/** Serialized operator state of one instance: state name -> entry texts. */
export const OperatorStateSnapshotCodec = t.readonly(t.type({ lists: t.readonly(t.record(t.string, t.readonlyArray(t.string))) }));
export type OperatorStateSnapshot = t.TypeOf<typeof OperatorStateSnapshotCodec>;

/** The snapshot one former instance took, with its place among the former instances. */
export interface FormerOperatorState {
  readonly index: number;
  readonly parallelism: number;
  readonly snapshot: OperatorStateSnapshot;
}

/** How restored entries are handed out: Flink's even-split, union and broadcast redistribution. */
export type Redistribution = 'split' | 'union' | 'broadcast';

class SlotTable<V> implements StateTable<V> {
  value: V | undefined = undefined;
  get(): V | undefined {
    return this.value;
  }
  put(value: V): void {
    this.value = value;
  }
  remove(): void {
    this.value = undefined;
  }
}

interface Registered {
  readonly redistribution: Redistribution;
  readonly state: unknown;
  /** The entries' texts for a snapshot. */
  readonly snapshot: () => string[];
}

export class OperatorStateStore {
  private readonly states = new Map<string, Registered>();
  /** Restored snapshots of the former instances, by index; entries are taken from them as states are asked for. */
  private former: readonly FormerOperatorState[] = [];
  /** State names of `former` not asked for yet. */
  private readonly unclaimed = new Set<string>();
  private index = 0;
  private parallelism = 1;

  /** Even-split list state: see the module comment. */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.register(descriptor, 'split');
  }

  /** Union list state: on restore, every instance gets the entries of all former instances. */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.register(descriptor, 'union');
  }

  /** Broadcast state: the same map on every instance; see the module comment. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    const existing = this.existing(descriptor.name, 'broadcast');
    if (existing !== undefined) return existing as BroadcastState<K, V>;
    const state = new MapBroadcastState(descriptor);
    if (this.unclaimed.has(descriptor.name)) {
      const restored = state.restore(this.share(descriptor.name, 'broadcast'));
      if (isLeft(restored)) throw new Error(restored.left);
      this.unclaimed.delete(descriptor.name);
    }
    this.states.set(descriptor.name, { redistribution: 'broadcast', state, snapshot: () => state.snapshot() });
    return state;
  }

  /** True once the operator asked for any state: it keeps state of its own. */
  get usesState(): boolean {
    return this.states.size > 0;
  }

  /** The state already asked for under `name`, which must have been asked for the same way. */
  private existing(name: string, redistribution: Redistribution): unknown {
    const existing = this.states.get(name);
    if (existing !== undefined && existing.redistribution !== redistribution) {
      const kind = existing.redistribution === 'broadcast' ? 'broadcast' : `${existing.redistribution} list`;
      throw new Error(`operator state '${name}' is ${kind} state; ask for it the same way each time`);
    }
    return existing?.state;
  }

  private register<T>(descriptor: ListStateDescriptor<T>, redistribution: Redistribution): ListState<T> {
    const existing = this.existing(descriptor.name, redistribution);
    if (existing !== undefined) return existing as ListState<T>;
    const table = new SlotTable<unknown[]>();
    if (this.unclaimed.has(descriptor.name)) {
      const values: unknown[] = [];
      for (const text of this.share(descriptor.name, redistribution)) {
        const v = descriptor.serializer.deserialize(text);
        if (isLeft(v)) throw new Error(`cannot restore operator state '${descriptor.name}': ${v.left}`);
        values.push(v.right);
      }
      this.unclaimed.delete(descriptor.name);
      if (values.length > 0) table.put(values);
    }
    const state = new TableListState<unknown>(table);
    const serializer = descriptor.serializer as ListStateDescriptor<unknown>['serializer'];
    this.states.set(descriptor.name, { redistribution, state, snapshot: () => (table.value ?? []).map((v) => serializer.serialize(v)) });
    return state as ListState<T>;
  }

  /** This instance's restored entries of one state. */
  private share(name: string, redistribution: Redistribution): readonly string[] {
    const listOf = (f: FormerOperatorState) => f.snapshot.lists[name] ?? [];
    if (redistribution === 'union') return this.former.flatMap(listOf);
    if (redistribution === 'broadcast') {
      const holders = this.former.filter((f) => f.snapshot.lists[name] !== undefined);
      return holders.length === 0 ? [] : listOf(holders[this.index % holders.length]);
    }
    if (this.former.every((f) => f.parallelism === this.parallelism)) return this.former.filter((f) => f.index === this.index).flatMap(listOf);
    return this.former.flatMap(listOf).filter((_, i) => i % this.parallelism === this.index);
  }

  snapshot(): OperatorStateSnapshot {
    const lists: Record<string, string[]> = {};
    for (const [name, { snapshot }] of this.states) lists[name] = snapshot();
    // A state not asked for since the restore keeps this instance's even share: each entry
    // stays with exactly one instance, whichever way it is asked for later.
    for (const name of this.unclaimed) lists[name] = this.share(name, 'split').slice();
    return { lists };
  }

  /** Takes the snapshots of the former instances of this operator; see the module comment for who gets which entries. */
  restore(former: readonly FormerOperatorState[], index: number, parallelism: number): Either<string, void> {
    if (this.states.size > 0) return left('restore must happen before any operator state is used');
    this.former = [...former].sort((a, b) => a.index - b.index);
    this.index = index;
    this.parallelism = parallelism;
    this.unclaimed.clear();
    for (const f of this.former) for (const name of Object.keys(f.snapshot.lists)) this.unclaimed.add(name);
    return right(undefined);
  }
}
