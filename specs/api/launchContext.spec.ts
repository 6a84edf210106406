import { expect } from 'chai';
import { StreamEnvironment } from '../../src';
import { JobHandle } from '../../src/api/JobHandle';
import { setLaunchContext, withLaunchOverrides } from '../../src/api/launchContext';

describe('api/launchContext: what sluice run sets for the environments of a job module', () => {
  afterEach(() => setLaunchContext(undefined));

  it('leaves the options alone outside sluice run', () => {
    const options = { parallelism: 2, rest: { port: 8081, token: 'a-long-secret' } };
    expect(withLaunchOverrides(options)).to.equal(options);
  });

  it("puts the command line's parallelism, savepoint and port over the module's, keeping its other rest options", () => {
    setLaunchContext({ overrides: { parallelism: 3, restoreFrom: '/savepoints/a', restPort: 0 }, jobStarted: () => undefined });
    expect(withLaunchOverrides({ parallelism: 2, jobId: 'j', rest: { port: 8081, token: 'a-long-secret' } })).to.deep.equal({
      parallelism: 3,
      jobId: 'j',
      restoreFrom: '/savepoints/a',
      rest: { port: 0, token: 'a-long-secret' },
    });
    expect(withLaunchOverrides({})).to.deep.equal({ parallelism: 3, restoreFrom: '/savepoints/a', rest: { port: 0 } });
  });

  it('sets only what the command line gave', () => {
    setLaunchContext({ overrides: { parallelism: 4 }, jobStarted: () => undefined });
    expect(withLaunchOverrides({ jobId: 'j' })).to.deep.equal({ jobId: 'j', parallelism: 4 });
  });

  it('tells the command of each job started, with the overrides applied', async () => {
    const started: JobHandle[] = [];
    setLaunchContext({ overrides: { parallelism: 3 }, jobStarted: (job) => started.push(job) });
    const env = StreamEnvironment.create({ parallelism: 1 });
    const job = env.fromCollection([1, 2, 3]).keyBy((n) => n % 2).sum().executeAndCollect();
    const counts = await job;
    expect(counts).to.have.length(3);
    expect(started).to.have.length(1);
    expect(started[0].plan.tasks.filter((t) => t.parallelism === 3)).to.have.length(3);
  });
});
