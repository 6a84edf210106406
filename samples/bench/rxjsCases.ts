/**
 * A keyed running sum beside RxJS, the JavaScript yardstick of the keyed path: `reduce` on a
 * keyed stream against `groupBy` + `scan` on the same numbers. RxJS does no partitioning,
 * sends no credits and keeps no checkpointable state, so this row says what Sluice's keyed
 * machinery costs over the plainest keyed code in the language.
 */
import { range } from 'rxjs';
import { groupBy, mergeMap, scan } from 'rxjs/operators';
import { StreamEnvironment } from '../../src';
import { DiscardingSink } from './DiscardingSink';
import { Benchmark } from './cases';
import { emptyTally } from './workloads';

/** Keys of the running sum: the number modulo this. */
const SUM_KEYS = 1000;
const keyOfNumber = (n: number) => n % SUM_KEYS;
const add = (a: number, b: number) => a + b;

export const rxjsBenchmarks: readonly Benchmark[] = [
  {
    id: 'keyed-reduce',
    sluiceName: `keyed running sum (reduce), ${SUM_KEYS} keys, p=2`,
    baselineName: 'RxJS groupBy + scan',
    parallelism: 2,
    // 2M: the checksum (a sum of running sums, ~1.3e15) stays below 2^53, exact in any order.
    events: 2_000_000,
    aim: 1,
    sluice: async (events) => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      const sink = new DiscardingSink();
      env.fromGenerator(events, (i) => i).keyBy(keyOfNumber).reduce(add).sinkTo(sink);
      await env.execute('keyed-reduce');
      return sink.total();
    },
    baseline: async (events) => {
      const tally = emptyTally();
      await new Promise<void>((resolve, reject) =>
        range(0, events)
          .pipe(
            groupBy(keyOfNumber),
            mergeMap((group) => group.pipe(scan(add))),
          )
          .subscribe({
            next: (sum) => {
              tally.count++;
              tally.checksum += sum;
            },
            error: reject,
            complete: resolve,
          }),
      );
      return tally;
    },
  },
];
