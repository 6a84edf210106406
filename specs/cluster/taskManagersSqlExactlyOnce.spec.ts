import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { ChangelogRow } from '../../src/sql';
import { foldChangelog, sortRows } from '../support/changelog';
import { referenceLastFour, referenceTotals, referenceWindows } from '../support/purchases';
import { SqlUnderFailureParams, sqlUnderFailureJob } from './fixtures/sqlUnderFailureJob';

const EVENTS = 20_000;

describe('cluster/taskManagers: an exactly-once SQL job on 2 task managers survives a task manager terminated mid-stream with exact results (issue 17)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sluice-tm-sql-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `query`; once the halfway purchase is reached, task manager 1 (the aggregation's instance 1 and a source's) is terminated, or the source throws there. */
  async function run(query: SqlUnderFailureParams['query'], fault: SqlUnderFailureParams['fault'] = 'signal') {
    const marker = path.join(dir, `fault-${query}`);
    const params: SqlUnderFailureParams = { events: EVENTS, query, fault, at: EVENTS / 2, marker };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 64, taskManagers: 2 }).executeJob(sqlUnderFailureJob, params, `sql-${query}`);
    const terminated = (async () => {
      if (fault !== 'signal') return;
      const deadline = Date.now() + 60_000;
      while (!existsSync(marker) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
      await job.taskManagers!.terminate(1);
    })();
    const result = await job;
    await terminated;
    expect(existsSync(marker), 'the fault struck').to.equal(true);
    expect(result.status).to.equal('finished');
    expect(result.taskManagers).to.have.length(2);
    const records = job.built.records();
    return { rows: query === 'groupBy' ? foldChangelog(records as ChangelogRow[]) : sortRows(records), restarts: result.restarts, failures: job.failures().map((f) => f.error.message) };
  }

  it('GROUP BY: the changelog committed after a task manager was terminated folds to the exact totals, nothing retracted twice', async () => {
    const r = await run('groupBy');
    expect(r.restarts).to.be.at.least(1);
    expect(r.failures).to.include('task manager 1 exited with code 1');
    expect(r.rows).to.deep.equal(referenceTotals(EVENTS));
  });

  it('TUMBLE window aggregation: every window exactly once after a task manager was terminated with windows open', async () => {
    const r = await run('tumble');
    expect(r.restarts).to.be.at.least(1);
    expect(r.rows).to.deep.equal(referenceWindows(EVENTS));
  });

  it('OVER aggregation (ROWS frame): every row exactly once, with its exact frame, after a task manager was terminated with rows pending', async () => {
    const r = await run('over');
    expect(r.restarts).to.be.at.least(1);
    expect(r.rows).to.deep.equal(referenceLastFour(EVENTS));
  });

  it('GROUP BY, the source throwing in a task manager: restarted, the exact totals', async () => {
    const r = await run('groupBy', 'throw');
    expect(r.restarts).to.equal(1);
    expect(r.failures.join('\n')).to.include(`injected failure at purchase ${EVENTS / 2}`);
    expect(r.rows).to.deep.equal(referenceTotals(EVENTS));
  });
});
