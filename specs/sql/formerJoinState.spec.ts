import { expect } from 'chai';
import * as path from 'path';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';
import { HeldSource } from '../support/heldSource';
import { promises as fs } from 'fs';
import * as os from 'os';

/**
 * A savepoint of a SQL join written by the build before joins filtered first and kept fewer
 * fields (fixtures/formerJoinSavepoint.js made it with main at 421c387): its join state holds
 * whole rows, auctions of category 20 among them, which the WHERE now drops before the join.
 */
const FORMER = path.join(__dirname, '../../../specs/sql/fixtures/formerJoinSavepoint');

/**
 * A savepoint of the same job written by the build before an insert-only side was kept as a
 * list (fixtures/formerJoinSavepoint.js made it with main at 08c4fee): its join state is each
 * side's rows under their JSON text, 'join-left-kept' and 'join-right-kept'.
 */
const FORMER_MAP = path.join(__dirname, '../../../specs/sql/fixtures/formerJoinMapSavepoint');

/**
 * A savepoint of the same job written by the build before a list side stored its rows narrow
 * (fixtures/formerJoinSavepoint.js made it with main at aaee90b): the auctions' list holds rows
 * as wide as the input, NULL in the field the join does not read ([1, null, 7]); read, they are
 * narrowed.
 */
const FORMER_LIST = path.join(__dirname, '../../../specs/sql/fixtures/formerJoinListSavepoint');

/** The refusal's reason for this job's join, whose two sides are insert-only. */
const WHY =
  "it is a SQL join's state from an earlier Sluice: 'join-left' and 'join-right' kept whole rows, including those its WHERE now filters out before the join, " +
  "and 'join-left-kept' and 'join-right-kept' kept each row of an insert-only side under its JSON text, where this join keeps them as a list of rows ('join-left-rows' and 'join-right-rows') and would start without them";
const WHAT_TO_DO =
  'Start the job afresh (without restoreFrom and without its former checkpoints), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state (those operators then start empty)';

const auction = (i: number) => ({ id: i + 1, category: i % 2 === 0 ? 10 : 20, seller: 7 + (i % 3) });
const person = (i: number) => ({ id: 7 + (i % 3), name: `p${i}` });

/** The fixture's job: restored from `restoreFrom`, its sources read on from their halves; else holding after them. */
function restored(allowNonRestoredState: boolean, restoreFrom: string | undefined) {
  const env = StreamEnvironment.create({ parallelism: 1, restoreFrom, allowNonRestoredState });
  env.enableCheckpointing(3_600_000, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  const held = <T>(source: GeneratorSource<T>, half: number) => (restoreFrom === undefined ? new HeldSource(source, half) : source);
  tEnv.createTemporaryView('auction', tEnv.fromDataStream(env.fromSource(held(new GeneratorSource(8, auction), 4)), 'id INT, category INT, seller INT'));
  tEnv.createTemporaryView('person', tEnv.fromDataStream(env.fromSource(held(new GeneratorSource(6, person), 3)), 'id INT, name STRING'));
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery('SELECT A.id AS auction, P.name AS name FROM auction AS A JOIN person AS P ON A.seller = P.id WHERE A.category = 10').toChangelogStream().sinkTo(sink);
  return { job: env.execute('former join state'), sink };
}

/**
 * The restored job's rows: the savepoint's transaction commits again from it (its sink is
 * another), then: stored before, auctions 1 (seller 7) and 3 (seller 9), persons p0 (7), p1 (8),
 * p2 (9); after, auction 5 (seller 8) joins p1 and p4, auction 7 (seller 7) joins p0 and p3, and
 * p3, p4, p5 join the stored auctions 1 and 3. Category 20 (2, 4, 6, 8) joins nothing.
 */
function expectRestoredRows(records: readonly ChangelogRow[]): void {
  expect(records.map((r) => r.row)).to.have.deep.members([
    { auction: 1, name: 'p0' },
    { auction: 3, name: 'p2' },
    { auction: 5, name: 'p1' },
    { auction: 5, name: 'p4' },
    { auction: 7, name: 'p0' },
    { auction: 7, name: 'p3' },
    { auction: 1, name: 'p3' },
    { auction: 3, name: 'p5' },
  ]);
  expect(records).to.have.length(8);
}

describe('sql: join state of a former shape (whole rows, or rows under their text) is refused at restore', function () {
  this.timeout(30_000);

  const formers = [
    { savepoint: FORMER, state: "'join-left', 'join-right'", what: 'whole rows' },
    { savepoint: FORMER_MAP, state: "'join-left-kept', 'join-right-kept'", what: "each side's rows under their JSON text, which this build keeps as lists" },
  ];
  for (const { savepoint, state, what } of formers) {
    it(`fails the job before it runs, naming the join, its state (${what}) and what to do`, async () => {
      const { job, sink } = restored(false, savepoint);
      const error = await job.then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.equal(`cannot restore job '${job.jobId}': checkpoint 1 cannot be restored: operator 'Join INNER' (uid 'Join INNER#1') holds state ${state} of an earlier shape: ${WHY}. ${WHAT_TO_DO}`);
      expect(sink.records()).to.deep.equal([]);
    });

    it(`with allowNonRestoredState, drops it (${what}): the join starts empty and joins only the rows read after the savepoint`, async () => {
      const { job, sink } = restored(true, savepoint);
      expect((await job).status).to.equal('finished');
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
  }

  it("restores this build's join state exactly: the rows of the first halves join those read after the savepoint", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-join-state-'));
    try {
      const first = restored(false, undefined);
      while (((await first.job.counters()).operators['Join INNER']?.recordsOut ?? 0) < 2) await new Promise((r) => setTimeout(r, 20));
      const { path: savepoint } = await first.job.stopWithSavepoint(path.join(dir, 'sp'), { drain: false });
      await first.job;
      const { job, sink } = restored(false, savepoint);
      await job;
      expect(first.sink.records().map((r) => r.row)).to.have.deep.members([{ auction: 1, name: 'p0' }, { auction: 3, name: 'p2' }]);
      expectRestoredRows(sink.records());
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('restores exactly a savepoint whose lists hold rows as wide as the input (before rows were stored narrow)', async () => {
    const { job, sink } = restored(false, FORMER_LIST);
    await job;
    expectRestoredRows(sink.records());
  });
});
