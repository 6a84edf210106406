/**
 * A SQL job whose sources hold after part of their input (HeldSource), as the specs of operators
 * that replace a plan's shape run it: stopped with a savepoint, restored from it, or refused a
 * savepoint of the former plan.
 */
import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow } from '../../src/sql';
import { sortRows } from './changelog';

export interface HeldSqlJob {
  readonly job: ReturnType<StreamEnvironment['execute']>;
  readonly sink: CollectSink<ChangelogRow>;
}

/**
 * Runs the job until `operator` read `recordsIn` records, stops it with a savepoint, restores it
 * from that (its sources read on to the end), and checks the restored run's rows (the first
 * run's, committed again from the savepoint, then its own) against `reference`: some before the
 * savepoint and some after.
 */
export async function expectRestoredExactly(heldJob: (restoreFrom: string | undefined) => HeldSqlJob, operator: string, recordsIn: number, reference: readonly unknown[]): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-held-sql-'));
  try {
    const first = heldJob(undefined);
    while (((await first.job.counters()).operators[operator]?.recordsIn ?? 0) < recordsIn) await new Promise((r) => setTimeout(r, 20));
    const { path: savepoint } = await first.job.stopWithSavepoint(path.join(dir, 'sp'), { drain: false });
    await first.job;
    const second = heldJob(savepoint);
    await second.job;
    expect(reference.length).to.be.above(5);
    expect(first.sink.records().length, 'rows before the savepoint').to.be.above(0);
    expect(first.sink.records().length, 'rows after the restore').to.be.below(reference.length);
    expect(sortRows(second.sink.records().map((r) => r.row))).to.deep.equal(reference);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The job, restored from a savepoint of the former plan, is refused naming the former operators' uids, and writes nothing. */
export async function expectFormerOperatorsRefused({ job, sink }: HeldSqlJob, uids: readonly string[]): Promise<void> {
  const error = await job.then(() => undefined, (e: unknown) => e as Error);
  expect(error?.message).to.equal(
    `cannot restore job '${job.jobId}': checkpoint 1 holds state of operators this job does not have: uid ${uids.map((u) => `'${u}'`).join(', ')}. ` +
      'Give the operators back their former uids with .uid(...), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state',
  );
  expect(sink.records()).to.deep.equal([]);
}
