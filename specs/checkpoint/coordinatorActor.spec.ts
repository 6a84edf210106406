import { expect } from 'chai';
import { Ref, dispatch, spawnStateless, start, stop } from 'nact';
import { CheckpointConfig } from '../../src/checkpoint/CheckpointConfig';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';
import { MemoryCheckpointStore } from '../../src/checkpoint/MemoryCheckpointStore';
import { spawnCoordinator } from '../../src/checkpoint/coordinatorActor';
import { CoordinatorMsg, CoordinatorRef } from '../../src/checkpoint/coordinatorProtocol';
import { TaskId } from '../../src/graph/ExecutionPlan';
import { ask } from '../../src/runtime/ask';
import { LEVEL, LogLine, capturedLog } from '../support/capturedLog';

let jobs = 0;
const TASK = '0-0' as TaskId;

function configWith(timeoutMs: number): CheckpointConfig {
  // Triggered only when the spec asks; failures tolerated, so that no failover follows.
  return { intervalMs: 3_600_000, mode: 'exactly-once', timeoutMs, minPauseMs: 0, maxConcurrent: 1, tolerableFailures: 10, retainedCheckpoints: 1, unaligned: false };
}

describe('checkpoint/coordinatorActor', () => {
  let system: Ref<unknown>;
  let coordinator: CoordinatorRef;
  let lines: LogLine[];

  /** A coordinator over one task that never acknowledges, started for attempt 0. */
  function startCoordinator(timeoutMs: number): void {
    const captured = capturedLog('debug');
    lines = captured.lines;
    const jobId = `coordinator-${++jobs}-${process.pid}`;
    const task = spawnStateless(system as Ref<never>, () => undefined, 'task');
    coordinator = spawnCoordinator(system, {
      jobId,
      config: configWith(timeoutMs),
      store: new MemoryCheckpointStore(jobId, 1),
      master: spawnStateless(system as Ref<never>, () => undefined, 'master'),
      maxParallelism: 128,
      firstId: 1,
      logger: captured.logger.child({ component: 'checkpoint-coordinator' }),
    });
    dispatch(coordinator, { type: 'coordinator.start', attempt: 0, sources: [task], tasks: [[TASK, task]] });
  }

  const trigger = () => ask<CheckpointId | Error, CoordinatorMsg>(system, coordinator, (replyTo) => ({ type: 'coordinator.trigger', replyTo }), 5000);

  beforeEach(() => (system = start()));
  afterEach(() => {
    // nact does not stop a system's children with it: the coordinator's timers go with its own stop.
    stop(coordinator);
    stop(system);
  });

  describe('when a task declines a checkpoint', () => {
    it('logs the abort as a warning naming the task and its reason', async () => {
      startCoordinator(60_000);
      const answer = trigger();
      // After the trigger in the coordinator's mailbox: checkpoint 1 is pending when it arrives.
      dispatch(coordinator, { type: 'checkpoint.decline', id: 1 as CheckpointId, attempt: 0, task: TASK, reason: 'the sink could not pre-commit' });
      const reply = await answer;
      expect(reply).to.be.instanceOf(Error);
      expect((reply as Error).message).to.equal('checkpoint 1 aborted: declined');
      const warnings = lines.filter((l) => l.level >= LEVEL.warn);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include({
        level: LEVEL.warn,
        component: 'checkpoint-coordinator',
        checkpoint: 1,
        reason: 'declined',
        msg: 'checkpoint 1 aborted (declined): declined by task 0-0: the sink could not pre-commit',
      });
    });
  });

  describe('when a checkpoint is not acknowledged in time', () => {
    it('logs the abort as a warning naming the tasks that did not acknowledge', async () => {
      startCoordinator(20);
      const reply = await trigger();
      expect((reply as Error).message).to.equal('checkpoint 1 aborted: timeout');
      const warnings = lines.filter((l) => l.level >= LEVEL.warn);
      expect(warnings.map((l) => l.msg)).to.deep.equal(['checkpoint 1 aborted (timeout): not acknowledged within 20 ms by task(s) 0-0']);
    });
  });

  describe('when the job pauses checkpoints after a task failure', () => {
    it('logs the abort of the pending checkpoint at debug level only: it says nothing about checkpointing', async () => {
      startCoordinator(60_000);
      const answer = trigger();
      dispatch(coordinator, { type: 'coordinator.pause', reason: 'taskFailure' });
      expect(((await answer) as Error).message).to.equal('checkpoint 1 aborted: taskFailure');
      expect(lines.filter((l) => l.level >= LEVEL.info)).to.deep.equal([]);
      expect(lines.map((l) => l.msg)).to.include('checkpoint 1 aborted (taskFailure)');
    });
  });
});
