import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { sortRows } from '../support/changelog';
import { WindowCount, WindowsUnderFailureParams, windowsUnderFailureJob } from './fixtures/windowsUnderFailureJob';

const EVENTS = 30_000;
const KEYS = 5;

/** The windows `events` ids give, per key: each window starting at one of `startsOf(id)` and `size` long. */
function reference(size: number, startsOf: (id: number) => number[]): WindowCount[] {
  const windows = new Map<string, { key: number; start: number; end: number; count: number; ids: number }>();
  for (let id = 0; id < EVENTS; id++) {
    const key = id % KEYS;
    for (const start of startsOf(id)) {
      const w = windows.get(`${key}@${start}`) ?? { key, start, end: start + size, count: 0, ids: 0 };
      w.count++;
      w.ids += id;
      windows.set(`${key}@${start}`, w);
    }
  }
  return sortRows([...windows.values()]);
}
const tumbling = reference(100, (id) => [Math.floor(id / 100) * 100]);
const sliding = reference(200, (id) => [Math.floor(id / 100) * 100 - 100, Math.floor(id / 100) * 100]);

describe('cluster/taskManagers: event-time windows on 2 task managers under failure, exactly once (issue 17)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sluice-tm-windows-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Once a third of the events is reached, task manager `terminate` is terminated, or the source throws there. */
  async function run(fault: WindowsUnderFailureParams['fault'], terminate = 1) {
    const marker = path.join(dir, 'fault');
    const params: WindowsUnderFailureParams = { events: EVENTS, keys: KEYS, fault, at: EVENTS / 3, marker };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 64, taskManagers: 2 }).executeJob(windowsUnderFailureJob, params, `windows-${fault}`);
    const terminated = (async () => {
      if (fault !== 'signal') return;
      const deadline = Date.now() + 60_000;
      while (!existsSync(marker) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
      await job.taskManagers!.terminate(terminate);
    })();
    const result = await job;
    await terminated;
    expect(existsSync(marker), 'the fault struck').to.equal(true);
    expect(result.status).to.equal('finished');
    expect(result.taskManagers).to.have.length(2);
    return { tumbling: sortRows(job.built.tumbling.records()), sliding: sortRows(job.built.sliding.records()), restarts: result.restarts, failures: job.failures().map((f) => f.error.message) };
  }

  for (const terminated of [1, 0]) {
    it(`task manager ${terminated} terminated with windows open (window state, timers and watermarks in both threads; task manager 0's source instance reached the fault): every tumbling and sliding window fires once, with exactly its records`, async () => {
      const r = await run('signal', terminated);
      expect(r.restarts).to.be.at.least(1);
      expect(r.failures).to.include(`task manager ${terminated} exited with code 1`);
      expect(r.tumbling).to.deep.equal(tumbling);
      expect(r.sliding).to.deep.equal(sliding);
    });
  }

  it('the source throwing in a task manager: restarted once, the same exact windows', async () => {
    const r = await run('throw');
    expect(r.restarts).to.equal(1);
    expect(r.failures.join('\n')).to.include(`injected failure at event ${EVENTS / 3}`);
    expect(r.tumbling).to.deep.equal(tumbling);
    expect(r.sliding).to.deep.equal(sliding);
  });
});
