import { expect } from 'chai';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { runJob } from '../../src/runtime/runJob';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { InstanceDeployment, managersOf } from '../../src/cluster/InstanceDeployment';
import { capturedLog } from '../support/capturedLog';
import type { ExecutionPlan } from '../../src/graph/ExecutionPlan';
import type { Logger } from '../../src/logging/logger';
import type { HeldAssignment } from '../../src/instances/joinInstances';
import type { TaskManagerLinks } from '../../src/cluster/RedisTaskManagerLinks';
import type { Bridge, DeployCommand, TaskManagerCommand } from '../../src/cluster/taskManagerProtocol';
import type { CrossingChannel } from '../../src/cluster/placement';

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

  it("deals each instance's slots over its task managers in turn, fewer where it owns fewer slots, and names no thread when an instance runs one", () => {
    expect(managersOf(['i-1', 'i-2', 'i-3'], { 'i-1': [4, 0, 2], 'i-2': [1], 'i-3': [3, 5] }, 2)).to.deep.equal({
      managerOfSlot: [0, 2, 1, 3, 0, 4],
      memberOf: [0, 0, 1, 2, 2],
      threadOf: [0, 1, 0, 0, 1],
    });
    expect(managersOf(['i-1', 'i-2'], { 'i-1': [0, 2], 'i-2': [1, 3] }, 1)).to.deep.equal({ managerOfSlot: [0, 1, 0, 1], memberOf: [0, 1], threadOf: [undefined, undefined] });
  });

  it("deploys on every task manager of every instance: channels between an instance's own named for it to pair, those between instances through Kafka", async () => {
    const env = StreamEnvironment.create({ parallelism: 4 });
    env.fromCollection(Array.from({ length: 100 }, (_, n) => n)).keyBy((n) => n % 7).map((n) => n).print();
    const plan = env.plan('threads');
    const { logger } = capturedLog('warn');
    const sent: { instance: string; thread: number | undefined; command: TaskManagerCommand }[] = [];
    const links: TaskManagerLinks = {
      send: (instance, command, thread) => {
        sent.push({ instance, thread, command });
        return Promise.resolve();
      },
      onMessage: () => undefined,
      onFailure: () => undefined,
      forget: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const address = (c: CrossingChannel, direction: number) => ({ topic: 'threads-exchange', sendPartition: direction, receivePartition: 1 - direction, receiveFrom: 0, attempt: 1, epoch: 5, name: c.name });
    let betweenWired: readonly CrossingChannel[] = [];
    const deployment = new InstanceDeployment({
      plan,
      assignment: () => ({ epoch: 5, leader: 'i-1', assignment: { members: ['i-1', 'i-2'], splits: { 'i-1': [], 'i-2': [] }, keyGroups: { 'i-1': [], 'i-2': [] }, slots: { 'i-1': [0, 2], 'i-2': [1, 3] } } }),
      openLinks: () => Promise.resolve(links),
      openWiring: () =>
        Promise.resolve({
          wire: (crossing) => {
            betweenWired = crossing;
            return Promise.resolve(crossing.map((c) => ({ channel: c, producer: address(c, 0), consumer: address(c, 1) })));
          },
          rewire: () => [],
          close: () => Promise.resolve(),
        }),
      keyedState: { type: 'memory' },
      threadsPerInstance: 2,
      epochKey: '{sluice:threads}:epoch',
      // Nothing answers here: silent task managers end the job soon after it is cancelled.
      hangTimeoutMs: 400,
      logger,
    });
    const run = runOn(deployment, plan, 'threads', 0, logger);
    const deploys = () => sent.filter((s) => s.command.type === 'taskManager.deploy');
    for (let waited = 0; deploys().length < 4 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    run.cancel();
    await run.outcome;
    // Slot s's tasks (subtask s of each operator): i-1 runs slots 0 and 2, one per task manager; i-2 slots 1 and 3.
    const placed = deploys().map(({ instance, thread, command }) => [instance, thread, (command as DeployCommand).tasks.map((t) => plan.tasks.find((p) => p.id === t.id)!.index)]);
    expect(placed.map(([instance, thread, indexes]) => [instance, thread, [...new Set(indexes as number[])]])).to.deep.equal([
      ['i-1', 0, [0]],
      ['i-1', 1, [2]],
      ['i-2', 0, [1]],
      ['i-2', 1, [3]],
    ]);
    const instanceOfSlot = ['i-1', 'i-2', 'i-1', 'i-2'];
    const slotOfTask = (id: string) => plan.tasks.find((t) => t.id === id)!.index;
    const outlets = deploys().flatMap(({ command }) => (command as DeployCommand).outlets);
    const inlets = deploys().flatMap(({ command }) => (command as DeployCommand).inlets);
    // The source (one subtask, slot 0) sends to the four keyed subtasks: to slots 1, 2 and 3 its channels cross.
    expect(outlets.length).to.equal(3);
    const consumerOf = (b: Bridge) => plan.tasks.find((t) => t.id === b.task)!.outputs.flatMap((e) => e.channels)[b.channel].task;
    for (const outlet of outlets) {
      const within = instanceOfSlot[slotOfTask(outlet.task)] === instanceOfSlot[slotOfTask(consumerOf(outlet))];
      expect('local' in outlet, `${outlet.name}: local iff within an instance`).to.equal(within);
      // Its consumer's inlet names the same channel.
      const inlet = inlets.find((i) => i.name === outlet.name)!;
      if ('local' in outlet) expect(inlet).to.deep.include({ local: outlet.local });
      else expect('kafka' in inlet).to.equal(true);
    }
    // Slot 2 is i-1's other task manager: in memory; slots 1 and 3 are on i-2: through Kafka.
    expect(outlets.filter((o) => 'local' in o).map((o) => slotOfTask(consumerOf(o)))).to.deep.equal([2]);
    expect(betweenWired.map((c) => slotOfTask(c.consumer)).sort()).to.deep.equal([1, 3]);
  });
});
