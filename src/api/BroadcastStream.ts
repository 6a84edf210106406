/**
 * A stream every instance of the next operator receives whole, with the broadcast states
 * that operator keeps (`rules.broadcast(descriptor)`), as Flink's BroadcastStream. It is not
 * a DataStream: it can only be connected (`events.connect(rules.broadcast(d))`).
 */
import { MapStateDescriptor } from '../state/StateDescriptor';
import type { DataStream } from './DataStream';

/** A stream every instance of the connected operator receives whole, with the broadcast states it keeps (`stream.broadcast(descriptor)`). */
export class BroadcastStream<T> {
  /** @internal */
  constructor(
    /** @internal */ readonly stream: DataStream<T>,
    /** The broadcast states the connected function may use. */
    readonly descriptors: readonly MapStateDescriptor<any, any>[],
  ) {}
}

/** What is wrong with the descriptors of a broadcast stream, in words (empty: nothing). */
export function descriptorProblems(descriptors: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (descriptors.length === 0) problems.push('broadcast(...) declares no broadcast state; give it a MapStateDescriptor');
  const names = new Set<string>();
  for (const d of descriptors) {
    if (!(d instanceof MapStateDescriptor)) {
      problems.push(`broadcast state must be declared with a MapStateDescriptor, got ${describe(d)}`);
    } else if (names.has(d.name)) {
      problems.push(`broadcast state '${d.name}' is declared twice; give each broadcast state its own name`);
    } else {
      names.add(d.name);
    }
  }
  return problems;
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  return (value as object).constructor?.name ?? 'an object';
}
