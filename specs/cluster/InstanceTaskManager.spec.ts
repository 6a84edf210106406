import { expect } from 'chai';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { DeployCommand, TaskManagerMsg } from '../../src/cluster/taskManagerProtocol';
import { InstanceTaskManager, JobEnd } from '../../src/cluster/InstanceTaskManager';
import { Ownership } from '../../src/instances/Assignment';
import { capturedLog } from '../support/capturedLog';

/** An instance's task manager over a job's plan, with what it says (and under which epoch) recorded. */
function instanceTaskManager() {
  const env = StreamEnvironment.create();
  env.fromCollection([1, 2, 3]).print();
  const plan = env.plan('epochs');
  const said: Array<{ readonly type: string; readonly epoch: number }> = [];
  const ends: JobEnd[] = [];
  const { logger, lines } = capturedLog('info');
  const taskManager = new InstanceTaskManager({
    plan,
    config: env.config,
    say: (msg: TaskManagerMsg, epoch: number) => {
      said.push({ type: msg.type, epoch });
      return Promise.resolve();
    },
    openBridge: () => {
      throw new Error('no channel crosses instances here');
    },
    onJobEnd: (end) => ends.push(end),
    logger,
  });
  const stops = () => lines.filter((l) => l.msg.startsWith('the tasks of epoch')).map((l) => l.msg);
  return { taskManager, said, ends, stops };
}

/** A deploy with no task: the runtime of its epoch starts, and answers the master's pings. */
const deploy: DeployCommand = { type: 'taskManager.deploy', attempt: 0, jobId: 'epochs', tasks: [], checkpointing: null, unaligned: false, metrics: false, keyedState: { type: 'memory' }, outlets: [], inlets: [] };
const owning = (epoch: number): Ownership => ({ instanceId: 'i-1', epoch, leader: 'i-2', state: 'owning', splits: [], keyGroups: [], slots: [0] });

describe('cluster/InstanceTaskManager: one task manager runtime per deploy, under its epoch (docs/internals.md, the job path)', () => {
  it('runs a deploy under its epoch, stops it when a newer epoch commands, and starts nothing for a late command of an older one', () => {
    const { taskManager, said, stops } = instanceTaskManager();
    taskManager.handle(deploy, 3);
    taskManager.handle({ type: 'taskManager.ping' }, 3);
    expect(said).to.deep.equal([{ type: 'taskManager.pong', epoch: 3 }]);
    // Each deploy replaces what ran before it, even of the same epoch (a new master of that epoch restarts from attempt 0).
    taskManager.handle({ ...deploy, attempt: 1 }, 3);
    taskManager.handle(deploy, 3);
    expect(stops()).to.deep.equal(['the tasks of epoch 3 stop here: attempt 1 is deployed', 'the tasks of epoch 3 stop here: attempt 0 is deployed']);
    // A newer master pings before it deploys: the tasks of epoch 3 stop, the pong goes under epoch 4.
    taskManager.handle({ type: 'taskManager.ping' }, 4);
    expect(stops()[2]).to.equal('the tasks of epoch 3 stop here: a command of epoch 4 arrived');
    expect(said[1]).to.deep.equal({ type: 'taskManager.pong', epoch: 4 });
    // The old master's late deploy starts nothing.
    taskManager.handle(deploy, 3);
    taskManager.handle({ type: 'taskManager.ping' }, 3);
    expect(said).to.have.length(2);
    taskManager.close();
  });

  it('stops its tasks when its own heartbeat sees a newer epoch or that it is fenced, and refuses the older epoch after', () => {
    const { taskManager, said, stops } = instanceTaskManager();
    taskManager.handle(deploy, 5);
    taskManager.ownershipChanged(owning(5));
    expect(stops()).to.deep.equal([]);
    taskManager.ownershipChanged(owning(6));
    expect(stops()).to.deep.equal(['the tasks of epoch 5 stop here: this instance now runs under epoch 6']);
    taskManager.handle(deploy, 5);
    taskManager.handle({ type: 'taskManager.ping' }, 5);
    expect(said).to.deep.equal([]);
    taskManager.handle(deploy, 6);
    taskManager.ownershipChanged({ ...owning(6), state: 'fenced' });
    expect(stops()[1]).to.equal('the tasks of epoch 6 stop here: this instance is fenced');
    taskManager.close();
  });

  it("ends with the job's outcome when the leader's stop says how the job ended", () => {
    const { taskManager, ends, stops } = instanceTaskManager();
    taskManager.handle(deploy, 2);
    taskManager.handle({ type: 'taskManager.stop', outcome: 'failed', reason: 'the final checkpoint failed' }, 2);
    expect(ends).to.deep.equal([{ status: 'failed', reason: 'the final checkpoint failed' }]);
    expect(stops()).to.deep.equal(['the tasks of epoch 2 stop here: the job ended']);
    // Nothing runs after the end, whatever comes.
    taskManager.handle(deploy, 3);
    taskManager.handle({ type: 'taskManager.stop' }, 3);
    expect(ends).to.have.length(1);
  });
});
