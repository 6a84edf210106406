/**
 * A stream of records of type T, as the API builds it: each method adds an operator to the
 * job graph and returns the stream it produces. Nothing runs until `execute`.
 */
import { CollectSink } from '../connectors/CollectSink';
import { PrintSink } from '../connectors/PrintSink';
import { Sink } from '../graph/Sink';
import { Partitioning, broadcast, hash, rebalance } from '../graph/Partitioning';
import { StreamEdge, StreamNode } from '../graph/StreamNode';
import { TopologyProblem } from '../graph/TopologyProblem';
import { OperatorFactory } from '../graph/StreamOperator';
import { SinkOperator } from '../runtime/SinkOperator';
import { TwoPhaseCommitSinkOperator } from '../runtime/TwoPhaseCommitSinkOperator';
import { TwoPhaseCommitSink, isTwoPhaseCommitSink } from '../graph/TwoPhaseCommitSink';
import { Key } from '../state/keyHash';
import type { StreamEnvironment } from './StreamEnvironment';
import type { KeyedStream } from './KeyedStream';
import type { ConnectedStreams } from './ConnectedStreams';
import type { BroadcastConnectedStream } from './BroadcastConnectedStream';
import { BroadcastStream } from './BroadcastStream';
import { MapStateDescriptor } from '../state/StateDescriptor';
import { KeySelector } from '../graph/Partitioning';
import type { TwoInputsToWindow } from './CoGroupedStreams';
import type { Window } from '../windowing/Window';
import type { WindowAssigner } from '../windowing/WindowAssigner';
import type { WindowedStream } from './WindowedStream';
import { OutputTag } from '../graph/OutputTag';
import { SupervisionStrategy, supervisionDeadLetters } from '../graph/SupervisionStrategy';
import { KeyedProcessFunction, ProcessFunction } from './ProcessFunction';
import { FilterFunction, FlatMapFunction, IterableFlatMapFunction, MapFunction, instanceCopy } from './functions';
import { FilterOperator } from './operators/FilterOperator';
import { FlatMapOperator } from './operators/FlatMapOperator';
import { MapOperator } from './operators/MapOperator';
import { ProcessOperator } from './operators/ProcessOperator';
import { WatermarkStrategy } from '../time/WatermarkStrategy';
import { TimestampsAndWatermarksOperator } from './operators/TimestampsAndWatermarksOperator';
import { observed } from '../runtime/observed';

/** Settings shared by operators and sinks: they apply to the node just created. */
function settingsOf(node: StreamNode) {
  return {
    setParallelism(n: number) {
      node.parallelism = n;
    },
    name(s: string) {
      node.name = s;
    },
    uid(s: string) {
      node.uid = s;
    },
    supervision(strategy: SupervisionStrategy) {
      node.supervision = strategy;
      if (strategy.directive === 'resume' && !node.sideOutputs.includes(supervisionDeadLetters.id)) {
        node.sideOutputs = [...node.sideOutputs, supervisionDeadLetters.id];
      }
    },
  };
}

export interface OperatorOptions {
  readonly sideOutputs?: readonly OutputTag<unknown>[];
  readonly problems?: readonly TopologyProblem[];
}

/** A stream of records of type T: transform it, partition it by key, connect it, or send it to a sink. */
export class DataStream<T> {
  /** @internal */
  constructor(
    /** @internal */ readonly env: StreamEnvironment,
    /** @internal The edges a consumer of this stream gets. */ readonly edges: readonly StreamEdge[],
  ) {}

  /** @internal Adds an operator reading this stream. */
  transform<R>(name: string, factory: OperatorFactory, options: OperatorOptions = {}, keySelector?: (r: T) => Key): SingleOutputStream<R> {
    const node = this.env.graph.add({
      role: { kind: 'operator', factory, keySelector },
      name,
      inputs: this.edges,
      sideOutputs: (options.sideOutputs ?? []).map((t) => t.id),
      problems: options.problems,
    });
    return new SingleOutputStream<R>(this.env, node);
  }

  /** One result for each record. */
  map<R>(fn: MapFunction<T, R>): SingleOutputStream<R> {
    return this.transform('Map', () => new MapOperator(instanceCopy(fn)));
  }

  /** Keeps records for which `fn` holds; a type guard narrows the stream's type. */
  filter<S extends T>(fn: (value: T) => value is S): SingleOutputStream<S>;
  filter(fn: FilterFunction<T>): SingleOutputStream<T>;
  filter(fn: FilterFunction<T>): SingleOutputStream<T> {
    return this.transform('Filter', () => new FilterOperator(instanceCopy(fn)));
  }

