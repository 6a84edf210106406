import { expect } from 'chai';
import { createActor, initialTransition, transition } from 'xstate';
import { FailureReport, JobLifecycleContext, JobLifecycleEvent, jobLifecycle } from '../../src/runtime/jobLifecycle';
import { JobStatus } from '../../src/metrics/JobStatus';
import { Supervision, SupervisionStrategy } from '../../src/graph/SupervisionStrategy';
import { RestartStrategy } from '../../src/checkpoint/RestartStrategy';
import { TaskId } from '../../src/checkpoint/TaskId';
import { Failure } from '../../src/runtime/failoverPolicy';
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

// --- the machine driven event by event, its effects read as values (xstate's pure transition) ----

describe('runtime/jobLifecycle, event by event', () => {
  const TASK = '1-0' as TaskId;
  const failure = (at: number, options: { supervision?: SupervisionStrategy; error?: Error; task?: TaskId } = {}): Failure => ({
    at,
    error: options.error ?? new Error(`failure at ${at}`),
    task: 'task' in options ? options.task : TASK,
    supervision: options.supervision,
    draw: 0.5,
  });
  const failed = (f: Failure): JobLifecycleEvent => ({ type: 'failure', failure: f });
  const ev = (type: Exclude<JobLifecycleEvent['type'], 'failure' | 'task.failed'>): JobLifecycleEvent => ({ type }) as JobLifecycleEvent;

  /** An effect as a line: its name, and for a report what the job did and why. */
  function effectsOf(actions: ReadonlyArray<{ type: string; params?: unknown }>): string[] {
    return actions
      .filter((a) => !a.type.startsWith('xstate.'))
      .map((a) => {
        if (a.type === 'report') {
          const { action, why } = a.params as FailureReport;
          return `report ${action}: ${why}`;
        }
        return a.type === 'restartTaskAlone' ? `restartTaskAlone ${(a.params as { task: string }).task}` : a.type;
      });
  }

  type Step = readonly [event: JobLifecycleEvent, status: JobStatus, effects: readonly string[]];

  /** Plays the steps from a new job under `restartStrategy`, checking state and effects of each, and returns the last snapshot's context. */
  function play(restartStrategy: RestartStrategy, steps: readonly Step[]): JobLifecycleContext {
    let [snapshot, initial] = initialTransition(jobLifecycle, { restartStrategy });
    expect(snapshot.value).to.equal('created');
    expect(effectsOf(initial)).to.deep.equal([]);
    steps.forEach(([event, status, effects], i) => {
      const [next, actions] = transition(jobLifecycle, snapshot, event);
      const label = `step ${i}: ${event.type}`;
      expect(next.value, label).to.equal(status);
      expect(effectsOf(actions), label).to.deep.equal(effects);
      snapshot = next;
    });
    return snapshot.context;
  }

  const twice: RestartStrategy = { type: 'fixed-delay', attempts: 2, delayMs: 250 };

  it('restarts through restarting: stops the tasks, deploys again after the delay once they closed, and fails once the strategy is exhausted', () => {
    const end = play(twice, [
      /* 0 */ [ev('job.started'), 'running', []],
      /* 1 */ [failed(failure(1000)), 'restarting', ['report restartJob: restart 1, in 250 ms', 'pauseCheckpoints', 'stopTasks']],
      /* 2 */ [ev('tasks.closed'), 'restarting', ['deployAfterDelay']],
      /* 3 */ [ev('job.restarted'), 'running', []],
      /* 4 */ [failed(failure(2000)), 'restarting', ['report restartJob: restart 2, in 250 ms', 'pauseCheckpoints', 'stopTasks']],
      /* 5 */ [ev('tasks.closed'), 'restarting', ['deployAfterDelay']],
      /* 6 */ [ev('job.restarted'), 'running', []],
      /* 7 */ [failed(failure(3000)), 'failing', ['report failJob: fixed-delay restart strategy exhausted its 2 attempts', 'pauseCheckpoints', 'stopTasks']],
      /* 8 */ [ev('tasks.closed'), 'failed', []],
    ]);
    expect(end.history.jobRestarts).to.deep.equal([1000, 2000]);
    expect(end.restartDelayMs).to.equal(250);
    expect(end.error?.message).to.equal('failure at 3000');
  });

  it('while restarting, reports a failure the strategy decides on, and fails the job on one no restart mends', () => {
    const end = play(twice, [
      /* 0 */ [ev('job.started'), 'running', []],
      /* 1 */ [failed(failure(1000)), 'restarting', ['report restartJob: restart 1, in 250 ms', 'pauseCheckpoints', 'stopTasks']],
      /* 2 */ [failed(failure(1001)), 'restarting', ['report none: the job is restarting']],
      /* 3 */ [failed(failure(1002, { task: undefined, supervision: Supervision.stop() })), 'restarting', ['report none: the job is restarting']],
      /* 4 */ [failed(failure(1003, { supervision: Supervision.stop() })), 'failing', ["report failJob: the operator's supervision strategy is stop", 'pauseCheckpoints', 'stopTasks']],
      /* 5 */ [failed(failure(1004)), 'failing', ['report none: the job is failing']],
      /* 6 */ [ev('tasks.closed'), 'failed', []],
    ]);
    // The restart decided before counts; the failures only reported do not.
    expect(end.history.jobRestarts).to.deep.equal([1000]);
    expect(end.error?.message).to.equal('failure at 1003');
  });

  it('restarts a task alone only while running, counting it once its successor is deployed; finishing, the job restarts instead', () => {
    const alone = Supervision.restartTask().withLimit(1, 60_000);
    const end = play(twice, [
      /* 0 */ [ev('job.started'), 'running', []],
      /* 1 */ [failed(failure(1000, { supervision: alone })), 'running', ['report restartTask: restart 1 of the task alone within its limit', 'restartTaskAlone 1-0']],
      /* 2 */ [ev('task.restarted'), 'running', []],
      /* 3 */ [failed(failure(2000, { supervision: alone })), 'restarting', ['report restartJob: restart 1, in 250 ms', 'pauseCheckpoints', 'stopTasks']],
      /* 4 */ [ev('job.restarted'), 'running', []],
      /* 5 */ [ev('tasks.drained'), 'finishing', []],
      /* 6 */ [failed(failure(3000, { supervision: Supervision.restartTask() })), 'restarting', ['report restartJob: restart 2, in 250 ms', 'pauseCheckpoints', 'stopTasks']],
    ]);
    expect(end.taskRestarts).to.equal(1);
    expect(end.history.taskRestarts.get(TASK)).to.deep.equal([1000]);
  });

  it('cancels through cancelling: clears a pending restart, pauses checkpoints, stops the tasks; failures are only reported', () => {
    play(twice, [
      /* 0 */ [ev('job.started'), 'running', []],
      /* 1 */ [failed(failure(1000)), 'restarting', ['report restartJob: restart 1, in 250 ms', 'pauseCheckpoints', 'stopTasks']],
      /* 2 */ [ev('tasks.closed'), 'restarting', ['deployAfterDelay']],
      /* 3 */ [ev('job.cancel'), 'cancelling', ['clearRestartTimer', 'pauseCheckpoints', 'stopTasks']],
      /* 4 */ [ev('job.cancel'), 'cancelling', []],
      /* 5 */ [failed(failure(2000)), 'cancelling', ['report none: the job is cancelling']],
      /* 6 */ [ev('tasks.closed'), 'cancelled', []],
    ]);
  });

  it('fails a job whose restore fails before it started, keeping the first error', () => {
    const [created] = initialTransition(jobLifecycle, { restartStrategy: twice });
    const [failing, effects] = transition(jobLifecycle, created, { type: 'task.failed', error: new Error('cannot restore') });
    expect(failing.value).to.equal('failing');
    expect(effectsOf(effects)).to.deep.equal(['pauseCheckpoints', 'stopTasks']);
    const [still] = transition(jobLifecycle, failing, { type: 'task.failed', error: new Error('later') });
    expect(still.context.error?.message).to.equal('cannot restore');
  });

  it('says by its tags which states deploy, take savepoints, restart tasks alone and are live', () => {
    const tagsIn = (events: JobLifecycleEvent[]) => {
      let [snapshot] = initialTransition(jobLifecycle, { restartStrategy: twice });
      for (const e of events) [snapshot] = transition(jobLifecycle, snapshot, e);
      return [...snapshot.tags].sort();
    };
    expect(tagsIn([])).to.deep.equal(['deploys', 'live']);
    expect(tagsIn([ev('job.started')])).to.deep.equal(['live', 'restartsTasksAlone', 'takesSavepoints']);
    expect(tagsIn([ev('job.started'), ev('tasks.drained')])).to.deep.equal(['live']);
    expect(tagsIn([ev('job.started'), ev('job.restart')])).to.deep.equal(['deploys', 'live']);
    expect(tagsIn([ev('job.started'), ev('job.cancel')])).to.deep.equal([]);
  });
});
