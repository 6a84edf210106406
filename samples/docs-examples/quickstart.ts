/**
 * docs/README.md — the first job: a word count.
 * Run: node build/samples/docs-examples/quickstart.js
 */
import * as assert from 'node:assert/strict';
import { StreamEnvironment } from '../../src';

async function main(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2 });

  const updates = await env
    .fromCollection(['to be or not to be', 'that is the question'])
    .flatMap<{ word: string; count: number }>((line, out) => {
      for (const word of line.split(' ')) out.collect({ word, count: 1 });
    })
    .keyBy((r) => r.word)
    .sum('count')
    .executeAndCollect('word count');

  // sum emits a running total per record; the last one per word is its count.
  const counts = new Map(updates.map((r) => [r.word, r.count]));
  console.log(Object.fromEntries(counts));
  assert.equal(counts.get('to'), 2);
  assert.equal(counts.get('question'), 1);
  assert.equal(updates.length, 10);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