  /**
   * Emits none, one or many records per record: those the function collects through `out`,
   * or the items of the iterable it returns (an array, a generator).
   * @example
   * lines.flatMap((line) => line.split(' '));
   * lines.flatMap<string>((line, out) => { for (const word of line.split(' ')) out.collect(word); });
   */
  // The collector form first: a function returning an array does not match it (its result
  // must be nothing), so it falls to the iterable form, which infers R from the items.
  flatMap<R>(fn: FlatMapFunction<T, R>): SingleOutputStream<R>;
  flatMap<R>(fn: IterableFlatMapFunction<T, R>): SingleOutputStream<R>;
  flatMap<R>(fn: FlatMapFunction<T, R> | IterableFlatMapFunction<T, R>): SingleOutputStream<R> {
    return this.transform('FlatMap', () => new FlatMapOperator(instanceCopy(fn)));
  }

  /** What the process function emits for each record (side outputs through `getSideOutput`). */
  process<R>(fn: ProcessFunction<T, R>): SingleOutputStream<R> {
    const name = 'Process';
    const problems: TopologyProblem[] =
      (fn as unknown) instanceof KeyedProcessFunction ? [{ _tag: 'KeyedFunctionOnNonKeyedStream', operator: name }] : [];
    return this.transform(name, () => new ProcessOperator(instanceCopy(fn)), { sideOutputs: fn.sideOutputTags, problems });
  }

  /**
   * Gives records event timestamps and the stream watermarks (see WatermarkStrategy); chained
   * to a source, watermarks are generated per source instance.
   */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): SingleOutputStream<T> {
    return this.transform('Timestamps/Watermarks', () => new TimestampsAndWatermarksOperator(strategy));
  }

  /** Partitions by key: records with equal keys go to the same instance and share keyed state. */
  keyBy<K extends Key>(keySelector: (record: T) => K): KeyedStream<T, K> {
    // Required here, not at the top: KeyedStream extends DataStream, so its module must load after this one.
    const { KeyedStream: Keyed } = require('./KeyedStream') as typeof import('./KeyedStream');
    return new Keyed<T, K>(this.env, this.repartitioned(hash(keySelector)), keySelector);
  }

  /** Windows over the whole stream (not keyed): one instance computes them. */
  windowAll<W extends Window>(assigner: WindowAssigner<W>): WindowedStream<T, number, W> {
    const { WindowedStream: Windowed } = require('./WindowedStream') as typeof import('./WindowedStream');
    const all = () => 0;
    return new Windowed<T, number, W>(this.keyBy(all), all, assigner, 1);
  }

  /** Merges streams of the same type; order between them is not defined. */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const other of others) {
      if (other.env !== this.env) this.env.graph.problems.push({ _tag: 'ForeignStream', operator: 'Union' });
    }
    return new DataStream<T>(this.env, [...this.edges, ...others.filter((o) => o.env === this.env).flatMap((o) => o.edges)]);
  }

  /**
   * Two streams processed by one function with a method per input (see ConnectedStreams); or,
   * connected to a broadcast stream, by a (Keyed)BroadcastProcessFunction (see BroadcastConnectedStream).
   */
  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    return this.connectWith(other, undefined);
  }

  /** @internal `connect`, with this stream's key selector when it is keyed. */
  protected connectWith<T2>(other: DataStream<T2> | BroadcastStream<T2>, key: KeySelector<T> | undefined): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    if (other instanceof BroadcastStream) {
      const { BroadcastConnectedStream: Connected } = require('./BroadcastConnectedStream') as typeof import('./BroadcastConnectedStream');
      return new Connected<T, T2>(this, other, key);
    }
    const { ConnectedStreams: Connected } = require('./ConnectedStreams') as typeof import('./ConnectedStreams');
    return new Connected<T, T2>(this, other);
  }

  /** A window join: `where(key).equalTo(key of other).window(assigner).apply(joinFunction)`. */
  join<T2>(other: DataStream<T2>): TwoInputsToWindow<T, T2, 'Join'> {
    const { TwoInputsToWindow: ToWindow } = require('./CoGroupedStreams') as typeof import('./CoGroupedStreams');
    return new ToWindow<T, T2, 'Join'>(this, other, 'Join');
  }

  /** A window co-group: as join, but the function sees both inputs' records of a key and window at once. */
  coGroup<T2>(other: DataStream<T2>): TwoInputsToWindow<T, T2, 'CoGroup'> {
    const { TwoInputsToWindow: ToWindow } = require('./CoGroupedStreams') as typeof import('./CoGroupedStreams');
    return new ToWindow<T, T2, 'CoGroup'>(this, other, 'CoGroup');
  }

  /** Spreads records round-robin over the next operator's instances. */
  rebalance(): DataStream<T> {
    return new DataStream<T>(this.env, this.repartitioned(rebalance));
  }

  /**
   * Sends every record to every instance of the next operator. With state descriptors, a
   * BroadcastStream to connect a stream to: the connected function keeps those broadcast
   * states, the same on every instance (see BroadcastProcessFunction).
   */
  broadcast(): DataStream<T>;
  broadcast(descriptor: MapStateDescriptor<any, any>, ...more: MapStateDescriptor<any, any>[]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): DataStream<T> | BroadcastStream<T> {
    if (descriptors.length === 0) return new DataStream<T>(this.env, this.repartitioned(broadcast));
    return new BroadcastStream<T>(this, descriptors);
  }

  private repartitioned(partitioning: Partitioning): StreamEdge[] {
    return this.edges.map((e) => ({ ...e, partitioning }));
  }

  /** Writes to a sink; a two-phase-commit sink gives exactly-once output with exactly-once checkpoints. */
  sinkTo(sink: Sink<T>): DataStreamSink;
  sinkTo<Txn>(sink: TwoPhaseCommitSink<T, Txn>): DataStreamSink;
  sinkTo(sink: Sink<T> | TwoPhaseCommitSink<T, unknown>): DataStreamSink {
    const factory = isTwoPhaseCommitSink<T>(sink) ? () => new TwoPhaseCommitSinkOperator(sink) : () => new SinkOperator(sink as Sink<T>);
    const node = this.env.graph.add({ role: { kind: 'sink', factory, sink: sink as Sink<unknown> }, name: sink.name, inputs: this.edges });
    return new DataStreamSink(node);
  }

  /** Writes each record to standard output (prefixed `n> ` by instance when parallel). */
  print(): DataStreamSink {
    return this.sinkTo(new PrintSink<T>());
  }

  /**
   * Runs the job and returns this stream's records (by instance, in order within each). A
   * failed job rejects the promise, whenever it is awaited (see JobHandle).
   */
  executeAndCollect(jobName = 'Collect Job'): Promise<T[]> {
    const collect = async () => {
      const sink = new CollectSink<T>();
      this.sinkTo(sink);
      await this.env.execute(jobName);
      return sink.records();
    };
    return observed(collect());
  }
}

