/**
 * A stream partitioned by key: operators on it see each key on exactly one instance and keep
 * keyed state for it.
 */
import { StreamEdge } from '../graph/StreamNode';
import { Key } from '../state/keyHash';
import { DataStream, SingleOutputStream } from './DataStream';
import { OutputTag } from './OutputTag';
import { StreamOperator } from '../runtime/StreamOperator';
import { KeyedProcessFunction } from './ProcessFunction';
import type { StreamEnvironment } from './StreamEnvironment';
import { ReduceFunction } from './functions';
import { KeyedProcessOperator } from './operators/KeyedProcessOperator';
import { KeyedReduceOperator } from './operators/KeyedReduceOperator';

/** Fields of T that hold numbers. */
export type NumericField<T> = { [F in keyof T]-?: T[F] extends number ? F : never }[keyof T];

/** Reads the aggregated field (or the record itself for a stream of numbers). */
function fieldReader<T>(field: NumericField<T> | undefined): (r: T) => number {
  return field === undefined ? (r) => r as unknown as number : (r) => r[field] as unknown as number;
}

/** A record equal to `base` except for `field`, set to `value`. */
function withField<T>(base: T, field: NumericField<T> | undefined, value: number): T {
  return field === undefined ? (value as unknown as T) : { ...base, [field]: value };
}

export class KeyedStream<T, K extends Key> {
  /** @internal */
  constructor(
    private readonly env: StreamEnvironment,
    private readonly edges: readonly StreamEdge[],
    /** @internal */ readonly keySelector: (record: T) => K,
  ) {}

  private build<R>(name: string, factory: () => StreamOperator<T, R>, sideOutputs: readonly OutputTag<unknown>[]): SingleOutputStream<R> {
    return new DataStream<T>(this.env, this.edges).transform<R>(name, factory, { sideOutputs }, this.keySelector);
  }

  /** Rolling reduce: for each record, emits the key's reduced value so far. */
  reduce(fn: ReduceFunction<T>): SingleOutputStream<T> {
    return this.build('Keyed Reduce', () => new KeyedReduceOperator(fn, this.keySelector), []);
  }

  /** Rolling sum of `field` per key; other fields are those of the key's first record. */
  sum(field?: NumericField<T>): SingleOutputStream<T> {
    const read = fieldReader(field);
    return this.build('Keyed Sum', () => new KeyedReduceOperator<T>((acc, r) => withField(acc, field, read(acc) + read(r)), this.keySelector), []);
  }

  /** Rolling minimum of `field` per key; other fields are those of the key's first record. */
  min(field?: NumericField<T>): SingleOutputStream<T> {
    const read = fieldReader(field);
    return this.build('Keyed Min', () => new KeyedReduceOperator<T>((acc, r) => withField(acc, field, Math.min(read(acc), read(r))), this.keySelector), []);
  }

  /** Rolling maximum of `field` per key; other fields are those of the key's first record. */
  max(field?: NumericField<T>): SingleOutputStream<T> {
    const read = fieldReader(field);
    return this.build('Keyed Max', () => new KeyedReduceOperator<T>((acc, r) => withField(acc, field, Math.max(read(acc), read(r))), this.keySelector), []);
  }

  process<R>(fn: KeyedProcessFunction<K, T, R>): SingleOutputStream<R> {
    return this.build('Keyed Process', () => new KeyedProcessOperator(fn, this.keySelector), fn.sideOutputTags);
  }
}
