/**
 * docs/async-io.md: enrichment with orderedWait (an async function), unorderedWait asking an
 * application actor, a timeout handler, a retry strategy, and exactly-once results across a
 * crash with calls in flight.
 * Run: node build/samples/docs-examples/asyncIo.js
 */
import * as assert from 'node:assert/strict';
import { Ref, dispatch, query, spawnStateless, start, stop } from 'nact';
import { AsyncDataStream, AsyncFunction, AsyncRetryStrategies, CollectSink, StreamEnvironment } from '../../src';

interface Order {
  id: number;
  user: string;
  amount: number;
}

const orders: Order[] = [
  { id: 1, user: 'ann', amount: 30 },
  { id: 2, user: 'bob', amount: 12 },
  { id: 3, user: 'cid', amount: 99 },
  { id: 4, user: 'ann', amount: 5 },
];

/** A service answering after a few milliseconds; 'cid' answers too late. */
const countries: Record<string, string> = { ann: 'NO', bob: 'PT' };
function countryOf(user: string): Promise<string> {
  const ms = user === 'cid' ? 500 : 2 + user.length;
  return new Promise((resolve) => setTimeout(() => resolve(countries[user] ?? 'unknown'), ms));
}

/** One result per record, in input order; a request that times out emits a default. */
async function orderedEnrichment(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const enriched = AsyncDataStream.orderedWait(
    env.fromCollection(orders),
    async (o: Order) => ({ ...o, country: await countryOf(o.user) }),
    { timeoutMs: 100, capacity: 50, timeout: (o) => ({ ...o, country: 'unknown (timed out)' }) },
  );
  const out = await enriched.executeAndCollect('enrich orders');
  assert.deepEqual(
    out.map((o) => `${o.id} ${o.country}`).sort(),
    ['1 NO', '2 PT', '3 unknown (timed out)', '4 NO'],
  );
}

/** An application actor that answers limit requests. */
type LimitRequest = { readonly user: string; readonly replyTo: Ref<number> };

/** Flink's AsyncFunction shape: asyncInvoke resolves to the records to emit, here none or one. */
class OverLimit implements AsyncFunction<Order, string> {
  constructor(private readonly limits: Ref<LimitRequest>) {}
  async asyncInvoke(o: Order): Promise<string[]> {
    const limit = await query(this.limits, (replyTo: Ref<number>) => ({ user: o.user, replyTo }), 1_000);
    return o.amount > limit ? [`order ${o.id} of ${o.user} over the limit of ${limit}`] : [];
  }
}

/** Results as they complete, from an actor asked through nact's query; a retry for flaky calls. */
async function unorderedAsk(): Promise<void> {
  const system = start();
  try {
    const limits = spawnStateless(system, (req: LimitRequest) => dispatch(req.replyTo, req.user === 'cid' ? 50 : 20), 'limits');
    const env = StreamEnvironment.create({ parallelism: 1 });
    const alerts = AsyncDataStream.unorderedWait(env.fromCollection(orders), new OverLimit(limits), {
      timeoutMs: 2_000,
      retry: AsyncRetryStrategies.fixedDelay({ maxAttempts: 3, delayMs: 50 }),
    });
    const out = await alerts.executeAndCollect('limits');
    assert.deepEqual(out.sort(), ['order 1 of ann over the limit of 20', 'order 3 of cid over the limit of 50']);
  } finally {
    stop(system);
  }
}

/** Calls in flight are in the checkpoints: after a crash, each result is written once. */
async function exactlyOnce(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 1 });
  env.enableCheckpointing(10, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 20 });
  const sink = new CollectSink<string>();
  let crashed = false;
  let job: { crashTask(vertex: string, index: number): void } | undefined;
  const lookUp = (i: number) => {
    if (i === 500 && !crashed) {
      crashed = true;
      job!.crashTask('Async I/O', 0); // an injected failure
    }
    return new Promise<string>((resolve) => setTimeout(() => resolve(`result ${i}`), 1));
  };
  AsyncDataStream.orderedWait(env.fromGenerator(1_000, (i) => i), lookUp, { timeoutMs: 1_000, capacity: 20 }).sinkTo(sink);
  const handle = env.execute('exactly-once enrichment');
  job = handle;
  const result = await handle;
  assert.equal(result.restarts, 1);
  assert.deepEqual(sink.records(), Array.from({ length: 1_000 }, (_, i) => `result ${i}`));
}

export async function main(): Promise<void> {
  await orderedEnrichment();
  await unorderedAsk();
  await exactlyOnce();
}

if (require.main === module) {
  main().then(
    () => console.log('async I/O examples: ok'),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
