/**
 * Operator (non-keyed) state: lists of values per parallel instance, for functions that keep
 * per-instance state such as a source's position or a buffer. On restore with another
 * parallelism the entries of all instances are dealt round-robin, as Flink's even-split
 * redistribution does.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { ListState } from './State';
import { ListStateDescriptor } from './StateDescriptor';
import { TableListState } from './keyedStates';
import { StateTable } from './StateTable';

/** Serialized operator state of one instance: state name -> entry texts. */
export interface OperatorStateSnapshot {
  readonly lists: { readonly [state: string]: readonly string[] };
}

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
  readonly descriptor: ListStateDescriptor<unknown>;
  readonly table: SlotTable<unknown[]>;
  readonly state: ListState<unknown>;
}

export class OperatorStateStore {
  private readonly states = new Map<string, Registered>();
  private readonly pending = new Map<string, string[]>();

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    const existing = this.states.get(descriptor.name);
    if (existing !== undefined) return existing.state as ListState<T>;
    const table = new SlotTable<unknown[]>();
    const texts = this.pending.get(descriptor.name);
    if (texts !== undefined) {
      const values: unknown[] = [];
      for (const text of texts) {
        const v = descriptor.serializer.deserialize(text);
        if (isLeft(v)) throw new Error(`cannot restore operator state '${descriptor.name}': ${v.left}`);
        values.push(v.right);
      }
      this.pending.delete(descriptor.name);
      if (values.length > 0) table.put(values);
    }
    const state = new TableListState<unknown>(table);
    this.states.set(descriptor.name, { descriptor: descriptor as ListStateDescriptor<unknown>, table, state });
    return state as ListState<T>;
  }

  snapshot(): OperatorStateSnapshot {
    const lists: Record<string, string[]> = {};
    for (const [name, { descriptor, table }] of this.states) {
      lists[name] = (table.value ?? []).map((v) => descriptor.serializer.serialize(v));
    }
    for (const [name, texts] of this.pending) lists[name] = texts.slice();
    return { lists };
  }

  /**
   * Takes this instance's share of the snapshots of all former instances: entry i of the
   * concatenation goes to instance i mod parallelism.
   */
  restore(snapshots: readonly OperatorStateSnapshot[], index: number, parallelism: number): Either<string, void> {
    if (this.states.size > 0) return left('restore must happen before any operator state is used');
    const all = new Map<string, string[]>();
    for (const snapshot of snapshots) {
      for (const [name, texts] of Object.entries(snapshot.lists)) {
        const list = all.get(name) ?? [];
        list.push(...texts);
        all.set(name, list);
      }
    }
    for (const [name, texts] of all) {
      this.pending.set(name, texts.filter((_, i) => i % parallelism === index));
    }
    return right(undefined);
  }
}
