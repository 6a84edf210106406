/**
 * docs/api.md, "Transformations": map, filter (with a type guard), flatMap, union, rebalance,
 * broadcast; operator settings; a rich function with open/close.
 * Run: node build/samples/docs-examples/transformations.js
 */
import * as assert from 'node:assert/strict';
import { RichFunction, RuntimeContext, StreamEnvironment } from '../../src';

type Shape = { kind: 'circle'; r: number } | { kind: 'square'; side: number };
const isCircle = (s: Shape): s is Extract<Shape, { kind: 'circle' }> => s.kind === 'circle';

/** A rich map function: `open` runs once per parallel instance before the first record. */
class TagWithInstance implements RichFunction {
  private prefix = '';
  open(context: RuntimeContext): void {
    this.prefix = `${context.operatorName}#${context.indexOfThisSubtask}/${context.numberOfParallelSubtasks}`;
  }
  map(n: number): string {
    return `${this.prefix}: ${n}`;
  }
  close(): void {}
}

async function main(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const shapes = env.fromCollection<Shape>([
    { kind: 'circle', r: 1 },
    { kind: 'square', side: 2 },
    { kind: 'circle', r: 3 },
  ]);

  // filter with a type guard narrows the stream: `c.r` type-checks below.
  const areas = shapes
    .filter(isCircle)
    .name('circles only')
    .map((c) => Math.round(Math.PI * c.r * c.r))
    .name('area')
    .uid('circle-area') // a stable id, so state is found again when the job changes
    .setParallelism(1);
  assert.deepEqual(await areas.executeAndCollect(), [3, 28]);

  // flatMap emits any number of records per input.
  const env2 = StreamEnvironment.create();
  const words = await env2
    .fromCollection(['a b', '', 'c'])
    .flatMap<string>((line, out) => line.split(' ').filter((w) => w !== '').forEach((w) => out.collect(w)))
    .executeAndCollect();
  assert.deepEqual(words, ['a', 'b', 'c']);

  // union merges streams of one type; rebalance spreads round-robin; broadcast copies to all.
  const env3 = StreamEnvironment.create({ parallelism: 2 });
  const odds = env3.fromCollection([1, 3, 5]);
  const evens = env3.fromCollection([2, 4]);
  const all = await odds.union(evens).rebalance().map((n) => n * 10).executeAndCollect();
  assert.deepEqual([...all].sort((a, b) => a - b), [10, 20, 30, 40, 50]);
  const env5 = StreamEnvironment.create({ parallelism: 2 }); // one job per environment: execute runs everything it holds
  const everywhere = await env5.fromCollection(['ping']).broadcast().map((s) => s.toUpperCase()).executeAndCollect();
  assert.deepEqual(everywhere, ['PING', 'PING']); // one per instance of the map

  // A rich function: an object with the method plus open/close. Each parallel instance gets its
  // own (shallow) copy of the object, so fields set in open() belong to one instance.
  const env4 = StreamEnvironment.create({ parallelism: 2 });
  const tagged = await env4.fromGenerator(4, (i) => i).map(new TagWithInstance()).executeAndCollect();
  assert.deepEqual(tagged, ['Map#0/2: 0', 'Map#0/2: 2', 'Map#1/2: 1', 'Map#1/2: 3']);

  console.log({ words, all, everywhere, tagged });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
