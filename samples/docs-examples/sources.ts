/**
 * docs/api.md, "Sources": collections, generators, text files, and a source of your own.
 * Run: node build/samples/docs-examples/sources.js
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PollResult, Source, SourceReader, SplitContext, StreamEnvironment } from '../../src';

/**
 * A parallel source of its own: counts down from `from` to 1, a few numbers per poll, with a
 * pause now and then (as a source waiting on I/O would). Instance i of p takes every p-th number.
 */
class Countdown implements Source<number> {
  readonly name = 'Countdown';
  readonly parallel = true;
  constructor(private readonly from: number) {}
  createReader({ index, parallelism }: SplitContext): SourceReader<number> {
    let next = this.from - index;
    return {
      async poll(max, emit): Promise<PollResult> {
        if (next % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1)); // not ready yet
        for (let n = 0; n < Math.min(max, 3) && next > 0; n++, next -= parallelism) emit(next);
        return next > 0 ? 'more' : 'end';
      },
      position: () => next,
    };
  }
}

async function main(): Promise<void> {
  // A bounded collection: a non-parallel source (parallelism 1), records in order.
  const env1 = StreamEnvironment.create();
  const fromArray = await env1.fromCollection(['a', 'b', 'c']).executeAndCollect();
  assert.deepEqual(fromArray, ['a', 'b', 'c']);

  // A generator: generate(i) for i in 0..count-1 (count may be Infinity). It is parallel:
  // instance i of p produces i, i+p, i+2p, ... so every index is produced exactly once.
  const env2 = StreamEnvironment.create({ parallelism: 2 });
  const generated = await env2.fromGenerator(6, (i) => ({ id: i, even: i % 2 === 0 })).executeAndCollect();
  assert.equal(generated.length, 6);

  // A text file, line by line (non-parallel).
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-docs-'));
  const file = path.join(dir, 'input.txt');
  await fs.writeFile(file, 'first line\nsecond line\n');
  const env3 = StreamEnvironment.create();
  const lines = await env3.readTextFile(file).executeAndCollect();
  assert.deepEqual(lines, ['first line', 'second line']);
  await fs.rm(dir, { recursive: true });

  // A source of your own, at parallelism 2.
  const env4 = StreamEnvironment.create({ parallelism: 2 });
  const counted = await env4.fromSource(new Countdown(10)).executeAndCollect();
  assert.deepEqual([...counted].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  console.log({ fromArray, generated: generated.length, lines, counted });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
