import { expect } from 'chai';
import fc from 'fast-check';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';
import { joinGroupsSerializer } from '../../src/sql/runtime/JoinGroupAggregateFunction';
import { HeldSource } from '../support/heldSource';
import { foldChangelog } from '../support/changelog';
import { expectFormerOperatorsRefused } from '../support/heldSqlJob';

/**
 * Nexmark q4's shape (an updating GROUP BY over a regular join, grouped by the join key) runs as
 * one operator that adds each joined row to its group where it is made (src/sql/
 * joinGroupAggregate.ts). Its results are checked against the join and the aggregation's
 * operator the same query runs on when the key column is written `A.id + 0` (not a bare column,
 * so not recognized). The changes between depend on how the two inputs interleave, so the runs
 * are compared by the tables their changelogs leave.
 */
interface Auction {
  id: number;
  category: number;
  dt: number;
  expires: number;
}
interface Bid {
  auction: number;
  price: number | null;
  ts: number;
}

const START = Date.UTC(2024, 0, 1);
const AUCTIONS = 'id INT, category INT, dt TIMESTAMP(3), expires TIMESTAMP(3)';
const BIDS = 'auction INT, price INT, ts TIMESTAMP(3)';

/** q4, with the join key's column in the inner GROUP BY written as `id`; `where` filters the joined rows. */
const query = (id: string, where = '') => `SELECT Q.category, AVG(CAST(Q.final AS DOUBLE)) AS average, COUNT(*) AS n
  FROM (SELECT MAX(B.price) AS final, COUNT(*) AS bids, A.category
        FROM a AS A JOIN b AS B ON A.id = B.auction AND B.ts BETWEEN A.dt AND A.expires ${where}
        GROUP BY ${id}, A.category) AS Q
  GROUP BY Q.category`;

/** The inner query alone: its groups' rows, each auction's highest and count of bids. */
const inner = (id: string) => `SELECT ${id} AS id, A.category, MAX(B.price) AS final, COUNT(*) AS bids, SUM(B.price) AS total
  FROM a AS A JOIN b AS B ON A.id = B.auction AND B.ts BETWEEN A.dt AND A.expires
  GROUP BY ${id}, A.category`;

/** Few ids, so that an id has several auctions (of one category or two) and a bid joins several. */
const auctions: fc.Arbitrary<Auction[]> = fc.array(
  fc.record({ id: fc.integer({ min: 0, max: 3 }), category: fc.integer({ min: 0, max: 2 }), start: fc.integer({ min: 0, max: 3000 }), length: fc.integer({ min: 0, max: 2000 }) }).map(({ id, category, start, length }) => ({ id, category, dt: START + start, expires: START + start + length })),
  { minLength: 2, maxLength: 12 },
);
const bids: fc.Arbitrary<Bid[]> = fc.array(
  fc.record({ auction: fc.integer({ min: 0, max: 3 }), price: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(null)), ts: fc.integer({ min: 0, max: 5000 }) }).map(({ auction, price, ts }) => ({ auction, price, ts: START + ts })),
  { minLength: 5, maxLength: 40 },
);

async function run(sql: string, a: readonly Auction[], b: readonly Bid[]): Promise<{ rows: Record<string, unknown>[]; operators: string[] }> {
  const env = StreamEnvironment.create({ parallelism: 1, batchSize: 2 });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('a', tEnv.fromDataStream(env.fromCollection([...a]), AUCTIONS));
  tEnv.createTemporaryView('b', tEnv.fromDataStream(env.fromCollection([...b]), BIDS));
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery(sql).toChangelogStream().sinkTo(sink);
  const operators = env.plan().tasks.flatMap((t) => t.chain.map((n) => n.name));
  await env.execute('join group aggregate');
  return { rows: foldChangelog(sink.records()), operators };
}

/** A savepoint of heldJob's query by the build before it ran as one operator: fixtures/formerJoinGroupSavepoint.js made it with main at aaee90b. */
const FORMER = path.join(__dirname, '../../../specs/sql/fixtures/formerJoinGroupSavepoint');

const auction = (i: number): Auction => ({ id: i % 7, category: i % 3, dt: START + i * 400 - 1500, expires: START + i * 400 + 2000 });
const bid = (i: number): Bid => ({ auction: i % 7, price: [3, 1, 4, 1, 5, 9, 2, 6][i % 8], ts: START + i * 150 });

