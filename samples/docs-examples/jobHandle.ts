/**
 * docs/api.md, "Running a job": execute, the JobHandle, live counters, cancel, the result.
 * Run: node build/samples/docs-examples/jobHandle.js
 */
import * as assert from 'node:assert/strict';
import { Sink, StreamEnvironment } from '../../src';

const discard: Sink<unknown> = { name: 'Discard', createWriter: () => ({ write() {} }) };

async function main(): Promise<void> {
  // An unbounded job: the generator never ends, so we cancel it.
  const env = StreamEnvironment.create();
  env
    .fromGenerator(Infinity, (i) => i)
    .name('numbers')
    .filter((n) => n % 3 === 0)
    .name('multiples of 3')
    .sinkTo(discard);

  const job = env.execute('endless');
  console.log('status after execute:', job.status);

  await new Promise((resolve) => setTimeout(resolve, 300));
  // Counters by operator name, summed over parallel instances.
  const live = await job.counters();
  const read = live.operators['numbers'].recordsOut;
  console.log(`status ${job.status}, read ${read}, kept ${live.operators['multiples of 3'].recordsOut}`);
  assert.equal(job.status, 'running');
  assert.ok(read > 0);

  const result = await job.cancel();
  console.log(`${result.jobName}: ${result.status} after ${result.durationMs} ms`);
  assert.equal(result.status, 'cancelled');
  assert.equal(job.status, 'cancelled');

  // A bounded job finishes by itself; the handle is awaitable (or use job.result).
  const env2 = StreamEnvironment.create({ parallelism: 2 });
  env2.fromGenerator(1000, (i) => i).map((n) => n * 2).name('double').sinkTo(discard).name('discard');
  const done = await env2.execute('bounded');
  assert.equal(done.status, 'finished');
  assert.deepEqual(done.counters.operators['double'], { recordsIn: 1000, recordsOut: 1000 });
  assert.equal(done.counters.operators['discard'].recordsIn, 1000);
  console.log('bounded job counters:', done.counters.operators);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
