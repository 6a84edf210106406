import { expect } from 'chai';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { runJob } from '../../src/runtime/runJob';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { InstanceDeployment } from '../../src/cluster/InstanceDeployment';
import { capturedLog } from '../support/capturedLog';

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
    const run = runJob(plan, {
      jobId: 'unreachable',
      createKeyedStateBackend: (range, maxParallelism) => new MemoryKeyedStateBackend(range, maxParallelism),
      checkpointing: undefined,
      restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 10 },
      logger,
      taskManagers: deployment,
    });
    const outcome = await run.outcome;
    expect(outcome.status).to.equal('failed');
    expect(opened).to.equal(3);
    const why = 'attempt 0 could not be deployed on the instances: the link to the instances (epoch 7) could not be opened: Redis at redis://127.0.0.1:1 did not answer within 100 ms';
    expect(run.failures().map((f) => f.error.message)).to.deep.equal([why, why.replace('attempt 0', 'attempt 1'), why.replace('attempt 0', 'attempt 2')]);
  });
});
