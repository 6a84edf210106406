/**
 * docs/api.md, "The environment": options, and how a bad option is refused.
 * Run: node build/samples/docs-examples/environment.js
 */
import * as assert from 'node:assert/strict';
import { ConfigError, StreamEnvironment, StreamEnvironmentOptions } from '../../src';

async function main(): Promise<void> {
  const options: StreamEnvironmentOptions = {
    parallelism: 2, // default parallelism of every operator (default 1)
    maxParallelism: 128, // number of key groups: the upper bound of any parallelism (default 128)
    batchSize: 512, // records per message between tasks (default 1024)
    channelCapacity: 2048, // credit per input channel, in records (default 2 × batchSize)
    operatorChaining: true, // run forward-connected operators in one task (default true)
  };
  const env = StreamEnvironment.create(options);
  console.log('config:', env.config);

  const squares = await env
    .fromGenerator(5, (i) => i * i)
    .executeAndCollect();
  // With parallelism 2, each instance returns its records in order, instance 0 first.
  console.log('squares:', squares);
  assert.deepEqual([...squares].sort((a, b) => a - b), [0, 1, 4, 9, 16]);

  // Options are checked when the environment is created; every problem is listed at once.
  try {
    StreamEnvironment.create({ parallelism: 0, batchSize: 1.5, chaining: false } as StreamEnvironmentOptions);
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    console.log(e.message);
    assert.equal(e.problems.length, 3);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
