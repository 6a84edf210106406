import { expect } from 'chai';
import * as path from 'path';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';

/**
 * A savepoint of a SQL join written by the build before joins filtered first and kept fewer
 * fields (fixtures/formerJoinSavepoint.js made it with main at 421c387): its join state holds
 * whole rows, auctions of category 20 among them, which the WHERE now drops before the join.
 */
const FORMER = path.join(__dirname, '../../../specs/sql/fixtures/formerJoinSavepoint');

const auction = (i: number) => ({ id: i + 1, category: i % 2 === 0 ? 10 : 20, seller: 7 + (i % 3) });
const person = (i: number) => ({ id: 7 + (i % 3), name: `p${i}` });

/** The fixture's job, restored from it (its sources read on from their halves). */
function restored(allowNonRestoredState: boolean) {
  const env = StreamEnvironment.create({ parallelism: 1, restoreFrom: FORMER, allowNonRestoredState });
  env.enableCheckpointing(3_600_000, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('auction', tEnv.fromDataStream(env.fromSource(new GeneratorSource(8, auction)), 'id INT, category INT, seller INT'));
  tEnv.createTemporaryView('person', tEnv.fromDataStream(env.fromSource(new GeneratorSource(6, person)), 'id INT, name STRING'));
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery('SELECT A.id AS auction, P.name AS name FROM auction AS A JOIN person AS P ON A.seller = P.id WHERE A.category = 10').toChangelogStream().sinkTo(sink);
  return { job: env.execute('former join state'), sink };
}

describe('sql: join state of the former shape (whole rows) is refused at restore', function () {
  this.timeout(30_000);

  it('fails the job before it runs, naming the join, what its state is and what to do', async () => {
    const { job, sink } = restored(false);
    const error = await job.then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).to.equal(
      `cannot restore job '${job.jobId}': checkpoint 1 cannot be restored: operator 'Join INNER' (uid 'Join INNER#1') holds state 'join-left', 'join-right' of an earlier shape: ` +
        "it is a SQL join's state from an earlier Sluice, which kept whole rows, including those its WHERE now filters out before the join; " +
        'this join keeps only the fields the query reads, and restored whole rows would join rows the query drops and not be retracted. ' +
        'Start the job afresh (without restoreFrom and without its former checkpoints), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state (those operators then start empty)',
    );
    expect(sink.records()).to.deep.equal([]);
  });

  it('with allowNonRestoredState, drops it: the join starts empty and joins only the rows read after the savepoint', async () => {
    const { job, sink } = restored(true);
    const result = await job;
    expect(result.status).to.equal('finished');
    // The savepoint's pending transaction (auctions 1 and 3) commits first; then auctions 5..8
    // with persons 3..5 (ids 7, 8, 9): auction 5 (seller 8) and 7 (seller 7) are of category 10.
    expect(sink.records().map((r) => r.row)).to.have.deep.members([
      { auction: 1, name: 'p0' },
      { auction: 3, name: 'p2' },
      { auction: 5, name: 'p4' },
      { auction: 7, name: 'p3' },
    ]);
    expect(sink.records()).to.have.length(4);
  });
});