/** A stream produced by one operator, whose settings can still be changed. */
export class SingleOutputStream<T> extends DataStream<T> {
  /** @internal */
  constructor(env: StreamEnvironment, /** @internal */ readonly node: StreamNode) {
    super(env, [{ source: node.id, tag: undefined, partitioning: undefined }]);
  }
  /** The number of parallel instances of this operator (default: the environment's parallelism). */
  setParallelism(parallelism: number): this {
    settingsOf(this.node).setParallelism(parallelism);
    return this;
  }
  /** The operator's name in counters, logs and errors. */
  name(name: string): this {
    settingsOf(this.node).name(name);
    return this;
  }
  /** A stable id for the operator, so its state is found again when the job changes. */
  uid(uid: string): this {
    settingsOf(this.node).uid(uid);
    return this;
  }
  /**
   * How this operator recovers when its user code throws (default: restart the job, as
   * Flink). With `resume`, the failing records are on `getSideOutput(supervisionDeadLetters)`.
   */
  withSupervisionStrategy(strategy: SupervisionStrategy): this {
    settingsOf(this.node).supervision(strategy);
    return this;
  }

  /** The records this operator's function wrote to `tag`. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    return new DataStream<X>(this.env, [{ source: this.node.id, tag: tag.id, partitioning: undefined }]);
  }
}

/** A sink added to the job (`stream.sinkTo(sink)`), whose settings can still be changed. */
export class DataStreamSink {
  /** @internal */
  constructor(/** @internal */ readonly node: StreamNode) {}
  /** The number of parallel instances of this sink (default: the environment's parallelism). */
  setParallelism(parallelism: number): this {
    settingsOf(this.node).setParallelism(parallelism);
    return this;
  }
  /** The sink's name in counters, logs and errors. */
  name(name: string): this {
    settingsOf(this.node).name(name);
    return this;
  }
  /** A stable id for the sink, so its state (pending transactions) is found again when the job changes. */
  uid(uid: string): this {
    settingsOf(this.node).uid(uid);
    return this;
  }
  /** How the sink recovers when its writer throws (default: restart the job); see SupervisionStrategy. */
  withSupervisionStrategy(strategy: SupervisionStrategy): this {
    settingsOf(this.node).supervision(strategy);
    return this;
  }
}
