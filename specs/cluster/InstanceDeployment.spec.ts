import { expect } from 'chai';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { runJob } from '../../src/runtime/runJob';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { InstanceDeployment } from '../../src/cluster/InstanceDeployment';
import { capturedLog } from '../support/capturedLog';
import type { ExecutionPlan } from '../../src/graph/ExecutionPlan';
import type { Logger } from '../../src/logging/logger';
import type { HeldAssignment } from '../../src/instances/joinInstances';
import type { TaskManagerLinks } from '../../src/cluster/RedisTaskManagerLinks';
import type { TaskManagerCommand } from '../../src/cluster/taskManagerProtocol';

/** The job of `plan` on `deployment`, without checkpoints, restarted `attempts` times at most. */
function runOn(deployment: InstanceDeployment, plan: ExecutionPlan, jobId: string, attempts: number, logger: Logger) {
  return runJob(plan, {
    jobId,
    createKeyedStateBackend: (range, maxParallelism) => new MemoryKeyedStateBackend(range, maxParallelism),
    checkpointing: undefined,
    restartStrategy: { type: 'fixed-delay', attempts, delayMs: 10 },
    logger,
    taskManagers: deployment,
  });
}

describe('cluster/InstanceDeployment: the leader\'s job master on instances (docs/cluster.md)', () => {
  it('fails an attempt that cannot reach the instances, as a task manager that died, so the restart strategy decides', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env.fromCollection([1, 2, 3]).print();
    const plan = env.plan('unreachable');
    const { logger } = capturedLog('warn');
    let opened = 0;
    const deployment = new InstanceDeployment({
      plan,
      assignment: () => ({ epoch: 7, leader: 'i-1', assignment: { members: ['i-1'], splits: { 'i-1': [] }, keyGroups: { 'i-1': [] }, slots: { 'i-1': [0, 1] } } }),
      openLinks: () => {
        opened++;
        return Promise.reject(new Error('Redis at redis://127.0.0.1:1 did not answer within 100 ms'));
      },
      openWiring: () => Promise.reject(new Error('not reached')),
      keyedState: { type: 'memory' },
      epochKey: '{sluice:unreachable}:epoch',
      hangTimeoutMs: 30_000,
      logger,
    });
    const run = runOn(deployment, plan, 'unreachable', 2, logger);
    const outcome = await run.outcome;
    expect(outcome.status).to.equal('failed');
    expect(opened).to.equal(3);
    const why = 'attempt 0 could not be deployed on the instances: the link to the instances (epoch 7) could not be opened: Redis at redis://127.0.0.1:1 did not answer within 100 ms';
    expect(run.failures().map((f) => f.error.message)).to.deep.equal([why, why.replace('attempt 0', 'attempt 1'), why.replace('attempt 0', 'attempt 2')]);
  });

  it('fails an attempt whose epoch ended while it waited on the exchange, so the restart deploys under the new epoch (no hang)', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env.fromCollection([1, 2, 3]).print();
    const plan = env.plan('epoch-moves');
    const { logger } = capturedLog('warn');
    const held = (epoch: number, members: string[]): HeldAssignment => ({
      epoch,
      leader: 'i-1',
      assignment: { members, splits: Object.fromEntries(members.map((m) => [m, []])), keyGroups: Object.fromEntries(members.map((m) => [m, []])), slots: members.length === 1 ? { 'i-1': [0, 1] } : { 'i-1': [0], 'i-2': [1] } },
    });
    let assignment = held(3, ['i-1']);
    const sent: { epoch: number; instance: string; type: string }[] = [];
    const links = (epoch: number): TaskManagerLinks => ({
      send: (instance: string, command: TaskManagerCommand) => {
        sent.push({ epoch, instance, type: command.type });
        return Promise.resolve();
      },
      onMessage: () => undefined,
      onFailure: () => undefined,
      forget: () => Promise.resolve(),
      close: () => Promise.resolve(),
    });
    const wired: number[] = [];
    const deployment: InstanceDeployment = new InstanceDeployment({
      plan,
      assignment: () => assignment,
      openLinks: (epoch) => Promise.resolve(links(epoch)),
      openWiring: (epoch) =>
        Promise.resolve({
          // Epoch 3's first wiring waits (as on an exchange topic whose leaders are not ready) while a second instance joins: epoch 4.
          wire: async () => {
            wired.push(epoch);
            if (epoch === 3) {
              assignment = held(4, ['i-1', 'i-2']);
              deployment.assignmentChanged();
              return [];
            }
            throw new Error('the exchange topic has no leaders yet');
          },
          rewire: () => [],
          close: () => Promise.resolve(),
        }),
      keyedState: { type: 'memory' },
      epochKey: '{sluice:epoch-moves}:epoch',
      hangTimeoutMs: 30_000,
      logger,
    });
    const run = runOn(deployment, plan, 'epoch-moves', 1, logger);
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 10_000)));
    const outcome = await Promise.race([run.outcome, hung]);
    clearTimeout(timer);
    expect(outcome === 'hung' ? 'hung' : outcome.status).to.equal('failed');
    // Epoch 4 is wired twice: the new placement is no failure the restart strategy counts (it allows one restart here).
    expect(wired).to.deep.equal([3, 4, 4]);
    // Epoch 3's deploy was never sent (its ports had ended): its attempt failed by that end, not by silence; the job's end is told under epoch 4.
    expect(sent).to.deep.equal(['i-1', 'i-2'].map((instance) => ({ epoch: 4, instance, type: 'taskManager.stop' })));
    expect(run.failures().map((f) => f.error.message)).to.deep.equal([
      "the job's instances changed (epoch 3 → 4: i-1, i-2): the job restarts on them from its last completed checkpoint",
      'attempt 1 could not be deployed on the instances: the Kafka exchange could not be wired: the exchange topic has no leaders yet',
      'attempt 2 could not be deployed on the instances: the Kafka exchange could not be wired: the exchange topic has no leaders yet',
    ]);
    expect(run.failures()[0].error.name).to.equal('PlacementChanged');
  });
});
