/**
 * A stream connected to a broadcast stream (`events.connect(rules.broadcast(descriptor))`), as
 * Flink's BroadcastConnectedStream: the broadcast side reaches every instance, the other side
 * keeps its partitioning (by key when it is a keyed stream). Misuse is refused when the job is
 * built, with every problem listed: a function of the wrong kind for the stream, a keyed
 * function on a non-keyed stream and the reverse, broadcast state not declared as a map.
 *
 * @example
 * readings.keyBy((r) => r.sensor)
 *   .connect(rules.broadcast(limits))
 *   .process(new ReadingsOverTheLimit());
 * (samples/docs-examples/broadcastState.ts runs a job like this one)
 */
import { KeySelector, broadcast, hash } from '../graph/Partitioning';
import { TopologyProblem } from '../graph/TopologyProblem';
import { Key } from '../state/keyHash';
import { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from './BroadcastProcessFunction';
import { BroadcastStream, descriptorProblems } from './BroadcastStream';
import { DataStream, SingleOutputStream } from './DataStream';
import { instanceCopy } from './functions';
import { BroadcastProcessOperator } from './operators/BroadcastProcessOperator';
import { KeyedBroadcastProcessOperator } from './operators/KeyedBroadcastProcessOperator';
import { TwoInputRecord, taggedInputs } from './TwoInputRecord';

/**
 * @internal The key the operator's key selector gives a broadcast element, which has none: only the
 * runtime's key prefetch and hot-key sampling ask for it; the operator never enters it.
 */
export const BROADCAST_SIDE_KEY = '\u0000broadcast-side';

/** A stream connected to a broadcast stream (`stream.connect(rules.broadcast(descriptor))`): `process` it with a broadcast function. */
export class BroadcastConnectedStream<I1, I2> {
  /** @internal */
  constructor(
    private readonly first: DataStream<I1>,
    private readonly broadcastSide: BroadcastStream<I2>,
    /** The first stream's key selector when it is keyed. */
    private readonly key: KeySelector<I1> | undefined,
  ) {}

  /** The stream of what `fn` emits: a KeyedBroadcastProcessFunction on a keyed stream, a BroadcastProcessFunction otherwise. */
  process<K extends Key, O>(fn: KeyedBroadcastProcessFunction<K, I1, I2, O>): SingleOutputStream<O>;
  process<O>(fn: BroadcastProcessFunction<I1, I2, O>): SingleOutputStream<O>;
  process<O>(fn: BroadcastProcessFunction<I1, I2, O> | KeyedBroadcastProcessFunction<Key, I1, I2, O>): SingleOutputStream<O> {
    const keyed = fn instanceof KeyedBroadcastProcessFunction;
    const name = keyed ? 'Keyed Broadcast Process' : 'Broadcast Process';
    const reasons = [...descriptorProblems(this.broadcastSide.descriptors), ...this.functionProblems(fn)];
    const problems: TopologyProblem[] = reasons.map((reason) => ({ _tag: 'InvalidBroadcast', operator: name, reason }));
    const descriptors = this.broadcastSide.descriptors;
    const { one, two } = taggedInputs(this.first, this.broadcastSide.stream);
    const toAll = two.map((e) => ({ ...e, partitioning: broadcast }));
    const options = { sideOutputs: fn.sideOutputTags ?? [], problems };
    const key = this.key;
    if (key !== undefined && keyed) {
      const byKey = hash((r: TwoInputRecord<I1, I2>) => key((r as { value: I1 }).value));
      const selector = (r: TwoInputRecord<I1, I2>): Key => (r.input === 1 ? key(r.value) : BROADCAST_SIDE_KEY);
      const merged = new DataStream<TwoInputRecord<I1, I2>>(this.first.env, [...one.map((e) => ({ ...e, partitioning: byKey })), ...toAll]);
      return merged.transform<O>(name, () => new KeyedBroadcastProcessOperator(instanceCopy(fn), selector, descriptors), options, selector);
    }
    const merged = new DataStream<TwoInputRecord<I1, I2>>(this.first.env, [...one, ...toAll]);
    return merged.transform<O>(name, () => new BroadcastProcessOperator(instanceCopy(fn as BroadcastProcessFunction<I1, I2, O>), descriptors), options);
  }

  private functionProblems(fn: unknown): string[] {
    if (fn instanceof KeyedBroadcastProcessFunction) {
      return this.key === undefined ? ['a KeyedBroadcastProcessFunction needs a keyed stream: call keyBy(...) before connect(...)'] : [];
    }
    if (fn instanceof BroadcastProcessFunction) {
      return this.key === undefined ? [] : ['a BroadcastProcessFunction runs on a non-keyed stream; on a keyed stream use a KeyedBroadcastProcessFunction'];
    }
    return ['a stream connected to a broadcast stream is processed by a BroadcastProcessFunction or a KeyedBroadcastProcessFunction'];
  }
}
