import { expect } from 'chai';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { renderPrometheus } from '../../src/metrics/prometheus';
import { keyedCountJob } from './fixtures/keyedCountJob';

const quiet = { logging: { level: 'silent' as const } };

describe('cluster/taskManagers: metrics of a job on worker threads (issue 19: summed across worker threads)', function () {
  this.timeout(60_000);

  it('reports every task of both task managers, records in and out summing to the exact counts, in the snapshot and in the Prometheus text', async () => {
    const params = { events: 20_000, keys: 50 };
    const job = StreamEnvironment.create({ parallelism: 2, taskManagers: 2, metrics: true, ...quiet }).executeJob(keyedCountJob, params, 'metrics on workers');
    expect((await job).status).to.equal('finished');
    const m = await job.metrics();
    const sources = m.tasks.filter((t) => t.name === 'Generator Source');
    const counts = m.tasks.filter((t) => t.name !== 'Generator Source');
    // Subtask i on task manager i mod 2: each task manager ran one source and one count task.
    expect(sources.map((t) => t.subtask).sort()).to.deep.equal([0, 1]);
    expect(counts.map((t) => t.subtask).sort()).to.deep.equal([0, 1]);
    expect(sources.reduce((n, t) => n + t.recordsOut, 0)).to.equal(20_000);
    expect(counts.reduce((n, t) => n + t.recordsIn, 0)).to.equal(20_000);
    // Both task managers' count tasks had work: keys spread over both.
    expect(counts.every((t) => t.recordsIn > 0)).to.equal(true);

    const text = await renderPrometheus('metrics on workers', m);
    const samples = (metric: string, vertex: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(`${metric}{`) && line.includes(`vertex="${vertex}"`))
        .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(total(samples('sluice_task_records_out_total', 'Generator Source'))).to.equal(20_000);
    expect(samples('sluice_task_records_out_total', 'Generator Source')).to.have.length(2);
  });
});
