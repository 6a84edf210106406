/**
 * docs/api.md, "Two inputs": a keyed join with connect + KeyedCoProcessFunction, and a window
 * join with join/where/equalTo/window/apply.
 * Run: node build/samples/docs-examples/twoInputs.js
 */
import * as assert from 'node:assert/strict';
import {
  Collector,
  KeyedCoProcessFunction,
  KeyedProcessContext,
  ListState,
  ListStateDescriptor,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  Time,
  TumblingEventTimeWindows,
  ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src';

export interface Person {
  id: number;
  name: string;
  at: number;
}
export interface Auction {
  id: number;
  seller: number;
  at: number;
}

/** Auctions wait in state until their seller is known; the seller is kept for later auctions. */
export class AuctionsWithSeller extends KeyedCoProcessFunction<number, Person, Auction, string> {
  private seller!: ValueState<Person>;
  private waiting!: ListState<Auction>;
  open(ctx: RuntimeContext): void {
    this.seller = ctx.getState(new ValueStateDescriptor('seller', Serializers.json<Person>()));
    this.waiting = ctx.getListState(new ListStateDescriptor('waiting', Serializers.json<Auction>()));
  }
  processElement1(p: Person, _ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    this.seller.update(p);
    for (const a of this.waiting.get()) out.collect(`auction ${a.id} by ${p.name}`);
    this.waiting.clear();
  }
  processElement2(a: Auction, _ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const p = this.seller.value();
    if (p === undefined) this.waiting.add(a);
    else out.collect(`auction ${a.id} by ${p.name}`);
  }
}

async function main(): Promise<void> {
  const persons: Person[] = [
    { id: 1, name: 'ann', at: 1_000 },
    { id: 2, name: 'bob', at: 12_000 },
  ];
  const auctions: Auction[] = [
    { id: 10, seller: 2, at: 2_000 },
    { id: 11, seller: 1, at: 3_000 },
    { id: 12, seller: 2, at: 13_000 },
  ];

  const env = StreamEnvironment.create({ parallelism: 2 });
  const keyed = await env
    .fromCollection(persons)
    .connect(env.fromCollection(auctions))
    .keyBy((p) => p.id, (a) => a.seller)
    .process(new AuctionsWithSeller())
    .executeAndCollect();
  assert.deepEqual(keyed.sort(), ['auction 10 by bob', 'auction 11 by ann', 'auction 12 by bob']);

  // A window join: only a person and an auction in the same 10-second window meet.
  const byTime = <T extends { at: number }>() => WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((r) => r.at);
  const env2 = StreamEnvironment.create({ parallelism: 2 });
  const windowed = await env2
    .fromCollection(persons)
    .assignTimestampsAndWatermarks(byTime<Person>())
    .join(env2.fromCollection(auctions).assignTimestampsAndWatermarks(byTime<Auction>()))
    .where((p) => p.id)
    .equalTo((a) => a.seller)
    .window(TumblingEventTimeWindows.of(Time.seconds(10)))
    .apply((p, a) => `auction ${a.id} by ${p.name}`)
    .executeAndCollect();
  assert.deepEqual(windowed.sort(), ['auction 11 by ann', 'auction 12 by bob']);
  console.log('keyed join:', keyed.sort().join(', '));
  console.log('window join:', windowed.sort().join(', '));
}

// The spec of connected streams uses AuctionsWithSeller: run only as a script.
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
