import { expect } from 'chai';
import { StreamEnvironment } from '../../src';
import { FramePort } from '../../src/cluster/FramePort';
import { crossingChannels, taskManagerOf } from '../../src/cluster/placement';
import { Bridge, DeployCommand } from '../../src/cluster/taskManagerProtocol';
import { TaskManagerRuntime } from '../../src/cluster/TaskManagerRuntime';
import { RecordingSink } from '../support/RecordingSink';

/** A port that only records what is done to it: what TaskManagerRuntime's openBridge gave. */
class RecordingPort implements FramePort {
  closed = 0;
  constructor(readonly bridge: Bridge) {}
  postMessage(): void {}
  on(): this {
    return this;
  }
  close(): void {
    this.closed++;
  }
}

describe('cluster/TaskManagerRuntime: bridges opened through openBridge', () => {
  it('opens every bridge of a deploy through openBridge, Kafka addresses included, and closes each once when told to stop', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    // A source that never ends on its own, so the tasks are still running when the stop comes.
    env
      .fromGenerator(Number.MAX_SAFE_INTEGER, (i) => i)
      .keyBy((n) => n % 2)
      .map((n) => 2 * n)
      .sinkTo(new RecordingSink());
    const plan = env.plan('bridges');
    const opened: RecordingPort[] = [];
    const runtime = new TaskManagerRuntime(plan, env.config, 0, () => undefined, (bridge) => {
      const port = new RecordingPort(bridge);
      opened.push(port);
      return port;
    });
    const here = plan.tasks.filter((t) => taskManagerOf(t, 2) === 0);
    const crossing = crossingChannels(plan, 2);
    const address = (n: number) => ({ topic: 't', sendPartition: 2 * n, receivePartition: 2 * n + 1, receiveFrom: 0, attempt: 1, epoch: 1 });
    const command: DeployCommand = {
      type: 'taskManager.deploy',
      attempt: 1,
      jobId: 'bridges',
      tasks: here.map((t) => ({ id: t.id, restore: null })),
      checkpointing: null,
      unaligned: false,
      metrics: false,
      keyedState: { type: 'memory' },
      outlets: crossing.flatMap((c, n) => (c.from === 0 ? [{ task: c.producer, channel: c.output, name: c.name, kafka: address(n) }] : [])),
      inlets: crossing.flatMap((c, n) => (c.to === 0 ? [{ task: c.consumer, channel: c.input, name: c.name, kafka: address(n) }] : [])),
    };
    runtime.handle(command);
    expect(opened.map((p) => p.bridge)).to.deep.equal([...command.outlets, ...command.inlets]);
    expect(opened.length).to.be.above(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    runtime.handle({ type: 'taskManager.stop' });
    expect(opened.map((p) => p.closed)).to.deep.equal(opened.map(() => 1));
  });
});
