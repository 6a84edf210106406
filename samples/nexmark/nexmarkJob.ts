/**
 * A Nexmark query as a job module (defineJob), so that task managers on worker threads can
 * build it: `make bench`'s nexmark-*-taskmanagers rows run it at parallelism 2 on 2 task
 * managers against the same job in one thread. As the Nexmark benchmark runs its queries:
 * the generator source, exactly-once checkpoints every 250 ms. The sink sees a number per
 * output (digestOf), so both sides' outputs can be checked equal by count and checksum.
 */
import { defineJob } from '../../src/api/defineJob';
import { DataStream } from '../../src';
import { DiscardingSink } from '../bench/DiscardingSink';
import { BENCH_CONFIG, CHECKPOINT_INTERVAL_MS } from './benchSettings';
import { nexmarkEvents } from './NexmarkSource';
import { QueryId, queries } from './queries';

/** A number that depends on every field of an output: numbers as they are, a string by its characters. */
export function digestOf(record: unknown): number {
  let digest = 0;
  for (const value of Object.values(record as Record<string, unknown>)) {
    if (typeof value === 'number') digest += value;
    else if (typeof value === 'string') for (let i = 0; i < value.length; i++) digest += value.charCodeAt(i) * (i + 1);
  }
  return digest;
}

export const nexmarkJob = defineJob(__filename, (env, p: { readonly query: QueryId; readonly events: number }) => {
  env.enableCheckpointing(CHECKPOINT_INTERVAL_MS, 'exactly-once');
  const sink = new DiscardingSink();
  const outputs = queries[p.query].query(nexmarkEvents(env, { ...BENCH_CONFIG, events: p.events })) as DataStream<unknown>;
  outputs.map(digestOf).sinkTo(sink);
  return sink;
});
