/**
 * A stream partitioned by key: operators on it see each key on exactly one instance and keep
 * keyed state for it. It is a DataStream too: map, filter, sinks... run per key's instance.
 */
import { StreamEdge } from '../graph/StreamNode';
import { Key } from '../state/keyHash';
import { DataStream, OperatorOptions, SingleOutputStream } from './DataStream';
import { KeyScopedOperator } from './operators/KeyScopedOperator';
import { ProcessOperator } from './operators/ProcessOperator';
import { OutputTag } from '../graph/OutputTag';
import { OperatorFactory, StreamOperator } from '../graph/StreamOperator';
import { KeyedProcessFunction, ProcessFunction } from './ProcessFunction';
import type { StreamEnvironment } from './StreamEnvironment';
import { ReduceFunction, instanceCopy } from './functions';
import type { Window } from '../windowing/Window';
import type { WindowAssigner } from '../windowing/WindowAssigner';
import type { WindowedStream } from './WindowedStream';
import { KeyedActor } from './KeyedActor';
import type { BroadcastStream } from './BroadcastStream';
import type { BroadcastConnectedStream } from './BroadcastConnectedStream';
import type { ConnectedStreams } from './ConnectedStreams';
import { KeyedActorFunction } from './operators/KeyedActorFunction';
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

/**
 * A stream partitioned by key (`stream.keyBy(selector)`): keyed state, timers, aggregations and windows work per
 * key.
 */
export class KeyedStream<T, K extends Key> extends DataStream<T> {
  /**
   * @internal
   * @param keySelector The key of a record.
   */
  constructor(env: StreamEnvironment, edges: readonly StreamEdge[], readonly keySelector: (record: T) => K) {
    super(env, edges);
  }

  /**
   * @internal Operators on a keyed stream (map, filter, ... included) may use keyed state:
   * unless the operator sets the key itself, it is scoped to each record's key first.
   */
  override transform<R>(name: string, factory: OperatorFactory, options: OperatorOptions = {}, keySelector?: (r: T) => Key): SingleOutputStream<R> {
    if (keySelector !== undefined) return super.transform(name, factory, options, keySelector);
    const selector = this.keySelector;
    return super.transform(name, () => new KeyScopedOperator(factory(), selector), options, selector);
  }

  private keyed<R>(name: string, factory: () => StreamOperator<T, R>, sideOutputs: readonly OutputTag<unknown>[] = []): SingleOutputStream<R> {
    return super.transform<R>(name, factory, { sideOutputs }, this.keySelector);
  }

  /** Rolling reduce: for each record, emits the key's reduced value so far. */
  reduce(fn: ReduceFunction<T>): SingleOutputStream<T> {
    return this.keyed('Keyed Reduce', () => new KeyedReduceOperator(fn, this.keySelector));
  }

  /** Rolling sum of `field` per key; other fields are those of the key's first record. */
  sum(field?: NumericField<T>): SingleOutputStream<T> {
    const read = fieldReader(field);
    return this.keyed('Keyed Sum', () => new KeyedReduceOperator<T>((acc, r) => withField(acc, field, read(acc) + read(r)), this.keySelector));
  }

  /** Rolling minimum of `field` per key; other fields are those of the key's first record. */
  min(field?: NumericField<T>): SingleOutputStream<T> {
    const read = fieldReader(field);
    return this.keyed('Keyed Min', () => new KeyedReduceOperator<T>((acc, r) => withField(acc, field, Math.min(read(acc), read(r))), this.keySelector));
  }

  /** Rolling maximum of `field` per key; other fields are those of the key's first record. */
  max(field?: NumericField<T>): SingleOutputStream<T> {
    const read = fieldReader(field);
    return this.keyed('Keyed Max', () => new KeyedReduceOperator<T>((acc, r) => withField(acc, field, Math.max(read(acc), read(r))), this.keySelector));
  }

  /** Cuts each key's records into windows; see WindowedStream. */
  window<W extends Window>(assigner: WindowAssigner<W>): WindowedStream<T, K, W> {
    // Required here, not at the top: WindowedStream builds on DataStream, which loads first.
    const { WindowedStream: Windowed } = require('./WindowedStream') as typeof import('./WindowedStream');
    return new Windowed<T, K, W>(this, this.keySelector, assigner);
  }

  /**
   * Runs a keyed actor: each record is a message to the actor of its key, with that key's
   * state, scheduled messages and side outputs (see KeyedActor). `S`: the messages the actor
   * schedules for itself besides the stream's records.
   */
  processActor<R, S = never>(actor: KeyedActor<K, T | S, R>): SingleOutputStream<R> {
    const fn = new KeyedActorFunction(actor);
    return this.keyed('Keyed Actor', () => new KeyedProcessOperator(instanceCopy(fn), this.keySelector), fn.sideOutputTags);
  }

  /** As DataStream.connect; connected to a broadcast stream, `process` takes a KeyedBroadcastProcessFunction. */
  override connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  override connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  override connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    return this.connectWith(other, this.keySelector);
  }

  /** Runs a keyed process function; a plain ProcessFunction is accepted too and sees keyed state. */
  override process<R>(fn: KeyedProcessFunction<K, T, R> | ProcessFunction<T, R>): SingleOutputStream<R> {
    if (fn instanceof KeyedProcessFunction) {
      return this.keyed('Keyed Process', () => new KeyedProcessOperator(instanceCopy(fn), this.keySelector), fn.sideOutputTags);
    }
    return this.transform('Process', () => new ProcessOperator(instanceCopy(fn)), { sideOutputs: fn.sideOutputTags });
  }
}
