import { expect } from 'chai';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { ConfigError } from '../../src/api/EnvironmentConfig';
import { countedIn, keyedCountJob } from './fixtures/keyedCountJob';
import { windowJob } from './fixtures/windowJob';
import { sqlJob } from './fixtures/sqlJob';
import { refusedResultJob } from './fixtures/refusedResultJob';

const sorted = (records: ReadonlyArray<readonly [string, number]>) => [...records].map(([k, n]) => `${k}:${n}`).sort();

describe('cluster/taskManagers: a job on worker threads', function () {
  this.timeout(60_000);

  it('counts per key at parallelism 2 on 2 task managers exactly as in one thread, counters summed', async () => {
    const params = { events: 20_000, keys: 50 };
    const inThread = StreamEnvironment.create({ parallelism: 2 }).executeJob(keyedCountJob, params, 'keyed count');
    const one = await inThread;
    expect(countedIn.size).to.equal(50);
    countedIn.clear();
    const onWorkers = StreamEnvironment.create({ parallelism: 2, taskManagers: 2 }).executeJob(keyedCountJob, params, 'keyed count');
    const two = await onWorkers;
    // Nothing was counted in this thread: the tasks ran in the task managers.
    expect(countedIn.size).to.equal(0);
    expect(onWorkers.built.records()).to.have.length(20_000);
    expect(sorted(onWorkers.built.records())).to.deep.equal(sorted(inThread.built.records()));
    // The last count of each key: 400 events each.
    const last = new Map(onWorkers.built.records().map(([k, n]) => [k, n]));
    expect([...last.values()].every((n) => n === 400)).to.equal(true);
    expect(two.status).to.equal('finished');
    expect(two.counters).to.deep.equal(one.counters);
    expect(two.counters.operators['Generator Source']).to.deep.equal({ recordsIn: 0, recordsOut: 20_000 });
  });

  it("gives with the job's result what each task manager's thread used: its CPU time and its heap's peak", async () => {
    const one = await StreamEnvironment.create({ parallelism: 2 }).executeJob(keyedCountJob, { events: 2_000, keys: 10 }, 'keyed count');
    expect(one.taskManagers).to.equal(undefined);
    const two = await StreamEnvironment.create({ parallelism: 2, taskManagers: 2 }).executeJob(keyedCountJob, { events: 2_000, keys: 10 }, 'keyed count');
    expect(two.taskManagers?.map((u) => u.index)).to.deep.equal([0, 1]);
    for (const usage of two.taskManagers ?? []) {
      // Linux gives a thread's CPU time; each thread at least imported the job module and built the graph.
      if (process.platform === 'linux') expect(usage.cpuSeconds).to.be.greaterThan(0);
      expect(usage.peakHeapMb).to.be.greaterThan(1);
      expect(usage.peakExternalMb).to.be.at.least(0);
    }
  });

  it('refuses execute() of a graph built inline with taskManagers above 1, naming defineJob', () => {
    const env = StreamEnvironment.create({ parallelism: 2, taskManagers: 2 });
    env.fromCollection([1, 2, 3]).print();
    expect(() => env.execute('inline')).to.throw(ConfigError, /define it with defineJob\(__filename, \(env, params\) => \.\.\.\) in a module of its own and start it with env\.executeJob/);
  });

  it('decodes taskManagers with the other options, listing every problem', () => {
    expect(() => StreamEnvironment.create({ taskManagers: 0, parallelism: 0 })).to.throw(ConfigError, /parallelism: 0 must be an integer in 1\.\.32768\n {2}- taskManagers: 0 must be 'auto' or an integer in 1\.\.256/);
    expect(() => StreamEnvironment.create({ taskManagers: 2, taskManagerHangTimeoutMs: 5 })).to.throw(ConfigError, /taskManagerHangTimeoutMs: 5 must be an integer in 100\.\.3600000/);
    expect(StreamEnvironment.create({ taskManagers: 'auto' }).config.taskManagers).to.be.greaterThan(0);
    expect(StreamEnvironment.create().config.taskManagers).to.equal(1);
    expect(StreamEnvironment.isWorker()).to.equal(false);
  });
});

describe('cluster/taskManagers: event time across task managers', function () {
  this.timeout(60_000);
  const key = (e: { key: string; at: number; n: number }) => `${e.key}@${e.at}:${e.n}`;

  // Events are at most 480 ms out of order in each source instance: with watermarks 600 ms behind, none is late, whatever the interleaving of the instances.
  it('fires the same windows with the same sums as in one thread, watermarks crossing threads with the records', async () => {
    const params = { events: 30_000, keys: 7, maxDelayMs: 600 };
    const one = StreamEnvironment.create({ parallelism: 2 }).executeJob(windowJob, params, 'windows');
    await one;
    const two = StreamEnvironment.create({ parallelism: 2, taskManagers: 2 }).executeJob(windowJob, params, 'windows');
    await two;
    const sums = two.built.sums.records();
    expect(sums.map(key).sort()).to.deep.equal(one.built.sums.records().map(key).sort());
    expect(two.built.late.records().map(key).sort()).to.deep.equal(one.built.late.records().map(key).sort());
    // Every event is in one window.
    expect(two.built.late.records()).to.deep.equal([]);
    expect(sums.reduce((s, e) => s + e.n, 0)).to.equal(30_000);
    expect(sums.length).to.be.greaterThan(7 * 100);
  });
});

describe('cluster/taskManagers: SQL across task managers', function () {
  this.timeout(60_000);
  it('gives the rows of a TUMBLE aggregation that one thread gives, the query planned in every thread', async () => {
    const params = { events: 20_000, keys: 5 };
    const one = StreamEnvironment.create({ parallelism: 2 }).executeJob(sqlJob, params, 'sql');
    await one;
    const two = StreamEnvironment.create({ parallelism: 2, taskManagers: 2 }).executeJob(sqlJob, params, 'sql');
    await two;
    expect(two.built.records().sort()).to.deep.equal(one.built.records().sort());
    // Events from 0 to 100.48 s of event time, 5 accounts: 101 windows of 1 s each.
    expect(two.built.records()).to.have.length(505);
  });
});

describe('cluster/taskManagers: what a task manager sends that this thread cannot take', function () {
  this.timeout(60_000);
  it('fails the job (its thread is ended), never the application', async () => {
    const job = StreamEnvironment.create({ parallelism: 2, taskManagers: 2 }).executeJob(refusedResultJob, undefined, 'refused');
    let error: Error | undefined;
    await job.then(undefined, (e: unknown) => (error = e as Error));
    expect(error?.message).to.equal('the sink object refuses what the task manager sent');
    expect(job.status).to.equal('failed');
  });
});
