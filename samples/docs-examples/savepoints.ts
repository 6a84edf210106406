/**
 * docs/savepoints.md: a savepoint taken while checkpoints run, a job stopped at a savepoint,
 * and its next version started from it at another parallelism, with each user's count going on
 * exactly where it stopped.
 * Run: node build/samples/docs-examples/savepoints.js
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CollectSink, Collector, KeyedProcessContext, KeyedProcessFunction, RuntimeContext, Serializers, StreamEnvironment, ValueState, ValueStateDescriptor } from '../../src';

interface Click {
  readonly id: number;
  readonly user: number;
}
interface UserCount {
  readonly user: number;
  readonly count: number;
}

class CountPerUser extends KeyedProcessFunction<number, Click, UserCount> {
  private count!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(c: Click, _ctx: KeyedProcessContext<number>, out: Collector<UserCount>): void {
    const count = this.count.value()! + 1;
    this.count.update(count);
    out.collect({ user: c.user, count });
  }
}

/** Clicks version 2 adds after version 1 stopped; version 1 runs until stopped, however far it got. */
const MORE_CLICKS = 200_000;
const USERS = 100;

/** The job, version after version: what a savepoint matches is the uids of its stateful operators. */
function clickCounts(env: StreamEnvironment, clicks: number, sink: CollectSink<UserCount>): void {
  env
    .fromGenerator(clicks, (i): Click => ({ id: i, user: i % USERS }))
    .setParallelism(1) // a source keeps its parallelism
    .uid('clicks') // a source's position is state too
    .keyBy((c) => c.user)
    .process(new CountPerUser())
    .uid('count-per-user')
    .sinkTo(sink)
    .uid('collect');
}

export async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-docs-savepoints-'));
  try {
    const sink = new CollectSink<UserCount>();

    // Version 1, at parallelism 2, checkpointing every 50 ms.
    const v1 = StreamEnvironment.create({ parallelism: 2 });
    v1.enableCheckpointing(50);
    clickCounts(v1, Infinity, sink);
    const job = v1.execute('click counts v1');
    while ((await job.checkpointStats()).completed < 2) await job.counters();

    // A savepoint while periodic checkpoints run: it waits for a checkpoint in progress; the job goes on.
    const backup = await job.savepoint(path.join(dir, 'backup'));
    console.log(`savepoint at checkpoint ${backup.checkpointId}: ${backup.path}`);

    // Stop at a savepoint: the source stops at its barrier, the sink commits up to it, the job finishes.
    const upgrade = await job.stopWithSavepoint(path.join(dir, 'upgrade'), { drain: false });
    assert.equal((await job).status, 'finished');

    // Nothing after the savepoint's barrier reached the sink: what version 1 emitted is what its state counted.
    const stoppedAt = sink.records().length;
    console.log(`version 1 stopped after ${stoppedAt} clicks`);

    // Version 2 starts from it at parallelism 4 (a memory or Redis state backend alike); its source
    // goes on from the savepoint's position up to a whole number of clicks per user.
    const clicks = Math.ceil(stoppedAt / USERS) * USERS + MORE_CLICKS;
    const v2 = StreamEnvironment.create({ parallelism: 4, restoreFrom: upgrade.path });
    v2.enableCheckpointing(50);
    clickCounts(v2, clicks, sink);
    assert.equal((await v2.execute('click counts v2')).status, 'finished');

    // Each user's count went on where it stopped: every user clicked clicks / USERS times, and
    // every click was counted once across both versions.
    const final = new Map<number, number>();
    for (const { user, count } of sink.records()) final.set(user, Math.max(final.get(user) ?? 0, count));
    assert.equal(final.size, USERS);
    for (const count of final.values()) assert.equal(count, clicks / USERS);
    assert.equal(sink.records().length, clicks);
    console.log(`${USERS} users, ${clicks / USERS} clicks each, counted once across both versions`);

    // A directory that is not a savepoint is refused before the job starts.
    const wrong = StreamEnvironment.create({ restoreFrom: path.join(dir, 'nothing-here') });
    clickCounts(wrong, MORE_CLICKS, new CollectSink<UserCount>());
    assert.throws(() => wrong.execute('from nothing'), /no _metadata file there, so it is not a savepoint/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
