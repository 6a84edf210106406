import { expect } from 'chai';
import { ExecutionPlan, TaskPlan } from '../../src/graph/ExecutionPlan';
import { TaskId } from '../../src/checkpoint/TaskId';
import { TaskMetrics } from '../../src/metrics/JobMetrics';
import { diagnoseStall } from '../../src/metrics/stallDiagnosis';
import { HOT_CUSTOMER, startStallJob } from '../../samples/stall/stallJob';

/** A plan of tasks named by `edges` (`a>b`: a's output feeds b). */
function planOf(names: readonly string[], edges: readonly string[]): ExecutionPlan {
  const tasks = names.map(
    (name, vertex) =>
      ({
        id: name as TaskId,
        name,
        vertex,
        index: 0,
        outputs: [{ tag: undefined, partitioning: { kind: 'forward' }, keyedConsumer: false, channels: edges.filter((e) => e.startsWith(`${name}>`)).map((e) => ({ task: e.split('>')[1] as TaskId, channel: 0 })) }],
      }) as unknown as TaskPlan,
  );
  return { jobName: 'j', maxParallelism: 128, batchSize: 1, channelCapacity: 2, tasks };
}

const metrics = (name: string, busy: number, backPressured: number): TaskMetrics =>
  ({ task: name as TaskId, name, vertex: 0, subtask: 0, busyTimeMsPerSecond: busy, backPressuredTimeMsPerSecond: backPressured, idleTimeMsPerSecond: 1000 - busy - backPressured }) as TaskMetrics;

describe('metrics/stallDiagnosis', () => {
  const plan = planOf(['source', 'parse', 'enrich', 'sink', 'audit'], ['source>parse', 'parse>enrich', 'parse>audit', 'enrich>sink']);

  it('finds nothing when no task is back-pressured', () => {
    expect(diagnoseStall(plan, [metrics('source', 900, 10), metrics('parse', 300, 0)])).to.deep.equal({ backPressured: false });
  });

  it('walks downstream through back-pressured tasks to the busiest task that is not back-pressured', () => {
    const d = diagnoseStall(plan, [metrics('source', 10, 980), metrics('parse', 20, 900), metrics('enrich', 970, 0), metrics('sink', 10, 0), metrics('audit', 100, 0)]);
    expect(d.backPressured).to.equal(true);
    if (!d.backPressured) return;
    expect(d.root?.name).to.equal('enrich');
    expect(d.backPressuredTasks.map((t) => t.name)).to.deep.equal(['source', 'parse']);
  });

  it('names no root when nothing downstream of the back pressure is busy', () => {
    const d = diagnoseStall(plan, [metrics('source', 10, 980), metrics('parse', 0, 0)]);
    expect(d).to.deep.include({ backPressured: true, root: undefined });
  });

  it('names the slow operator of the stalled orders sample and its hottest key, the customer of half the orders', async () => {
    const { job } = startStallJob({ metrics: { intervalMs: 200 }, logging: { level: 'silent' } });
    try {
      const deadline = Date.now() + 20_000;
      let report = await job.stallDiagnosis();
      while (!(report.backPressured && report.root !== undefined && report.root.busyTimeMsPerSecond > 500 && report.hotKeys.length > 0)) {
        if (Date.now() > deadline) throw new Error(`no stall diagnosed in 20 s: ${JSON.stringify(report)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        report = await job.stallDiagnosis();
      }
      expect(report.root!.name).to.equal('slow-enrich -> count');
      expect(report.backPressuredTasks.map((t) => t.name)).to.deep.equal(['orders -> timestamps']);
      expect(report.hotKeys[0].key).to.equal(HOT_CUSTOMER);
      expect(report.hotKeys[0].count).to.be.closeTo(report.sampledRecords / 2, 2);
    } finally {
      await job.cancel();
    }
  });
});
