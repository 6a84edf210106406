import { expect } from 'chai';
import { InstanceThreads } from '../../src/cluster/InstanceThreads';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { JobDefinition } from '../../src/api/defineJob';
import { capturedLog } from '../support/capturedLog';
import { waitFor } from '../support/unhandledRejections';
import { countingJob } from './fixtures/countingJob';
import { threadDependentJob } from './fixtures/threadDependentJob';
import type { JobEnd } from '../../src/cluster/InstanceTaskManager';
import type { DeployCommand, TaskManagerMsg } from '../../src/cluster/taskManagerProtocol';

/** An instance's task managers for `job`, built in this thread too, with what they say and how the job ended. */
function instanceThreads<P>(job: JobDefinition<P, unknown>, params: P, jobName: string, parallelism: number) {
  const env = StreamEnvironment.create({ parallelism });
  job.build(env, params);
  const said: Array<[TaskManagerMsg['type'], number, number, string?]> = [];
  const ends: JobEnd[] = [];
  const { logger } = capturedLog('error');
  const threads = new InstanceThreads({
    plan: env.plan(jobName),
    job,
    params,
    boot: { count: 2, jobName, environment: { parallelism } },
    say: (msg, epoch, thread) => {
      said.push(msg.type === 'taskManager.exited' ? [msg.type, epoch, thread, msg.reason] : [msg.type, epoch, thread]);
      return Promise.resolve();
    },
    onJobEnd: (end) => ends.push(end),
    logger,
  });
  return { threads, said, ends };
}

describe("cluster/InstanceThreads: an instance's task managers on worker threads (docs/cluster.md)", function () {
  this.timeout(30_000);

  it("forwards each command to its thread with its epoch, says what each thread says with its thread, and ends every thread with the job's stop", async () => {
    const { threads, said, ends } = instanceThreads(countingJob, { events: 10, keys: 2 }, 'counting', 2);
    threads.handle({ type: 'taskManager.ping' }, 3, 1);
    threads.handle({ type: 'taskManager.ping' }, 3, 0);
    // Held while the threads boot, then answered by each thread from its own event loop.
    await waitFor(() => said.length === 2, 'two pongs');
    expect([...said].sort((a, b) => a[2] - b[2])).to.deep.equal([
      ['taskManager.pong', 3, 0],
      ['taskManager.pong', 3, 1],
    ]);
    threads.handle({ type: 'taskManager.stop', outcome: 'finished' }, 3, undefined);
    expect(ends).to.deep.equal([{ status: 'finished', reason: undefined }]);
    threads.handle({ type: 'taskManager.ping' }, 3, 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(said.length, 'nothing after the stop').to.equal(2);
  });

  it('reports a task manager that built another graph as exited, naming the difference, to the master of the epoch that commanded it', async () => {
    const { threads, said } = instanceThreads(threadDependentJob, undefined, 'thread-dependent', 1);
    threads.handle({ type: 'taskManager.ping' }, 5, 0);
    await waitFor(() => said.length >= 1, 'the exit of task manager 0');
    expect(said[0].slice(0, 3)).to.deep.equal(['taskManager.exited', 5, 0]);
    expect(said[0][3]).to.match(/^task manager 0 of this instance built another graph: task 0-0: name is "Generator Source -> plus-one-in-task-manager-0 -> Print Sink"/);
    threads.close();
  });

  it("posts a command held for a booting thread with its channel's end even when a later attempt let that channel go (no DataCloneError, no thread failed)", async () => {
    const { threads, said } = instanceThreads(countingJob, { events: 10, keys: 2 }, 'counting', 2);
    // Attempt 1 names a channel to thread 1 whose other end never comes; thread 0 still boots, so the command is held.
    const local = { key: 'e3-a1-w1-0-0/1', epoch: 3, attempt: 1 };
    threads.handle({ type: 'taskManager.rebridge', attempt: 1, outlets: [{ task: '0-0', channel: 1, name: 'events/0 -> counts/1', local }], inlets: [] }, 3, 0);
    // Attempt 2 deploys: attempt 1's waiting channel is let go while its end sits in the held command.
    const deploy: DeployCommand = { type: 'taskManager.deploy', epoch: 3, attempt: 2, jobId: 'held', tasks: [], checkpointing: null, unaligned: false, metrics: false, keyedState: { type: 'memory' }, outlets: [], inlets: [] };
    threads.handle(deploy, 3, 1);
    threads.handle({ type: 'taskManager.ping' }, 3, 0);
    threads.handle({ type: 'taskManager.ping' }, 3, 1);
    await waitFor(() => said.filter(([type]) => type === 'taskManager.pong').length === 2, 'both threads answering');
    expect(said.filter(([type]) => type === 'taskManager.exited')).to.deep.equal([]);
    threads.close();
  });
});
