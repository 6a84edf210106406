/**
 * The job fault-injection specs run: events with ids 0..n-1 spread over keys, counted per key
 * with keyed state, one output per input ({ id, key, count }). From the outputs we can tell,
 * for every input, whether its effect is missing or repeated, in the sink and in the state.
 */
// Modules, not the package index: process-kill specs load this in every child they start, and the index costs time.
import type { DataStream } from '../../src/api/DataStream';
import type { Collector } from '../../src/graph/Collector';
import { KeyedProcessContext, KeyedProcessFunction } from '../../src/api/ProcessFunction';
import type { RuntimeContext } from '../../src/api/RuntimeContext';
import { Serializers } from '../../src/state/Serializer';
import type { ValueState } from '../../src/state/State';
import { ValueStateDescriptor } from '../../src/state/StateDescriptor';

export interface Event {
  id: number;
  key: number;
}

export interface Counted {
  id: number;
  key: number;
  count: number;
}

/** A deterministic spread of ids over keys that depends on the seed. */
export function keyOf(id: number, seed: number, keys: number): number {
  let h = Math.imul(id ^ seed, 0x9e3779b1);
  h ^= h >>> 15;
  return (h >>> 0) % keys;
}

export class CountPerKey extends KeyedProcessFunction<number, Event, Counted> {
  protected count!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(e: Event, _ctx: KeyedProcessContext<number>, out: Collector<Counted>): void {
    const count = this.count.value()! + 1;
    this.count.update(count);
    out.collect({ id: e.id, key: e.key, count });
  }
}

export function countingJob(events: DataStream<Event>): DataStream<Counted> {
  return events.keyBy((e) => e.key).process(new CountPerKey()).uid('count-per-key');
}

export interface Audit {
  /** Inputs whose output never arrived. */
  readonly lost: number;
  /** Outputs beyond the first for the same input. */
  readonly duplicated: number;
  /** Keys whose final count differs from the number of inputs with that key, by direction. */
  readonly stateOver: number;
  readonly stateUnder: number;
}

/** The final count per key that `records` inputs give. */
export function expectedCounts(records: number, seed: number, keys: number): Map<number, number> {
  const expected = new Map<number, number>();
  for (let i = 0; i < records; i++) {
    const k = keyOf(i, seed, keys);
    expected.set(k, (expected.get(k) ?? 0) + 1);
  }
  return expected;
}

/** Compares outputs with what `records` inputs should have produced. */
export function audit(outputs: readonly Counted[], records: number, seed: number, keys: number): Audit {
  const seen = new Uint8Array(records);
  let duplicated = 0;
  const finalCount = new Map<number, number>();
  for (const o of outputs) {
    if (seen[o.id] > 0) duplicated++;
    seen[o.id] = 1;
    finalCount.set(o.key, Math.max(finalCount.get(o.key) ?? 0, o.count));
  }
  let lost = 0;
  for (let i = 0; i < records; i++) if (seen[i] === 0) lost++;
  const expected = expectedCounts(records, seed, keys);
  let stateOver = 0;
  let stateUnder = 0;
  for (const [k, n] of expected) {
    const got = finalCount.get(k) ?? 0;
    if (got > n) stateOver++;
    if (got < n) stateUnder++;
  }
  return { lost, duplicated, stateOver, stateUnder };
}

/**
 * Where each key's counts, in input order, fail to rise by one: `key: id a (count c) -> id b
 * (count d)`. Inputs of a key arrive in id order (one partition per key), so a state that fell
 * behind shows as a count repeated after the restore that lost it, and a count applied twice as
 * a jump; the ids place the fault among the checkpoints.
 */
export function countBreaks(outputs: readonly Counted[]): string[] {
  const byKey = new Map<number, Counted[]>();
  for (const o of outputs) byKey.set(o.key, [...(byKey.get(o.key) ?? []), o]);
  const breaks: string[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.id - b.id);
    for (let i = 0; i < list.length; i++) {
      const before = i === 0 ? 0 : list[i - 1].count;
      if (list[i].count !== before + 1) breaks.push(`${key}: id ${i === 0 ? '-' : list[i - 1].id} (count ${before}) -> id ${list[i].id} (count ${list[i].count})`);
    }
  }
  return breaks;
}
