/**
 * docs/api.md, "Errors": options and topologies are refused before anything runs, with every
 * problem listed; a throwing user function fails the job with a UserFunctionFailed.
 * Run: node build/samples/docs-examples/errors.js
 */
import * as assert from 'node:assert/strict';
import { ConfigError, InvalidTopologyError, OutputTag, StreamEnvironment, StreamEnvironmentOptions, UserFunctionFailed } from '../../src';

async function main(): Promise<void> {
  // ConfigError: thrown by StreamEnvironment.create, listing every bad option.
  try {
    StreamEnvironment.create({ parallelism: 0, batchsize: 10 } as StreamEnvironmentOptions);
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    console.log(`${e.message}\n`);
    assert.equal(e.problems.length, 2);
  }

  // InvalidTopologyError: thrown by execute (and plan) before any task starts.
  const env = StreamEnvironment.create();
  const neverDeclared = new OutputTag<string>('late');
  const mapped = env.fromCollection([1, 2, 3]).setParallelism(2).map((n) => n + 1);
  mapped.getSideOutput(neverDeclared).print();
  mapped.map((n) => n).uid('twice');
  mapped.filter((n) => n > 1).uid('twice').print();
  try {
    env.execute('broken');
    assert.fail('expected an InvalidTopologyError');
  } catch (e) {
    assert.ok(e instanceof InvalidTopologyError);
    console.log(`${e.message}\n`);
    assert.deepEqual(e.problems.map((p) => p._tag).sort(), ['DuplicateUid', 'NonParallelSource', 'UnknownSideOutput']);
  }

  // UserFunctionFailed: a throw in user code fails the job; the error names the operator,
  // the parallel instance and the record, and keeps the original error as `cause`.
  const env2 = StreamEnvironment.create({ parallelism: 2 });
  env2
    .fromCollection(['1', '2', 'three', '4'])
    .map((s) => {
      const n = Number(s);
      if (Number.isNaN(n)) throw new Error(`not a number: ${s}`);
      return n;
    })
    .name('parse')
    .print();
  try {
    await env2.execute('parse numbers');
    assert.fail('expected the job to fail');
  } catch (e) {
    assert.ok(e instanceof UserFunctionFailed);
    console.log(e.message);
    assert.equal(e.operator, 'parse');
    assert.equal(e.record, 'three');
    assert.ok(e.cause instanceof Error);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
