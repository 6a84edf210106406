/**
 * The benchmarks: each a Sluice job beside a plain loop doing the same work (same event
 * generation, same functions, a Map for keyed counts). Each side of a benchmark runs alone in
 * its own process (see main.ts), so that its peak RSS is its own.
 */
import { Collector, KeyedProcessContext, KeyedProcessFunction, RuntimeContext, Serializers, StreamEnvironment, ValueState, ValueStateDescriptor } from '../../src';
import { DiscardingSink } from './DiscardingSink';
import { Tally, Trade, accountOf, emptyTally, isLarge, net, price, trade } from './workloads';

export type Side = 'sluice' | 'baseline';

export interface Benchmark {
  /** Short id, used on the command line. */
  readonly id: string;
  readonly sluiceName: string;
  readonly baselineName: string;
  readonly parallelism: number;
  /** Events per run at BENCH_SCALE=1; both sides process the same events. */
  readonly events: number;
  /** The ratio (Sluice events/s ÷ baseline events/s) we aim at. */
  readonly aim: number;
  readonly sluice: (events: number) => Promise<Tally>;
  readonly baseline: (events: number) => Promise<Tally>;
}

/** Counts records per key in ValueState and emits the key's new count. */
class CountPerKey extends KeyedProcessFunction<number, Trade, number> {
  private count!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(_trade: Trade, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    const n = this.count.value()! + 1;
    this.count.update(n);
    out.collect(n);
  }
}

async function runJob(parallelism: number, build: (env: StreamEnvironment, sink: DiscardingSink) => void): Promise<Tally> {
  const env = StreamEnvironment.create({ parallelism });
  const sink = new DiscardingSink();
  build(env, sink);
  await env.execute('bench');
  return sink.total();
}

export const benchmarks: readonly Benchmark[] = [
  {
    id: 'stateless',
    sluiceName: 'stateless map/filter/map, p=1',
    baselineName: 'plain loop',
    parallelism: 1,
    events: 40_000_000,
    aim: 1 / 10,
    sluice: (events) =>
      runJob(1, (env, sink) => {
        env.fromGenerator(events, trade).map(price).filter(isLarge).map(net).sinkTo(sink);
      }),
    baseline: async (events) => {
      const tally = emptyTally();
      for (let i = 0; i < events; i++) {
        const priced = price(trade(i));
        if (!isLarge(priced)) continue;
        tally.count++;
        tally.checksum += net(priced);
      }
      return tally;
    },
  },
  {
    id: 'keyed',
    sluiceName: 'keyed count (ValueState), p=2',
    baselineName: 'plain loop + Map',
    parallelism: 2,
    events: 10_000_000,
    aim: 1 / 25,
    sluice: (events) =>
      runJob(2, (env, sink) => {
        env.fromGenerator(events, trade).keyBy(accountOf).process(new CountPerKey()).sinkTo(sink);
      }),
    baseline: async (events) => {
      const tally = emptyTally();
      const counts = new Map<number, number>();
      for (let i = 0; i < events; i++) {
        const key = accountOf(trade(i));
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        tally.count++;
        tally.checksum += n;
      }
      return tally;
    },
  },
];
