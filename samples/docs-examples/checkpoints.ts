/**
 * docs/guarantees.md: checkpoints, restart strategies, exactly-once output, at-most-once, a
 * job that resumes from its last checkpoint when it is run again (and starts anew once it has
 * finished), a keyed job restored at another parallelism, and a restore refused because a
 * uid changed (then allowed with allowNonRestoredState).
 * Run: node build/samples/docs-examples/checkpoints.js
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CheckpointedFunction,
  CollectSink,
  Collector,
  FileSink,
  FunctionInitializationContext,
  KeyedProcessContext,
  KeyedProcessFunction,
  ListState,
  ListStateDescriptor,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
} from '../../src';

interface Click {
  id: number;
  user: number;
}

/** Counts clicks per user in keyed state: part of every checkpoint. */
class CountPerUser extends KeyedProcessFunction<number, Click, { id: number; user: number; count: number }> {
  private count!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(c: Click, _ctx: KeyedProcessContext<number>, out: Collector<{ id: number; user: number; count: number }>): void {
    const count = this.count.value()! + 1;
    this.count.update(count);
    out.collect({ id: c.id, user: c.user, count });
  }
}

/** A function keeping state in a field of its own: it saves the field at each checkpoint. */
class CountRecords implements CheckpointedFunction {
  private seen = 0;
  private saved!: ListState<number>;
  initializeState(context: FunctionInitializationContext): void {
    this.saved = context.getOperatorListState(new ListStateDescriptor('seen', Serializers.number));
    this.seen = context.isRestored ? this.saved.get().reduce((a, b) => a + b, 0) : 0;
  }
  snapshotState(): void {
    this.saved.update([this.seen]);
  }
  map(c: Click): Click {
    this.seen++;
    return c;
  }
}

async function exactlyOnceAfterAFailure(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  env
    .enableCheckpointing(20, 'exactly-once') // a checkpoint every 20 ms
    .setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 100 });

  let failed = false;
  const sink = new CollectSink<{ id: number; user: number; count: number }>();
  env
    .fromGenerator(200_000, (i): Click => ({ id: i, user: i % 100 }))
    .map((c) => {
      if (c.id === 150_000 && !failed) {
        failed = true; // fail once, as a flaky dependency would
        throw new Error('lost the connection to the enrichment service');
      }
      return c;
    })
    .map(new CountRecords())
    .keyBy((c) => c.user)
    .process(new CountPerUser())
    .uid('count-per-user')
    .sinkTo(sink);

  const job = env.execute('clicks');
  const result = await job;
  const outputs = sink.records();
  console.log(`${result.status} after ${result.restarts} restart(s); ${outputs.length} outputs`);

  // Every click's effect exactly once, in the output and in the state, despite the failure.
  assert.equal(result.restarts, 1);
  assert.equal(outputs.length, 200_000);
  assert.equal(new Set(outputs.map((o) => o.id)).size, 200_000);
  const finalCounts = new Map<number, number>();
  for (const o of outputs) finalCounts.set(o.user, Math.max(finalCounts.get(o.user) ?? 0, o.count));
  assert.ok([...finalCounts.values()].every((n) => n === 2000));
}

