/**
 * How two inputs travel as one stream: each record is tagged with the input it came from,
 * then both are merged into one input of one operator. Watermarks (minimum over inputs),
 * barriers (aligned over every input channel) and checkpoints are those of any multi-input
 * task, so a two-input operator needs nothing of its own from the runtime.
 */
import { MapOperator } from './operators/MapOperator';
import { DataStream } from './DataStream';
import { StreamEdge } from '../graph/StreamNode';

export type TwoInputRecord<I1, I2> = { readonly input: 1; readonly value: I1 } | { readonly input: 2; readonly value: I2 };

const tagFirst = <I1>(value: I1) => ({ input: 1 as const, value });
const tagSecond = <I2>(value: I2) => ({ input: 2 as const, value });

/** One step after each input that tags its records; it runs with its input's parallelism, so it chains to it. */
function tagged<T, R>(stream: DataStream<T>, tag: (value: T) => R, name: string): DataStream<R> {
  const node = stream.env.graph.add({
    role: { kind: 'operator', factory: () => new MapOperator(tag), keySelector: undefined },
    name,
    inputs: stream.edges.map((e) => ({ ...e, partitioning: undefined })),
    followsInput: true,
  });
  return new DataStream<R>(stream.env, [{ source: node.id, tag: undefined, partitioning: undefined }]);
}

/** Both inputs, tagged: the edges of each (not yet partitioned), to be merged into one input. */
export function taggedInputs<I1, I2>(first: DataStream<I1>, second: DataStream<I2>): { readonly one: readonly StreamEdge[]; readonly two: readonly StreamEdge[] } {
  if (first.env !== second.env) first.env.graph.problems.push({ _tag: 'ForeignStream', operator: 'Connect' });
  const one = tagged<I1, TwoInputRecord<I1, I2>>(first, tagFirst, 'Input 1');
  const two = tagged<I2, TwoInputRecord<I1, I2>>(second, tagSecond, 'Input 2');
  return { one: one.edges, two: first.env === second.env ? two.edges : [] };
}

/** Both inputs, tagged, as one stream (not yet partitioned). */
export function mergedInputs<I1, I2>(first: DataStream<I1>, second: DataStream<I2>): DataStream<TwoInputRecord<I1, I2>> {
  const { one, two } = taggedInputs(first, second);
  return new DataStream<TwoInputRecord<I1, I2>>(first.env, [...one, ...two]);
}

/** The key of a tagged record, by the selector of its input. */
export function twoInputKey<I1, I2, K>(key1: (v: I1) => K, key2: (v: I2) => K): (r: TwoInputRecord<I1, I2>) => K {
  return (r) => (r.input === 1 ? key1(r.value) : key2(r.value));
}
