/**
 * The keyed state primitives, written once over a backend's StateTable. Lists and maps are
 * changed in place and then `put` back, so a backend sees every change as a put (a write-back
 * cache marks the entry dirty); they are copied on the way out so user code cannot change
 * stored state without calling the state.
 */
import { AggregatingState, ListState, MapState, ReducingState, ValueState } from './State';
import {
  AggregateFunction,
  AggregatingStateDescriptor,
  AnyStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './StateDescriptor';
import { StateTable } from './StateTable';
import { TtlStateTable } from './TtlStateTable';

export class TableValueState<T> implements ValueState<T> {
  constructor(private readonly table: StateTable<T>, private readonly defaultValue: T | undefined) {}
  value(): T | undefined {
    const v = this.table.get();
    return v === undefined ? this.defaultValue : v;
  }
  update(value: T): void {
    if (value === undefined) this.table.remove();
    else this.table.put(value);
  }
  clear(): void {
    this.table.remove();
  }
}

export class TableListState<T> implements ListState<T> {
  constructor(private readonly table: StateTable<T[]>) {}
  get(): T[] {
    const v = this.table.get();
    return v === undefined ? [] : v.slice();
  }
  add(value: T): void {
    const v = this.table.get();
    if (v === undefined) this.table.put([value]);
    else {
      v.push(value);
      this.table.put(v);
    }
  }
  addAll(values: readonly T[]): void {
    if (values.length === 0) return;
    const v = this.table.get();
    if (v === undefined) this.table.put(values.slice());
    else {
      for (const value of values) v.push(value);
      this.table.put(v);
    }
  }
  update(values: readonly T[]): void {
    if (values.length === 0) this.table.remove();
    else this.table.put(values.slice());
  }
  clear(): void {
    this.table.remove();
  }
}

export class TableMapState<K, V> implements MapState<K, V> {
  constructor(private readonly table: StateTable<Map<K, V>>) {}
  private current(): Map<K, V> | undefined {
    return this.table.get();
  }
  private change(edit: (m: Map<K, V>) => void): void {
    const next = this.current() ?? new Map<K, V>();
    edit(next);
    if (next.size === 0) this.table.remove();
    else this.table.put(next);
  }
  get(key: K): V | undefined {
    return this.current()?.get(key);
  }
  put(key: K, value: V): void {
    // Not through change(): no closure per put, the window operator's hot path.
    const current = this.current();
    if (current === undefined) this.table.put(new Map([[key, value]]));
    else {
      current.set(key, value);
      this.table.put(current);
    }
  }
  putAll(entries: Iterable<readonly [K, V]>): void {
    this.change((m) => {
      for (const [k, v] of entries) m.set(k, v);
    });
  }
  remove(key: K): void {
    if (this.contains(key)) this.change((m) => m.delete(key));
  }
  contains(key: K): boolean {
    return this.current()?.has(key) ?? false;
  }
  entries(): Array<[K, V]> {
    return [...(this.current()?.entries() ?? [])];
  }
  keys(): K[] {
    return [...(this.current()?.keys() ?? [])];
  }
  values(): V[] {
    return [...(this.current()?.values() ?? [])];
  }
  isEmpty(): boolean {
    return (this.current()?.size ?? 0) === 0;
  }
  clear(): void {
    this.table.remove();
  }
}

export class TableReducingState<T> implements ReducingState<T> {
  constructor(private readonly table: StateTable<T>, private readonly reduce: (a: T, b: T) => T) {}
  get(): T | undefined {
    return this.table.get();
  }
  add(value: T): void {
    const v = this.table.get();
    this.table.put(v === undefined ? value : this.reduce(v, value));
  }
  clear(): void {
    this.table.remove();
  }
}

export class TableAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(private readonly table: StateTable<ACC>, private readonly aggregate: AggregateFunction<IN, ACC, OUT>) {}
  get(): OUT | undefined {
    const acc = this.table.get();
    return acc === undefined ? undefined : this.aggregate.getResult(acc);
  }
  add(value: IN): void {
    const acc = this.table.get();
    this.table.put(this.aggregate.add(value, acc === undefined ? this.aggregate.createAccumulator() : acc));
  }
  clear(): void {
    this.table.remove();
  }
}

/**
 * The five `get…State` methods of a keyed backend, written once: a backend supplies only
 * `register`, which finds or creates the table of a named state.
 */
/** The primitive of a state registered before under the descriptor's name; another kind under that name is refused. */
export function primitiveOf<P>(existing: { readonly descriptor: AnyStateDescriptor; readonly primitive: unknown }, descriptor: AnyStateDescriptor): P {
  if (existing.descriptor.kind !== descriptor.kind) {
    throw new Error(`state '${descriptor.name}' is already a ${existing.descriptor.kind} state; give the ${descriptor.kind} state another name`);
  }
  return existing.primitive as P;
}

export abstract class TableStateAccess {
  protected abstract register<P>(descriptor: AnyStateDescriptor, create: (table: StateTable<any>) => P): P;

  /** Registers the state, its table wrapped for expiry when the descriptor has a TTL. */
  private registerWithTtl<P>(descriptor: AnyStateDescriptor, create: (table: StateTable<any>) => P): P {
    const ttl = descriptor.ttlConfig;
    return this.register(descriptor, ttl === undefined ? create : (table) => create(new TtlStateTable(table, ttl)));
  }

  getValueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.registerWithTtl(d, (table) => new TableValueState<T>(table, d.defaultValue));
  }
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.registerWithTtl(d, (table) => new TableListState<T>(table));
  }
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.registerWithTtl(d, (table) => new TableMapState<K, V>(table));
  }
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.registerWithTtl(d, (table) => new TableReducingState<T>(table, d.reduce));
  }
  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.registerWithTtl(d, (table) => new TableAggregatingState<IN, ACC, OUT>(table, d.aggregate));
  }
}