/** q4 over 20 auctions and 60 bids, the sources holding after their first halves unless restored from a savepoint. */
function heldJob(restoreFrom: string | undefined, allowNonRestoredState = false) {
  const env = StreamEnvironment.create({ parallelism: 1, restoreFrom, allowNonRestoredState });
  env.enableCheckpointing(3_600_000, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  const held = <T>(source: GeneratorSource<T>, half: number) => (restoreFrom === undefined ? new HeldSource(source, half) : source);
  tEnv.createTemporaryView('a', tEnv.fromDataStream(env.fromSource(held(new GeneratorSource(20, auction), 10)), AUCTIONS));
  tEnv.createTemporaryView('b', tEnv.fromDataStream(env.fromSource(held(new GeneratorSource(60, bid), 30)), BIDS));
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery(query('A.id')).toChangelogStream().sinkTo(sink);
  return { job: env.execute('join group aggregate'), sink };
}

describe('sql/joinGroupAggregate: an updating aggregation over a regular join, grouped by the join key', function () {
  this.timeout(120_000);

  it("runs q4's shape as one operator named as the aggregation, and the same query with an expression for the key as the join and the aggregation", async () => {
    const input = [[auction(0)], [bid(0)]] as const;
    const fused = await run(query('A.id'), ...input);
    expect(fused.operators.filter((n) => n === 'GroupAggregate')).to.have.length(2);
    expect(fused.operators).not.to.include('Join INNER');
    const joined = await run(query('A.id + 0'), ...input);
    expect(joined.operators).to.include('Join INNER');
    expect(joined.operators.filter((n) => n === 'GroupAggregate')).to.have.length(2);
    expect(fused.rows).to.deep.equal(joined.rows);
  });

  it('leaves the table the join and the aggregation leave, for any inputs, with or without a filter between them', async () => {
    let groups = 0;
    await fc.assert(
      fc.asyncProperty(auctions, bids, fc.constantFrom('', 'AND B.price <> 4'), async (a, b, where) => {
        const expected = await run(query('A.id + 0', where), a, b);
        const got = await run(query('A.id', where), a, b);
        expect(got.operators).not.to.include('Join INNER');
        expect(got.rows).to.deep.equal(expected.rows);
        const expectedGroups = await run(inner('A.id + 0'), a, b);
        const gotGroups = await run(inner('A.id'), a, b);
        expect(gotGroups.rows).to.deep.equal(expectedGroups.rows);
        groups += expectedGroups.rows.length;
      }),
      { numRuns: 40 },
    );
    expect(groups, 'the runs aggregated joined rows').to.be.above(50);
  });

  it('writes a join key\'s groups as one JSON array and reads them back', () => {
    const groups = new Map([['#1', { n: 2, keys: [1, 0], accs: [5, 2], out: [1, 0, 5, 2] }]]);
    const text = joinGroupsSerializer.serialize(groups);
    expect(text).to.equal('[["#1",{"n":2,"keys":[1,0],"accs":[5,2],"out":[1,0,5,2]}]]');
    expect(joinGroupsSerializer.deserialize(text)).to.deep.equal({ _tag: 'Right', right: groups });
    expect(joinGroupsSerializer.deserialize('[["#1",{"n":2}]]')._tag).to.equal('Left');
  });

  it('restores its groups exactly from a savepoint: the rows joined before are aggregated with those joined after', async () => {
    const reference = await run(
      query('A.id + 0'),
      Array.from({ length: 20 }, (_, i) => auction(i)),
      Array.from({ length: 60 }, (_, i) => bid(i)),
    );
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-join-group-'));
    try {
      const first = heldJob(undefined);
      while (((await first.job.counters()).operators['GroupAggregate']?.recordsIn ?? 0) < 40) await new Promise((r) => setTimeout(r, 20));
      const { path: savepoint } = await first.job.stopWithSavepoint(path.join(dir, 'sp'), { drain: false });
      await first.job;
      const second = heldJob(savepoint);
      await second.job;
      expect(first.sink.records().length, 'rows before the savepoint').to.be.above(0);
      expect(foldChangelog(second.sink.records())).to.deep.equal(reference.rows);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a savepoint of the former plan (the join's and the aggregation's state), naming the join and what to do", async () => {
    await expectFormerOperatorsRefused(heldJob(FORMER), ['Join INNER#1']);
  });

  it("with allowNonRestoredState, drops the former state, the former aggregation's groups too: the join and its groups after the savepoint start empty", async () => {
    const { job, sink } = heldJob(FORMER, true);
    expect((await job).status).to.equal('finished');
    expect(sink.records().length).to.be.above(0);
  });
});
