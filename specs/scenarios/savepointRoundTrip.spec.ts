import { expect } from 'chai';
import { isRight } from 'fp-ts/Either';
import { promises as fs } from 'fs';
import * as path from 'path';
import {
  CollectSink,
  Collector,
  JobHandle,
  ProcessWindowFunction,
  StreamEnvironment,
  StreamEnvironmentOptions,
  Time,
  TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WindowContext,
} from '../../src';
import { readSavepoint } from '../../src/checkpoint/Savepoint';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';
import { Counted, audit, countingJob, keyOf } from '../support/countingJob';
import { HeldSource } from '../support/heldSource';
import { redisState, savepointScratch } from '../support/savepointScratch';

const RECORDS = 60_000;
const KEYS = 97;
const SEED = 5;
let runs = 0;

/**
 * The counting job of the fault specs: a generator (parallelism 1) -> count per key -> a
 * transactional sink. A run that is to end at a savepoint holds after `holdAfter` records, so
 * that it is still running when the savepoint is taken, however fast it reads.
 */
function countingEnv(options: StreamEnvironmentOptions, sink: CollectSink<Counted>, intervalMs = 3_600_000, holdAfter = Infinity) {
  const env = StreamEnvironment.create({ batchSize: 64, ...options });
  env.enableCheckpointing(intervalMs, 'exactly-once');
  const generator = new GeneratorSource(RECORDS, (id) => ({ id, key: keyOf(id, SEED, KEYS) }));
  countingJob(env.fromSource(new HeldSource(generator, holdAfter)).setParallelism(1)).sinkTo(sink);
  return env;
}
/** Where the runs that end at a savepoint hold: after the quarter they are awaited for; two such runs in a row stay short of the end. */
const HOLD = RECORDS / 3;

/** Resolves once the job's generator emitted at least `n` records in this run. */
async function produced(job: JobHandle, n: number): Promise<number> {
  for (;;) {
    const out = (await job.counters()).operators['Generator Source']?.recordsOut ?? 0;
    if (out >= n) return out;
  }
}

