/**
 * The Async I/O benchmark: records through orderedWait with capacity 100 and a function
 * answering after 5 ms, beside a plain loop keeping 100 calls of the same function in flight.
 * Neither can beat the bound capacity / latency (100 / 5 ms = 20,000 records/s); the driver
 * prints each side's share of it.
 */
import { AsyncDataStream, StreamEnvironment } from '../../src';
import { Benchmark } from './cases';
import { DiscardingSink } from './DiscardingSink';
import { emptyTally } from './workloads';

export const ASYNC_CAPACITY = 100;
export const ASYNC_LATENCY_MS = 5;
/** Records per second that capacity and latency allow at most. */
export const ASYNC_BOUND = (ASYNC_CAPACITY * 1000) / ASYNC_LATENCY_MS;

/** The service: answers `i * 2` after the latency. */
const call = (i: number) => new Promise<number>((resolve) => setTimeout(() => resolve(i * 2), ASYNC_LATENCY_MS));

export const asyncBenchmarks: readonly Benchmark[] = [
  {
    id: 'async-io',
    sluiceName: `Async I/O orderedWait, capacity ${ASYNC_CAPACITY}, ${ASYNC_LATENCY_MS} ms per call, p=1`,
    baselineName: `a loop keeping ${ASYNC_CAPACITY} calls in flight`,
    parallelism: 1,
    // About 2 s at the bound.
    events: 40_000,
    aim: 0.8,
    sluice: async (events) => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const sink = new DiscardingSink();
      AsyncDataStream.orderedWait(env.fromGenerator(events, (i) => i), call, { timeoutMs: 10_000, capacity: ASYNC_CAPACITY }).sinkTo(sink);
      await env.execute('bench');
      return sink.total();
    },
    baseline: async (events) => {
      const tally = emptyTally();
      let next = 0;
      const worker = async () => {
        while (next < events) {
          const r = await call(next++);
          tally.count++;
          tally.checksum += r;
        }
      };
      await Promise.all(Array.from({ length: ASYNC_CAPACITY }, worker));
      return tally;
    },
  },
];