async function atMostOnceAfterAFailure(): Promise<void> {
  // The same job at-most-once: after the failure, sources go on from where they were.
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(20, 'at-most-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 100 });
  let failed = false;
  const sink = new CollectSink<{ id: number; user: number; count: number }>();
  env
    .fromGenerator(200_000, (i): Click => ({ id: i, user: i % 100 }))
    .map((c) => {
      if (c.id === 150_000 && !failed) {
        failed = true;
        throw new Error('lost the connection to the enrichment service');
      }
      return c;
    })
    .keyBy((c) => c.user)
    .process(new CountPerUser())
    .uid('count-per-user')
    .sinkTo(sink);

  const result = await env.execute('clicks-at-most-once');
  const outputs = sink.records();
  console.log(`at-most-once: ${result.restarts} restart(s); ${outputs.length} of 200,000 outputs`);
  // Nothing repeated: each click at most once in the output, and no count beyond the clicks.
  assert.equal(result.restarts, 1);
  assert.equal(new Set(outputs.map((o) => o.id)).size, outputs.length);
  assert.ok(outputs.length <= 200_000);
  assert.ok(outputs.every((o) => o.count <= 2000));
  // What was read between the last checkpoint and the failure is lost (the failing click among it).
  assert.ok(!outputs.some((o) => o.id === 150_000));
}

async function resumeFromTheLastCheckpoint(dir: string): Promise<void> {
  // A job with an id and a durable checkpoint storage resumes when it is executed again.
  const run = (events: number) => {
    const env = StreamEnvironment.create({ jobId: 'docs-resume', checkpointStorage: `file:${path.join(dir, 'checkpoints')}` });
    env.enableCheckpointing(60_000); // we trigger checkpoints ourselves below
    env
      .fromGenerator(events, (i) => i)
      .sinkTo(new FileSink(path.join(dir, 'out'))); // exactly-once part files
    return env.execute('resumable');
  };

  const first = run(Infinity);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const id = await first.triggerCheckpoint(); // resolves once the checkpoint is complete
  await first.cancel();

  const second = await run(1_000_000); // same job id: starts where checkpoint `id` left off
  assert.equal(second.status, 'finished');
  // A finished job discards its checkpoints: run again, it would start anew.
  const left: string[] = await fs.readdir(path.join(dir, 'checkpoints')).catch(() => []);
  assert.ok(!left.includes('docs-resume'), `checkpoints of a finished job are discarded, found ${left.join(', ')}`);

  const parts = (await fs.readdir(path.join(dir, 'out'))).filter((f) => f.startsWith('part-')).sort();
  const numbers = (await Promise.all(parts.map((p) => fs.readFile(path.join(dir, 'out', p), 'utf8')))).join('').split('\n').filter((l) => l !== '').map(Number);
  console.log(`checkpoint ${id}; ${parts.length} committed part files; ${numbers.length} numbers`);
  // The numbers of the first run up to the checkpoint, then those of the second run: each once.
  assert.equal(numbers.length, 1_000_000);
  assert.equal(new Set(numbers).size, 1_000_000);
}

async function rescaleFromACheckpoint(dir: string): Promise<void> {
  // Checkpointed at parallelism 2, restored at 3: keyed state follows its key groups.
  const users = 100;
  const run = (parallelism: number, events: number, sink: CollectSink<{ id: number; user: number; count: number }>) => {
    const env = StreamEnvironment.create({ parallelism, jobId: 'docs-rescale', checkpointStorage: `file:${dir}` });
    env.enableCheckpointing(60_000);
    env
      .fromGenerator(events, (i): Click => ({ id: i, user: i % users }))
      .setParallelism(2) // a source keeps its parallelism
      .keyBy((c) => c.user)
      .process(new CountPerUser())
      .uid('count-per-user')
      .sinkTo(sink);
    return env.execute('rescalable');
  };

  const first = run(2, Infinity, new CollectSink());
  await new Promise((resolve) => setTimeout(resolve, 100));
  await first.triggerCheckpoint();
  await first.cancel();

  const sink = new CollectSink<{ id: number; user: number; count: number }>();
  const second = await run(3, 1_000_000, sink);
  assert.equal(second.status, 'finished');
  // Each user's count went on from the checkpoint: at the end it is the user's clicks, 10,000.
  const finalCounts = new Map<number, number>();
  for (const o of sink.records()) finalCounts.set(o.user, Math.max(finalCounts.get(o.user) ?? 0, o.count));
  console.log(`rescaled from 2 to 3: ${finalCounts.size} users, final counts ${[...new Set(finalCounts.values())].join(', ')}`);
  assert.equal(finalCounts.size, users);
  assert.ok([...finalCounts.values()].every((n) => n === 1_000_000 / users));
}

async function uidChangedRefused(dir: string): Promise<void> {
  // State is found by uid: a checkpoint whose state would find no operator is refused.
  const run = (uid: string, events: number, options: { allowNonRestoredState?: boolean } = {}) => {
    const env = StreamEnvironment.create({ jobId: 'docs-uids', checkpointStorage: `file:${dir}`, ...options });
    env.enableCheckpointing(60_000);
    env
      .fromGenerator(events, (i): Click => ({ id: i, user: i % 10 }))
      .uid('clicks')
      .keyBy((c) => c.user)
      .process(new CountPerUser())
      .uid(uid)
      .sinkTo(new CollectSink<{ id: number; user: number; count: number }>())
      .uid('counts');
    return env.execute('uids');
  };

  const first = run('count-per-user', Infinity);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await first.triggerCheckpoint();
  await first.cancel();

  const refused = await run('count-per-user-v2', 1000).then(
    () => undefined,
    (e: unknown) => (e as Error).message,
  );
  console.log(refused);
  assert.match(refused ?? '', /holds state of operators this job does not have: uid 'count-per-user'/);
  // Dropping that state on purpose: the rest (the source's position, the sink) restores.
  const allowed = await run('count-per-user-v2', 1_000_000, { allowNonRestoredState: true });
  assert.equal(allowed.status, 'finished');
}

async function main(): Promise<void> {
  await exactlyOnceAfterAFailure();
  await atMostOnceAfterAFailure();
  for (const example of [resumeFromTheLastCheckpoint, rescaleFromACheckpoint, uidChangedRefused]) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-docs-'));
    try {
      await example(dir);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
