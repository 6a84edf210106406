import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ref, dispatch, spawnStateless, start, stop } from 'nact';
import { CheckpointConfig } from '../../src/checkpoint/CheckpointConfig';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';
import { MemoryCheckpointStore } from '../../src/checkpoint/MemoryCheckpointStore';
import { spawnCoordinator } from '../../src/checkpoint/coordinatorActor';
import { CheckpointTaskMsg, CoordinatorMsg, CoordinatorRef, CoordinatorReport, DeclineReason } from '../../src/checkpoint/coordinatorProtocol';
import { SavepointInfo, readSavepoint } from '../../src/checkpoint/Savepoint';
import { TaskId } from '../../src/checkpoint/TaskId';
import { ask } from '../../src/runtime/ask';
import { LEVEL, LogLine, capturedLog } from '../support/capturedLog';

let jobs = 0;
const TASK = '0-0' as TaskId;

function configWith(timeoutMs: number, tolerableFailures: number): CheckpointConfig {
  // Triggered only when the spec asks; by default failures tolerated, so that no failover follows.
  return { intervalMs: 3_600_000, mode: 'exactly-once', timeoutMs, minPauseMs: 0, maxConcurrent: 1, tolerableFailures, retainedCheckpoints: 1, unaligned: false };
}

describe('checkpoint/coordinatorActor', () => {
  let system: Ref<unknown>;
  let coordinator: CoordinatorRef;
  let lines: LogLine[];
  /** What the task was sent, in order. */
  let received: CheckpointTaskMsg[];
  /** What the job master was told, in order. */
  let reports: CoordinatorReport[];

  /** A coordinator over one task that acknowledges only when the spec says, started for attempt 0. */
  function startCoordinator(timeoutMs: number, tolerableFailures = 10): void {
    const captured = capturedLog('debug');
    lines = captured.lines;
    received = [];
    reports = [];
    const jobId = `coordinator-${++jobs}-${process.pid}`;
    const task = spawnStateless(system as Ref<never>, (msg: CheckpointTaskMsg) => void received.push(msg), 'task');
    coordinator = spawnCoordinator(system, {
      jobId,
      config: configWith(timeoutMs, tolerableFailures),
      store: new MemoryCheckpointStore(jobId, 1),
      master: spawnStateless(system as Ref<never>, (report: CoordinatorReport) => void reports.push(report), 'master'),
      maxParallelism: 128,
      firstId: 1 as CheckpointId,
      logger: captured.logger.child({ component: 'checkpoint-coordinator' }),
    });
    dispatch(coordinator, { type: 'coordinator.start', attempt: 0, sources: [task], tasks: [[TASK, task]] });
  }

  const trigger = () => ask<CheckpointId | Error, CoordinatorMsg>(system, coordinator, (replyTo) => ({ type: 'coordinator.trigger', replyTo }), 5000);
  const savepoint = (dir: string) =>
    ask<SavepointInfo | Error, CoordinatorMsg>(system, coordinator, (replyTo) => ({ type: 'coordinator.savepoint', request: { dir, terminal: false, replyTo } }), 5000);
  const acknowledge = (id: number) =>
    dispatch(coordinator, { type: 'checkpoint.ack', id: id as CheckpointId, attempt: 0, task: TASK, snapshot: { task: TASK, index: 0, parallelism: 1, nodes: {} }, alignmentMs: 0 });
  /** Resolves once the task was sent a message of this type for this checkpoint. */
  async function sent(type: CheckpointTaskMsg['type'], id: number): Promise<void> {
    while (!received.some((m) => m.type === type && m.id === id)) await new Promise((r) => setImmediate(r));
  }

  /** Resolves once the job master was told `count` things. */
  async function reported(count: number): Promise<void> {
    while (reports.length < count) await new Promise((r) => setImmediate(r));
  }

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
      dispatch(coordinator, { type: 'checkpoint.decline', id: 1 as CheckpointId, attempt: 0, task: TASK, reason: { _tag: 'taskCheckpointFailed', detail: 'the sink could not pre-commit' } });
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

  describe('when a task declines a checkpoint because a newer one subsumed it there', () => {
    it('aborts it as subsumed, logged at debug level only, and counts no failed checkpoint', async () => {
      startCoordinator(60_000, 0);
      const answer = trigger();
      const subsumed: DeclineReason = { _tag: 'subsumed', detail: 'subsumed by a newer checkpoint before it was aligned' };
      dispatch(coordinator, { type: 'checkpoint.decline', id: 1 as CheckpointId, attempt: 0, task: TASK, reason: subsumed });
      expect(((await answer) as Error).message).to.equal('checkpoint 1 aborted: subsumed');
      expect(lines.filter((l) => l.level >= LEVEL.info)).to.deep.equal([]);
      expect(lines.map((l) => l.msg)).to.include('checkpoint 1 aborted (subsumed): declined by task 0-0: subsumed by a newer checkpoint before it was aligned');
      // Tolerating no failure at all, the job would have been told to fail over, right after the stats.
      await reported(1);
      await new Promise((r) => setImmediate(r));
      expect(reports.map((r) => r.type)).to.deep.equal(['checkpoint.stats']);
    });
  });

  describe('when more checkpoints fail in a row than tolerated', () => {
    it('tells the job master once the count is exceeded, naming the checkpoint and why it failed', async () => {
      startCoordinator(60_000, 1);
      const failed: DeclineReason = { _tag: 'taskCheckpointFailed', detail: 'the sink could not pre-commit' };
      for (const id of [1, 2]) {
        const answer = trigger();
        dispatch(coordinator, { type: 'checkpoint.decline', id: id as CheckpointId, attempt: 0, task: TASK, reason: failed });
        expect(((await answer) as Error).message).to.equal(`checkpoint ${id} aborted: declined`);
      }
      // Each abort reports its stats; the second then tells the master to fail over.
      await reported(3);
      expect(reports.map((r) => r.type)).to.deep.equal(['checkpoint.stats', 'checkpoint.stats', 'checkpoint.tooManyFailures']);
      const tooMany = reports.filter((r): r is Extract<CoordinatorReport, { type: 'checkpoint.tooManyFailures' }> => r.type === 'checkpoint.tooManyFailures');
      expect(tooMany.map((r) => r.error.message)).to.deep.equal(['checkpoint 2 failed (declined), exceeding the tolerable 1 failed checkpoint(s) in a row']);
      const last = reports.filter((r) => r.type === 'checkpoint.stats').pop();
      expect(last?.type === 'checkpoint.stats' && last.stats).to.deep.include({ completed: 0, failed: 2 });
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

  describe('when a savepoint is asked for while a periodic checkpoint is in progress (maxConcurrent 1)', () => {
    let dir: string;
    beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-coordinator-savepoint-'))));
    afterEach(() => fs.rm(dir, { recursive: true, force: true }));

    it('waits for the checkpoint to complete, then takes the savepoint, which commits nothing', async () => {
      startCoordinator(60_000);
      const checkpoint = trigger();
      const taken = savepoint(path.join(dir, 'sp'));
      await sent('checkpoint.trigger', 1);
      acknowledge(1);
      expect(await checkpoint).to.equal(1);
      // The savepoint starts once checkpoint 1 left its slot.
      await sent('checkpoint.trigger', 2);
      acknowledge(2);
      const info = (await taken) as SavepointInfo;
      expect(info).to.deep.equal({ path: path.join(dir, 'sp'), checkpointId: 2 });
      await sent('checkpoint.aborted', 2);
      expect(received.map((m) => `${m.type} ${m.id}`)).to.deep.equal(['checkpoint.trigger 1', 'checkpoint.completed 1', 'checkpoint.trigger 2', 'checkpoint.aborted 2']);
      const read = readSavepoint(info.path);
      expect(read).to.deep.include({ _tag: 'Right' });
    });

    it('answers within the checkpoint timeout, saying why, when the task never acknowledges', async () => {
      startCoordinator(40);
      // Checkpoint 1 times out first and leaves its slot; the savepoint then times out in its turn.
      void trigger();
      await sent('checkpoint.trigger', 1);
      const answer = await savepoint(path.join(dir, 'never'));
      expect(answer).to.be.instanceOf(Error);
      expect((answer as Error).message).to.match(/^savepoint (not taken: no checkpoint slot came free within 40 ms|\d+ to .* aborted: timeout)/);
    });
  });
});
