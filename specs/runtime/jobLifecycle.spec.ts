import { expect } from 'chai';
import { createActor } from 'xstate';
import { JobLifecycleEvent, jobLifecycle } from '../../src/runtime/jobLifecycle';
import { StreamEnvironment } from '../../src';
import { RecordingSink } from '../support/RecordingSink';

function run(events: JobLifecycleEvent['type'][]): string {
  const actor = createActor(jobLifecycle).start();
  for (const type of events) actor.send({ type } as JobLifecycleEvent);
  const value = actor.getSnapshot().value as string;
  actor.stop();
  return value;
}

describe('runtime/jobLifecycle', () => {
  it('finishes only after every task drained its input and closed', () => {
    expect(run(['job.started', 'tasks.drained'])).to.equal('finishing');
    expect(run(['job.started', 'tasks.drained', 'tasks.closed'])).to.equal('finished');
  });
  it('restarts through restarting and runs again', () => {
    expect(run(['job.started', 'job.restart'])).to.equal('restarting');
    expect(run(['job.started', 'job.restart', 'job.restarted'])).to.equal('running');
    expect(run(['job.started', 'tasks.drained', 'job.restart', 'job.restarted'])).to.equal('running');
  });
  it('a failure while restarting (the restore failed) fails the job', () => {
    expect(run(['job.started', 'job.restart', 'task.failed', 'tasks.closed'])).to.equal('failed');
  });
  it('fails through failing once the tasks have closed', () => {
    expect(run(['job.started', 'task.failed'])).to.equal('failing');
    expect(run(['job.started', 'task.failed', 'tasks.closed'])).to.equal('failed');
  });
  it('a failure while finishing fails the job', () => {
    expect(run(['job.started', 'tasks.drained', 'task.failed', 'tasks.closed'])).to.equal('failed');
  });
  it('cancels through cancelling; a failure during cancelling does not change that', () => {
    expect(run(['job.started', 'job.cancel', 'task.failed', 'tasks.closed'])).to.equal('cancelled');
  });
  it('ignores events in final states', () => {
    expect(run(['job.started', 'tasks.drained', 'tasks.closed', 'task.failed'])).to.equal('finished');
  });

  it('a cancelled infinite job settles as cancelled with its counters', async () => {
    const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64 });
    env.fromGenerator(Infinity, (i) => i).filter(() => false).sinkTo(new RecordingSink());
    const job = env.execute('endless');
    let counters = await job.counters();
    while ((counters.operators['Generator Source']?.recordsOut ?? 0) < 1000) counters = await job.counters();
    expect(job.status).to.equal('running');
    const result = await job.cancel();
    expect(result.status).to.equal('cancelled');
    expect(job.status).to.equal('cancelled');
  });
});
