import { expect } from 'chai';
import { execFile } from 'child_process';
import * as path from 'path';
import { existsSync } from 'fs';
import { isLeft } from 'fp-ts/Either';
import { bootTaskManager } from '../../src/cluster/bootTaskManager';
import { startTaskManagers, stopTaskManagers } from '../../src/worker/startTaskManagers';
import { defineJob } from '../../src/api/defineJob';
import { planShape } from '../../src/cluster/planShape';
import { isTaskManagerWorker } from '../../src/cluster/taskManagerIdentity';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { countingJob } from './fixtures/countingJob';
import { threadDependentJob } from './fixtures/threadDependentJob';
import { mainThreadOnlyJob } from './fixtures/mainThreadOnlyJob';

/** The project's folder: the first above this file with a package.json. */
function projectRoot(dir: string): string {
  return existsSync(path.join(dir, 'package.json')) ? dir : projectRoot(path.dirname(dir));
}
const ROOT = projectRoot(__dirname);
const options = { count: 2, jobName: 'counting', environment: { parallelism: 2 } };

describe('cluster/bootTaskManager', () => {
  it('imports the job module in each task manager thread, which builds the same graph as this thread', async () => {
    const started = await startTaskManagers(countingJob, { events: 100, keys: 3 }, options);
    if (isLeft(started)) throw new Error(started.left.join('\n'));
    const env = StreamEnvironment.create({ parallelism: 2 });
    countingJob.build(env, { events: 100, keys: 3 });
    const expected = planShape(env.plan('counting'));
    expect(started.right.map((m) => m.index)).to.deep.equal([0, 1]);
    for (const m of started.right) expect(m.shape).to.deep.equal(expected);
    expect(expected.tasks.map((t) => [t.id, t.source, t.chain.map((n) => n.uid)])).to.deep.equal([
      ['0-0', 'events', []],
      ['0-1', 'events', []],
      ['1-0', null, ['counts', 'Print Sink#1']],
      ['1-1', null, ['counts', 'Print Sink#1']],
    ]);
    await stopTaskManagers(started.right);
    expect(await Promise.all(started.right.map((m) => m.ended))).to.deep.equal(['task manager 0 exited with code 0', 'task manager 1 exited with code 0']);
  });

  it('refuses a job whose graph depends on the thread, listing the differences', async () => {
    expect(isTaskManagerWorker()).to.equal(false);
    const started = await startTaskManagers(threadDependentJob, undefined, { count: 2, jobName: 'thread-dependent', environment: { parallelism: 1 } });
    const chain = (name: string) => JSON.stringify([
      { uid: `${name}#1`, name, keyed: false, sink: false },
      { uid: 'Print Sink#1', name: 'Print Sink', keyed: false, sink: true },
    ]);
    expect(started).to.deep.equal({
      _tag: 'Left',
      left: [0, 1].flatMap((i) => [
        `task manager ${i} built another graph: task 0-0: name is "Generator Source -> plus-one-in-task-manager-${i} -> Print Sink", not "Generator Source -> plus-one -> Print Sink"`,
        `task manager ${i} built another graph: task 0-0: chain is ${chain(`plus-one-in-task-manager-${i}`)}, not ${chain('plus-one')}`,
      ]),
    });
  });

  it('refuses a job module that fails to import in a task manager, saying why', async () => {
    const started = await bootTaskManager(mainThreadOnlyJob, undefined, options, 0);
    expect(isLeft(started) && started.left).to.equal(
      `task manager 0: importing ${mainThreadOnlyJob.module} failed: the connection pool lives in the application thread (every task manager imports the job module: keep its top level free of side effects and of what exists only in the application's thread)`,
    );
  });

  it('refuses a job its module does not define when imported in a task manager', async () => {
    const elsewhere = { ...countingJob, name: 'not-there' };
    const started = await bootTaskManager(elsewhere, { events: 1, keys: 1 }, options, 1);
    expect(isLeft(started) && started.left).to.equal(
      `task manager 1: ${countingJob.module} defines no job named 'not-there' when imported in a worker thread: call defineJob with the module's own __filename or import.meta.url, at its top level`,
    );
  });

  it('refuses options the task manager cannot decode, as the application thread would', async () => {
    const started = await bootTaskManager(countingJob, { events: 1, keys: 1 }, { ...options, environment: { parallelism: 0 } }, 0);
    expect(isLeft(started) && started.left).to.equal(
      `task manager 0: building job 'default' of ${countingJob.module} failed: invalid StreamEnvironment options:\n  - parallelism: 0 must be an integer in 1..32768`,
    );
  });

  it('surfaces a task manager that runs out of memory (resourceLimits) as its failure', async () => {
    const started = await bootTaskManager(countingJob, { events: 1, keys: 1 }, { ...options, resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } }, 0);
    expect(isLeft(started) && started.left).to.equal('task manager 0 failed: Worker terminated due to reaching memory limit: JS heap out of memory before its graph was built');
  });

  it('refuses a module reference that is neither a file path nor a file URL', () => {
    expect(() => defineJob('jobs/count', () => undefined)).to.throw('defineJob needs the defining module\'s own __filename or import.meta.url, got "jobs/count"');
    expect(() => defineJob(countingJob.module, () => undefined)).to.throw(`${countingJob.module} defines two jobs named 'default': give each its own name (defineJob(…, { name }))`);
  });

  it('works under tsx, from the TypeScript sources', async function () {
    this.timeout(60_000);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'specs', 'cluster', 'fixtures', 'bootUnderTsx.ts')], { cwd: ROOT }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))),
    );
    expect(JSON.parse(out.trim())).to.deep.equal({ tasks: [['0-0', '0-1', '1-0', '1-1'], ['0-0', '0-1', '1-0', '1-1']] });
  });
});
