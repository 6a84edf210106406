import { expect } from 'chai';
import { CheckpointId, TaskSnapshot } from '../../src/checkpoint/CheckpointTypes';
import { PendingCheckpoint } from '../../src/checkpoint/PendingCheckpoint';
import { TaskId } from '../../src/checkpoint/TaskId';

const task = (name: string) => name as TaskId;
const snapshotOf = (name: string, index = 0): TaskSnapshot => ({
  task: name,
  index,
  parallelism: 2,
  nodes: { [`${name}-uid`]: { operator: { lists: { seen: [name] } } } },
});

/** Every checkpoint a test made, so that none is left with a running lifecycle. */
let made: PendingCheckpoint[] = [];
const pendingFor = (...tasks: string[]) => {
  const pc = new PendingCheckpoint(7 as CheckpointId, 1000, new Set(tasks.map(task)));
  made.push(pc);
  return pc;
};

describe('checkpoint/PendingCheckpoint', () => {
  afterEach(() => {
    for (const pc of made) pc.abort('jobFinishing'); // stops its lifecycle; a no-op once over
    made = [];
  });

  it('starts pending, with its id, start time and no snapshot', () => {
    const pc = pendingFor('a', 'b');
    expect(pc.status).to.equal('pending');
    expect(pc.id).to.equal(7);
    expect(pc.startedAt).to.equal(1000);
    expect(pc.taskSnapshots()).to.deep.equal([]);
    expect(pc.failureReason).to.equal(undefined);
  });

  describe('acknowledge', () => {
    it("answers 'accepted' to each expected task's first ack, and stays pending until the last", () => {
      const pc = pendingFor('a', 'b', 'c');
      expect(pc.acknowledge(task('b'), snapshotOf('b'))).to.equal('accepted');
      expect(pc.status).to.equal('pending');
      expect(pc.acknowledge(task('a'), snapshotOf('a'))).to.equal('accepted');
      expect(pc.status).to.equal('pending');
      expect(pc.acknowledge(task('c'), snapshotOf('c'))).to.equal('accepted');
      expect(pc.status).to.equal('persisting');
    });

    it('keeps the snapshot of each accepted ack, in the order they came', () => {
      const pc = pendingFor('a', 'b');
      pc.acknowledge(task('b'), snapshotOf('b', 1));
      pc.acknowledge(task('a'), snapshotOf('a', 0));
      expect(pc.taskSnapshots()).to.deep.equal([snapshotOf('b', 1), snapshotOf('a', 0)]);
    });

    it("answers 'duplicate' to a second ack of the same task and keeps the first snapshot", () => {
      const pc = pendingFor('a', 'b');
      pc.acknowledge(task('a'), snapshotOf('a'));
      expect(pc.acknowledge(task('a'), { ...snapshotOf('a'), nodes: {} })).to.equal('duplicate');
      expect(pc.status).to.equal('pending');
      expect(pc.taskSnapshots()).to.deep.equal([snapshotOf('a')]);
    });

    it("answers 'unknownTask' to a task the checkpoint does not expect, which counts for nothing", () => {
      const pc = pendingFor('a');
      expect(pc.acknowledge(task('z'), snapshotOf('z'))).to.equal('unknownTask');
      expect(pc.status).to.equal('pending');
      expect(pc.taskSnapshots()).to.deep.equal([]);
    });

    it("answers 'discarded' to any ack once the checkpoint was aborted", () => {
      const pc = pendingFor('a', 'b');
      pc.acknowledge(task('a'), snapshotOf('a'));
      pc.abort('timeout');
      expect(pc.acknowledge(task('b'), snapshotOf('b'))).to.equal('discarded');
      expect(pc.acknowledge(task('a'), snapshotOf('a'))).to.equal('discarded');
      expect(pc.acknowledge(task('z'), snapshotOf('z'))).to.equal('discarded');
      expect(pc.status).to.equal('aborted');
    });

    it("answers 'discarded' to any ack once the checkpoint completed", () => {
      const pc = pendingFor('a');
      pc.acknowledge(task('a'), snapshotOf('a'));
      pc.persisted();
      expect(pc.acknowledge(task('a'), snapshotOf('a'))).to.equal('discarded');
    });

    it("while persisting, still tells a repeated ack ('duplicate') from an unknown task ('unknownTask'), as Flink does", () => {
      const pc = pendingFor('a');
      pc.acknowledge(task('a'), snapshotOf('a'));
      expect(pc.status).to.equal('persisting');
      expect(pc.acknowledge(task('a'), snapshotOf('a'))).to.equal('duplicate');
      expect(pc.acknowledge(task('z'), snapshotOf('z'))).to.equal('unknownTask');
      expect(pc.taskSnapshots()).to.deep.equal([snapshotOf('a')]);
    });
  });

  describe('status', () => {
    it('goes pending → persisting → completed', () => {
      const pc = pendingFor('a');
      const seen = [pc.status];
      pc.acknowledge(task('a'), snapshotOf('a'));
      seen.push(pc.status);
      pc.persisted();
      seen.push(pc.status);
      expect(seen).to.deep.equal(['pending', 'persisting', 'completed']);
      expect(pc.failureReason).to.equal(undefined);
    });

    it('aborts from pending, keeping the reason', () => {
      const pc = pendingFor('a', 'b');
      pc.acknowledge(task('a'), snapshotOf('a'));
      pc.abort('declined');
      expect(pc.status).to.equal('aborted');
      expect(pc.failureReason).to.equal('declined');
    });

    it('aborts from persisting when the store fails', () => {
      const pc = pendingFor('a');
      pc.acknowledge(task('a'), snapshotOf('a'));
      pc.abort('storeFailed');
      expect(pc.status).to.equal('aborted');
      expect(pc.failureReason).to.equal('storeFailed');
    });

    it('ignores an abort after completion: a completed checkpoint stays completed, with no failure reason', () => {
      const pc = pendingFor('a');
      pc.acknowledge(task('a'), snapshotOf('a'));
      pc.persisted();
      pc.abort('subsumed');
      expect(pc.status).to.equal('completed');
      expect(pc.failureReason).to.equal(undefined);
    });

    it('keeps the first reason when aborted twice', () => {
      const pc = pendingFor('a');
      pc.abort('timeout');
      pc.abort('subsumed');
      expect(pc.status).to.equal('aborted');
      expect(pc.failureReason).to.equal('timeout');
    });

    it('stays aborted when the store reports it persisted after all', () => {
      const pc = pendingFor('a');
      pc.acknowledge(task('a'), snapshotOf('a'));
      pc.abort('timeout');
      pc.persisted();
      expect(pc.status).to.equal('aborted');
    });
  });
});