describe('scenario: savepoints move a job across state backends and parallelisms (docs/internals.md, invariants 3 and 5)', function () {
  this.timeout(120_000);
  const scratch = savepointScratch('sluice-savepoints-');

  it('a savepoint of incremental Redis state, taken while periodic checkpoints run, restores into memory state at parallelism 3 and back into Redis at 1, with exact final state', async () => {
    const sink = new CollectSink<Counted>();
    const p1 = scratch.prefix('sp-redis');
    // Checkpoints in the state's own Redis: they only reference chains of pieces; the savepoint must hold the state.
    const fromRedis = countingEnv({ parallelism: 2, jobId: `sp-a-${++runs}-${process.pid}`, stateBackend: redisState(scratch.url, p1), checkpointStorage: `${scratch.url}/0?prefix=${p1}` }, sink, 5, HOLD);
    const first = fromRedis.execute('on redis');
    await produced(first, RECORDS / 4);
    while ((await first.checkpointStats()).completed < 2) await produced(first, 0);
    const a = await first.savepoint(path.join(scratch.dir, 'a'));
    expect(a.path).to.equal(path.join(scratch.dir, 'a'));
    expect((await first.cancel()).status).to.equal('cancelled');
    const written = readSavepoint(a.path);
    if (!isRight(written)) throw new Error(written.left);
    const keyed = written.right.tasks.flatMap((t) => Object.values(t.nodes).flatMap((n) => (n.keyed ? [n.keyed] : [])));
    expect(keyed).to.have.length(2);
    expect(keyed.every((k) => k.redis === undefined && Object.keys(k.keyGroups).length > 0)).to.equal(true);

    const inMemory = countingEnv({ parallelism: 3, jobId: `sp-b-${++runs}-${process.pid}`, restoreFrom: a.path }, sink, 5, HOLD);
    const second = inMemory.execute('in memory');
    await produced(second, RECORDS / 4);
    const b = await second.savepoint(path.join(scratch.dir, 'b'));
    await second.cancel();

    const p2 = scratch.prefix('sp-back');
    const backToRedis = countingEnv({ parallelism: 1, jobId: `sp-c-${++runs}-${process.pid}`, stateBackend: redisState(scratch.url, p2), restoreFrom: b.path }, sink);
    expect((await backToRedis.execute('back on redis')).status).to.equal('finished');
    // Outputs after the last committed checkpoint of a cancelled run may be missing or repeated; the state may not.
    const { stateOver, stateUnder } = audit(sink.records(), RECORDS, SEED, KEYS);
    expect({ stateOver, stateUnder }).to.deep.equal({ stateOver: 0, stateUnder: 0 });
  });

  it('a job starts from a retained checkpoint chosen among those kept, not the latest, at another parallelism: it reads on from there, and every record counts once in the state', async () => {
    const sink = new CollectSink<Counted>();
    const storage = path.join(scratch.dir, 'checkpoints');
    const jobId = `retained-${++runs}-${process.pid}`;
    const env = StreamEnvironment.create({ batchSize: 64, parallelism: 2, jobId, checkpointStorage: `file:${storage}` });
    env.enableCheckpointing(3_600_000, 'exactly-once', { retainedCheckpoints: 3 });
    // The source reads up to the gate's limit and holds there: each checkpoint has a position of its own.
    const gate = { open: 0 };
    countingJob(env.fromSource(new HeldSource(new GeneratorSource(RECORDS, (id) => ({ id, key: keyOf(id, SEED, KEYS) })), gate)).setParallelism(1)).sinkTo(sink);
    const first = env.execute('retained checkpoints');
    const ids: number[] = [];
    for (const position of [10_000, 20_000, 30_000]) {
      gate.open = position;
      await produced(first, position);
      ids.push(await first.triggerCheckpoint());
    }
    expect((await first.cancel()).status).to.equal('cancelled');
    const kept = (await fs.readdir(path.join(storage, jobId))).filter((f) => /^chk-\d+\.json$/.test(f));
    expect(kept.sort()).to.deep.equal(ids.map((id) => `chk-${id}.json`).sort());
    // The middle one: the source's position in it is 20,000.
    const chosen = path.join(storage, jobId, `chk-${ids[1]}.json`);
    const second = await countingEnv({ parallelism: 3, jobId: `retained-b-${++runs}-${process.pid}`, restoreFrom: chosen }, sink).execute('from a retained checkpoint');
    expect(second.status).to.equal('finished');
    expect(second.counters.operators['Generator Source']?.recordsOut).to.equal(RECORDS - 20_000);
    const { lost, stateOver, stateUnder } = audit(sink.records(), RECORDS, SEED, KEYS);
    expect({ lost, stateOver, stateUnder }).to.deep.equal({ lost: 0, stateOver: 0, stateUnder: 0 });
  });

  it('stopped with a savepoint without drain, the job finishes at it; restored at other parallelisms, memory then Redis, every record counts once in the sink and in the state', async () => {
    const sink = new CollectSink<Counted>();
    const p1 = scratch.prefix('stop-redis');
    const first = countingEnv({ parallelism: 2, jobId: `stop-a-${++runs}-${process.pid}`, stateBackend: redisState(scratch.url, p1), checkpointStorage: `${scratch.url}/0?prefix=${p1}` }, sink, 5, HOLD).execute('stop on redis');
    await produced(first, RECORDS / 4);
    const a = await first.stopWithSavepoint(path.join(scratch.dir, 'a'));
    expect((await first).status).to.equal('finished');
    // The sources stopped at the savepoint's barrier, and its transactions were committed.
    expect(sink.records().length).to.be.within(1, RECORDS - 1);

    const second = countingEnv({ parallelism: 3, jobId: `stop-b-${++runs}-${process.pid}`, restoreFrom: a.path }, sink, 3_600_000, HOLD).execute('stop in memory');
    await produced(second, RECORDS / 4);
    const b = await second.stopWithSavepoint(path.join(scratch.dir, 'b'), { drain: false });
    expect(b.checkpointId).to.be.greaterThan(0);

    const p2 = scratch.prefix('stop-back');
    // Into incremental Redis state again: checkpoints in the same Redis.
    const last = await countingEnv(
      { parallelism: 1, jobId: `stop-c-${++runs}-${process.pid}`, stateBackend: redisState(scratch.url, p2), checkpointStorage: `${scratch.url}/0?prefix=${p2}`, restoreFrom: b.path },
      sink,
      5,
    ).execute('to the end on redis');
    expect(last.status).to.equal('finished');
    expect(audit(sink.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  it('stopped with a savepoint without drain, a sink that fails to close after its task finished: the job ends at the savepoint (no restart reads past it), the failure is reported, and a restore from it counts every record once', async () => {
    const sink = new CollectSink<Counted>();
    // Its writers' close fails: after the savepoint completed and the task committed and finished.
    const failingClose: CollectSink<Counted> = Object.assign(Object.create(sink) as CollectSink<Counted>, {
      createWriter: (context: Parameters<CollectSink<Counted>['createWriter']>[0]) => ({
        ...sink.createWriter(context),
        close: () => {
          throw new Error('injected: the writer fails to close');
        },
      }),
    });
    const first = countingEnv({ parallelism: 2, jobId: `stop-close-${++runs}-${process.pid}` }, failingClose, 5, HOLD).execute('stop, then a close fails');
    await produced(first, RECORDS / 4);
    const a = await first.stopWithSavepoint(path.join(scratch.dir, 'a'));
    const result = await first;
    expect({ status: result.status, restarts: result.restarts }).to.deep.equal({ status: 'finished', restarts: 0 });
    expect(first.failures().map((f) => [f.error.message, f.action]).sort()).to.deep.equal([0, 1].map((i) => [`user function of operator 'Collect Sink' (instance ${i}) failed closing: injected: the writer fails to close`, 'none']));
    const last = await countingEnv({ parallelism: 3, jobId: `stop-close-b-${++runs}-${process.pid}`, restoreFrom: a.path }, sink).execute('to the end');
    expect(last.status).to.equal('finished');
    expect(audit(sink.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  it('stopped with a savepoint without drain, a sink whose commit of it fails: the job fails there instead of restarting past the savepoint, and a restore from it commits what it holds, every record once', async () => {
    const sink = new CollectSink<Counted>();
    const failCommits = { on: false };
    const failingCommit: CollectSink<Counted> = Object.assign(Object.create(sink) as CollectSink<Counted>, {
      createWriter: (context: Parameters<CollectSink<Counted>['createWriter']>[0]) => {
        const writer = sink.createWriter(context);
        return {
          ...writer,
          commit: (transaction: Parameters<typeof writer.commit>[0]) => {
            if (failCommits.on) throw new Error('injected: the commit fails');
            return writer.commit(transaction);
          },
        };
      },
    });
    // No periodic checkpoint: the savepoint's is the only commit.
    const first = countingEnv({ parallelism: 2, jobId: `stop-commit-${++runs}-${process.pid}` }, failingCommit, 3_600_000, HOLD).execute('stop, its commit fails');
    await produced(first, RECORDS / 4);
    failCommits.on = true;
    const a = await first.stopWithSavepoint(path.join(scratch.dir, 'a'));
    const error = await Promise.resolve(first).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/injected: the commit fails/);
    expect(first.failures().map((f) => f.action)).to.include('failJob').and.not.include('restartJob');
    expect(sink.records()).to.deep.equal([]);
    const last = await countingEnv({ parallelism: 3, jobId: `stop-commit-b-${++runs}-${process.pid}`, restoreFrom: a.path }, sink).execute('to the end');
    expect(last.status).to.equal('finished');
    expect(audit(sink.records(), RECORDS, SEED, KEYS)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
  });

  describe('event-time windows', () => {
    interface Tick {
      readonly id: number;
      readonly key: number;
    }
    interface WindowCount {
      readonly key: number;
      readonly start: number;
      readonly count: number;
    }
    class CountWindow extends ProcessWindowFunction<Tick, WindowCount, number, TimeWindow> {
      process(key: number, ctx: WindowContext<TimeWindow>, elements: readonly Tick[], out: Collector<WindowCount>): void {
        out.collect({ key, start: ctx.window.start, count: elements.length });
      }
    }
    /** An unbounded generator, one record per millisecond of event time, counted per key in 100 ms windows. */
    function windowEnv(options: StreamEnvironmentOptions, sink: CollectSink<WindowCount>) {
      const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64, ...options });
      env.enableCheckpointing(3_600_000, 'exactly-once');
      env
        .fromGenerator(Infinity, (id): Tick => ({ id, key: id % 5 }))
        .setParallelism(1)
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Tick>().withTimestampAssigner((t) => t.id))
        .keyBy((t) => t.key)
        .window(TumblingEventTimeWindows.of(Time.milliseconds(100)))
        .process(new CountWindow())
        .uid('count-per-window')
        .sinkTo(sink);
      return env;
    }
    const sourceOut = (r: { counters: { operators: Record<string, { recordsOut: number }> } }) => r.counters.operators['Generator Source'].recordsOut;

    it('stop without drain keeps open windows in the savepoint; stop with drain ends event time and fires them all: each window once, every record in one', async () => {
      const sink = new CollectSink<WindowCount>();
      const first = windowEnv({ jobId: `win-a-${++runs}-${process.pid}` }, sink).execute('windows until stopped');
      await produced(first, 5_000);
      const a = await first.stopWithSavepoint(path.join(scratch.dir, 'a'), { drain: false });
      const firstRun = await first;
      const firedFirst = sink.records().reduce((n, w) => n + w.count, 0);
      // No end of event time: the windows the last records fell in are still open, in the savepoint.
      expect(firedFirst).to.be.lessThan(sourceOut(firstRun));

      const second = windowEnv({ jobId: `win-b-${++runs}-${process.pid}`, parallelism: 3, restoreFrom: a.path }, sink).execute('windows until drained');
      await produced(second, 5_000);
      await second.stopWithSavepoint(path.join(scratch.dir, 'b'), { drain: true });
      const secondRun = await second;
      expect(secondRun.status).to.equal('finished');
      const windows = sink.records();
      const ids = windows.map((w) => `${w.key}@${w.start}`);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(windows.reduce((n, w) => n + w.count, 0)).to.equal(sourceOut(firstRun) + sourceOut(secondRun));
      // Every window but the last of each key is full: 20 records of a key per 100 ms.
      const last = Math.max(...windows.map((w) => w.start));
      expect(windows.filter((w) => w.start < last).every((w) => w.count === 20)).to.equal(true);
    });
  });

  describe('refusals', () => {
    it('refuses a savepoint of a job without checkpointing, saying what to enable', async () => {
      const env = StreamEnvironment.create({});
      env.fromGenerator(Infinity, (i) => i).sinkTo({ name: 'Discard', createWriter: () => ({ write() {} }) });
      const job = env.execute('no checkpointing');
      const error = await job.savepoint(path.join(scratch.dir, 'x')).then(
        () => undefined,
        (e: Error) => e,
      );
      await job.cancel();
      expect(error?.message).to.equal('savepoint not taken: savepoints are taken through checkpoint barriers: call env.enableCheckpointing(...)');
    });

    it('refuses to start from a directory that holds no savepoint, before the job runs', async () => {
      const env = countingEnv({ restoreFrom: scratch.dir }, new CollectSink<Counted>());
      expect(() => env.execute('from nothing')).to.throw(/cannot restore from '.*': no _metadata file there, so it is not a savepoint/);
    });
  });
});
