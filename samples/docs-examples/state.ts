/**
 * docs/api.md, "State": every keyed state primitive, operator list state, and serializers.
 * Run: node build/samples/docs-examples/state.js
 */
import * as assert from 'node:assert/strict';
import { isLeft, isRight } from 'fp-ts/Either';
import * as t from 'io-ts';
import {
  AggregateFunction,
  AggregatingState,
  AggregatingStateDescriptor,
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
} from '../../src';

interface Visit {
  user: string;
  page: string;
  seconds: number;
}

/** The state a value is kept in must be serializable: snapshots and remote backends store it as text. */
const VisitCodec = t.type({ user: t.string, page: t.string, seconds: t.number });

/** Average of numbers: the accumulator is [sum, count]. */
const average: AggregateFunction<number, [number, number], number> = {
  createAccumulator: () => [0, 0],
  add: (value, [sum, count]) => [sum + value, count + 1],
  getResult: ([sum, count]) => (count === 0 ? 0 : sum / count),
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

class UserProfile extends KeyedProcessFunction<string, Visit, string> {
  private visits!: ValueState<number>;
  private lastThree!: ListState<Visit>;
  private perPage!: MapState<string, number>;
  private longest!: ReducingState<number>;
  private avgSeconds!: AggregatingState<number, number>;

  open(ctx: RuntimeContext): void {
    // A default value makes value() return it for a key that has none yet.
    this.visits = ctx.getState(new ValueStateDescriptor('visits', Serializers.number, 0));
    this.lastThree = ctx.getListState(new ListStateDescriptor('last-three', Serializers.fromCodec(VisitCodec)));
    this.perPage = ctx.getMapState(new MapStateDescriptor('per-page', Serializers.string, Serializers.number));
    this.longest = ctx.getReducingState(new ReducingStateDescriptor('longest', Math.max, Serializers.number));
    this.avgSeconds = ctx.getAggregatingState(new AggregatingStateDescriptor('avg-seconds', average, Serializers.json<[number, number]>()));
  }

  processElement(v: Visit, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    this.visits.update(this.visits.value()! + 1);
    this.lastThree.update([...this.lastThree.get(), v].slice(-3));
    this.perPage.put(v.page, (this.perPage.get(v.page) ?? 0) + 1);
    this.longest.add(v.seconds);
    this.avgSeconds.add(v.seconds);
    out.collect(
      `${ctx.getCurrentKey()}: ${this.visits.value()} visits, pages ${JSON.stringify(Object.fromEntries(this.perPage.entries()))}, ` +
        `last ${this.lastThree.get().map((x) => x.page).join(',')}, longest ${this.longest.get()} s, average ${this.avgSeconds.get()} s`,
    );
  }
}

/** Keeps what its instance has seen in operator list state; emits how many so far. */
class CountSeen {
  private seen!: ListState<number>;
  open(ctx: RuntimeContext): void {
    this.seen = ctx.getOperatorListState(new ListStateDescriptor('seen', Serializers.number));
  }
  map(n: number): number {
    this.seen.add(n);
    return this.seen.get().length;
  }
}

async function main(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const out = await env
    .fromCollection<Visit>([
      { user: 'ann', page: 'home', seconds: 10 },
      { user: 'bob', page: 'home', seconds: 3 },
      { user: 'ann', page: 'cart', seconds: 30 },
      { user: 'ann', page: 'home', seconds: 5 },
      { user: 'ann', page: 'checkout', seconds: 15 },
    ])
    .keyBy((v) => v.user)
    .process(new UserProfile())
    .executeAndCollect();
  const ann = out.filter((line) => line.startsWith('ann'));
  console.log(ann[ann.length - 1]);
  assert.equal(ann[ann.length - 1], 'ann: 4 visits, pages {"home":2,"cart":1,"checkout":1}, last cart,home,checkout, longest 30 s, average 15 s');

  // Operator list state: per parallel instance, not per key; available to any function.
  const env2 = StreamEnvironment.create({ parallelism: 2 });
  const buffered = await env2.fromGenerator(6, (i) => i).map(new CountSeen()).executeAndCollect();
  assert.deepEqual(buffered, [1, 2, 3, 1, 2, 3]); // instance 0 saw 0,2,4; instance 1 saw 1,3,5

  // Serializers turn state into text and check it on the way back.
  const visits = Serializers.fromCodec(VisitCodec);
  const text = visits.serialize({ user: 'ann', page: 'home', seconds: 10 });
  assert.ok(isRight(visits.deserialize(text)));
  const bad = visits.deserialize('{"user":"ann","page":"home"}');
  assert.ok(isLeft(bad));
  console.log('decoding a bad state value:', bad.left);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
