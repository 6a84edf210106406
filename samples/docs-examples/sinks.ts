/**
 * docs/api.md, "Sinks": print, text files, and a sink of your own with an asynchronous writer.
 * Run: node build/samples/docs-examples/sinks.js
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Sink, SinkContext, SinkWriter, StreamEnvironment, TextFileSink } from '../../src';

/**
 * Sends records in batches to a (pretend) remote store. write() returns a promise: until it
 * resolves, the task takes no more input and grants no credit upstream, so a slow store
 * slows the sources down instead of filling memory.
 */
class BatchingStoreSink implements Sink<string> {
  readonly name = 'Batching Store';
  readonly stored: string[][] = [];
  createWriter({ index, parallelism }: SinkContext): SinkWriter<string> {
    const stored = (this.stored[index] = []) as string[];
    return {
      async open() {
        // connect here; called once before the first write
      },
      async write(records) {
        await new Promise((resolve) => setTimeout(resolve, 1)); // the round trip
        stored.push(...records.map((r) => `${index + 1}/${parallelism}:${r}`));
      },
      async finish() {
        // end of input: flush and make durable
      },
      async close() {
        // release connections; called exactly once, also after a failure or cancel
      },
    };
  }
}

async function main(): Promise<void> {
  // print(): one line per record on standard output, prefixed "n> " by instance when parallel.
  const env = StreamEnvironment.create();
  env.fromCollection(['hello', 'world']).print();
  await env.execute('print');

  // Text files: one file per parallel instance, part-<index>, one line per record.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-docs-'));
  const env2 = StreamEnvironment.create({ parallelism: 2 });
  env2
    .fromGenerator(4, (i) => ({ i, square: i * i }))
    .sinkTo(new TextFileSink(dir, (r) => `${r.i}\t${r.square}`))
    .name('squares file');
  await env2.execute('files');
  const parts = (await fs.readdir(dir)).sort();
  assert.deepEqual(parts, ['part-0', 'part-1']);
  assert.equal(await fs.readFile(path.join(dir, 'part-0'), 'utf8'), '0\t0\n2\t4\n');
  await fs.rm(dir, { recursive: true });

  // A sink of your own.
  const env3 = StreamEnvironment.create({ parallelism: 2, batchSize: 2 });
  const store = new BatchingStoreSink();
  env3.fromGenerator(5, (i) => `r${i}`).sinkTo(store);
  await env3.execute('store');
  assert.deepEqual(store.stored, [
    ['1/2:r0', '1/2:r2', '1/2:r4'],
    ['2/2:r1', '2/2:r3'],
  ]);
  console.log({ parts, stored: store.stored });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
