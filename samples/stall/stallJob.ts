/**
 * A job with a bottleneck, for the dashboard's stall diagnosis: orders, keyed by customer,
 * through an enrichment that is slow (about 40 µs of CPU per order) and a sink. Half the
 * orders are from one customer, so that customer is the hottest key waiting at the slow
 * operator. The source outruns the enrichment: it is back-pressured, the enrichment busy.
 */
import { Sink, StreamEnvironment, StreamEnvironmentOptions, WatermarkStrategy, JobHandle } from '../../src';

export interface Order {
  readonly customer: string;
  readonly amount: number;
  /** Event time: when the order was generated. */
  readonly at: number;
}

/** The customer half the orders come from. */
export const HOT_CUSTOMER = 'customer-7';
/** CPU per order in the slow enrichment. */
export const ENRICH_MS = 0.04;

/** Order `i`: every other one from the hot customer, the rest spread over 200 others. */
export function order(i: number): Order {
  return { customer: i % 2 === 0 ? HOT_CUSTOMER : `customer-${100 + (i % 200)}`, amount: (i % 97) + 1, at: Date.now() };
}

/** Spins for `ms` of CPU: the stand-in for a slow call (a remote look-up done synchronously). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/** A sink that keeps only a count. */
export class CountingSink<T> implements Sink<T> {
  readonly name = 'count';
  count = 0;
  createWriter() {
    return {
      write: (records: readonly T[]) => {
        this.count += records.length;
      },
    };
  }
}

/** Starts the job: `orders` from a generator (endless by default) through `slow-enrich` to `count`. */
export function startStallJob(options: StreamEnvironmentOptions, orders = Infinity, checkpointIntervalMs?: number): { job: JobHandle; sink: CountingSink<Order> } {
  const env = StreamEnvironment.create(options);
  if (checkpointIntervalMs !== undefined) env.enableCheckpointing(checkpointIntervalMs);
  const sink = new CountingSink<Order>();
  env
    .fromGenerator(orders, order)
    .name('orders')
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Order>(1000).withTimestampAssigner((o) => o.at))
    .name('timestamps')
    .keyBy((o) => o.customer)
    .map((o) => {
      spin(ENRICH_MS);
      return o;
    })
    .name('slow-enrich')
    .sinkTo(sink)
    .name('count');
  return { job: env.execute('stalled orders'), sink };
}
