/**
 * The example of the repository's README.md: keyed state, a sink, a job watched while it runs.
 * Run: node build/samples/docs-examples/readme.js
 */
import * as assert from 'node:assert/strict';
import { Collector, KeyedProcessContext, KeyedProcessFunction, RuntimeContext, Serializers, StreamEnvironment, ValueState, ValueStateDescriptor } from '../../src';

async function main(): Promise<void> {
  // --- README.md, from here
  interface PageView {
    userId: number;
    page: string;
  }

  /** Counts views per user in keyed state; emits a user the moment they reach 10,000 views. */
  class HeavyUsers extends KeyedProcessFunction<number, PageView, string> {
    private views!: ValueState<number>;
    open(context: RuntimeContext) {
      this.views = context.getState(new ValueStateDescriptor('views', Serializers.number, 0));
    }
    processElement(view: PageView, ctx: KeyedProcessContext<number>, out: Collector<string>) {
      const views = this.views.value()! + 1; // the count of this record's user
      this.views.update(views);
      if (views === 10_000) out.collect(`user ${ctx.getCurrentKey()} reached 10,000 views`);
    }
  }

  // 2 million views of 10,000 users, a few of them very active.
  const pageView = (i: number): PageView => ({ userId: Math.floor(10_000 * ((i * 0.6180339887) % 1) ** 3), page: '/' });

  const env = StreamEnvironment.create({ parallelism: 2 });
  env
    .fromGenerator(2_000_000, pageView)
    .name('page views')
    .keyBy((v) => v.userId)
    .process(new HeavyUsers())
    .print(); // "1> user 0 reached 10,000 views": prefixed by instance

  const job = env.execute('heavy users');
  const ticker = setInterval(() => job.counters().then((c) => console.log(c.operators['page views'])), 1000);
  const result = await job.result.finally(() => clearInterval(ticker)); // rejects if a user function threw
  console.log(`${result.status} in ${result.durationMs} ms`);
  // --- README.md, to here

  assert.equal(result.status, 'finished');
  assert.equal(result.counters.operators['page views'].recordsOut, 2_000_000);
  assert.equal(result.counters.operators['Keyed Process'].recordsOut, 5);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
