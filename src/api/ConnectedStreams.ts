/**
 * Two streams, possibly of different types, processed by one function with a method per
 * input (`a.connect(b)`), as in Flink. Keyed by one selector per input, both inputs share
 * the current key's state and timers: a keyed join keeps one side in state until the other
 * arrives.
 *
 * @example
 * persons.connect(auctions)
 *   .keyBy((p) => p.id, (a) => a.seller)
 *   .process(new JoinPersonsWithTheirAuctions());
 * (specs/api/ConnectedStreams.spec.ts runs jobs like this one)
 */
import { Key } from '../state/keyHash';
import { CoProcessFunction, KeyedCoProcessFunction } from './CoProcessFunction';
import type { DataStream, SingleOutputStream } from './DataStream';
import { KeyedProcessOperator } from './operators/KeyedProcessOperator';
import { ProcessOperator } from './operators/ProcessOperator';
import { CoProcessAdapter } from './operators/coProcessAdapters';
import { instanceCopy } from './functions';
import { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from './BroadcastProcessFunction';
import { TwoInputRecord, mergedInputs, twoInputKey } from './TwoInputRecord';

/**
 * Two streams of possibly different types processed by one function (`a.connect(b)`), each record with the input
 * it came from.
 */
export class ConnectedStreams<I1, I2> {
  /** @internal */
  constructor(
    private readonly first: DataStream<I1>,
    private readonly second: DataStream<I2>,
    private readonly keys?: { readonly key1: (v: I1) => Key; readonly key2: (v: I2) => Key },
  ) {}

  /** Partitions both inputs by key; records of either input with equal keys meet on one instance. */
  keyBy<K extends Key>(key1: (value: I1) => K, key2: (value: I2) => K): KeyedConnectedStreams<I1, I2, K> {
    return new KeyedConnectedStreams<I1, I2, K>(this.first, this.second, { key1, key2 });
  }

  /** The stream of what `fn` emits for the records of both inputs (a keyed function needs `keyBy` first). */
  process<O>(fn: CoProcessFunction<I1, I2, O> | KeyedCoProcessFunction<Key, I1, I2, O>): SingleOutputStream<O> {
    const merged = mergedInputs(this.first, this.second);
    if ((fn as unknown) instanceof BroadcastProcessFunction || (fn as unknown) instanceof KeyedBroadcastProcessFunction) {
      const reason = 'a broadcast process function needs a broadcast stream: connect(other.broadcast(descriptor))';
      return merged.transform<O>('Broadcast Process', () => new ProcessOperator(new CoProcessAdapter(fn)), { problems: [{ _tag: 'InvalidBroadcast', operator: 'Broadcast Process', reason }] });
    }
    if (this.keys !== undefined) {
      const selector = twoInputKey(this.keys.key1, this.keys.key2);
      const keyed = merged.keyBy(selector);
      if (fn instanceof KeyedCoProcessFunction) {
        return keyed.transform<O>(
          'Keyed Co-Process',
          () => new KeyedProcessOperator(new CoProcessAdapter(instanceCopy(fn)), selector),
          { sideOutputs: fn.sideOutputTags },
          selector,
        );
      }
      // A plain co-process function on keyed inputs sees keyed state too (KeyedStream scopes it).
      return keyed.transform<O>('Co-Process', () => new ProcessOperator(new CoProcessAdapter(instanceCopy(fn))), { sideOutputs: fn.sideOutputTags });
    }
    const problems = fn instanceof KeyedCoProcessFunction ? [{ _tag: 'KeyedFunctionOnNonKeyedStream' as const, operator: 'Co-Process' }] : [];
    return merged.transform<O>('Co-Process', () => new ProcessOperator(new CoProcessAdapter(instanceCopy(fn as CoProcessFunction<I1, I2, O>))), {
      sideOutputs: fn.sideOutputTags,
      problems,
    });
  }
}

/** Connected streams partitioned by key: `process` takes a KeyedCoProcessFunction. */
export class KeyedConnectedStreams<I1, I2, K extends Key> extends ConnectedStreams<I1, I2> {
  /** The stream of what `fn` emits, with the state and timers of each record's key. */
  override process<O>(fn: KeyedCoProcessFunction<K, I1, I2, O> | CoProcessFunction<I1, I2, O>): SingleOutputStream<O> {
    return super.process(fn as KeyedCoProcessFunction<Key, I1, I2, O>);
  }
}

export type { TwoInputRecord };
