import { expect } from 'chai';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow, ScalarFunction, TableEnvironment } from '../../src/sql';
import { FieldsRead } from '../../src/sql/fieldsRead';
import { PlanNode } from '../../src/sql/logicalPlan';
import { foldChangelog } from '../support/changelog';

const AUCTIONS = [
  { id: 1, item: 'lamp', category: 10, seller: 7, note: 'x'.repeat(40) },
  { id: 2, item: 'desk', category: 20, seller: 8, note: 'y'.repeat(40) },
  { id: 3, item: 'sofa', category: 10, seller: 7, note: 'z'.repeat(40) },
];
const BIDS = [
  { auction: 1, bidder: 100, price: 5, extra: 'a'.repeat(60) },
  { auction: 1, bidder: 101, price: 9, extra: 'b'.repeat(60) },
  { auction: 2, bidder: 100, price: 4, extra: 'c'.repeat(60) },
  { auction: 3, bidder: 102, price: 7, extra: 'd'.repeat(60) },
  { auction: 4, bidder: 103, price: 1, extra: 'e'.repeat(60) },
];

function tableEnv() {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('auction', tEnv.fromDataStream(env.fromCollection(AUCTIONS), 'id INT, item STRING, category INT, seller INT, note STRING'));
  tEnv.createTemporaryView('bid', tEnv.fromDataStream(env.fromCollection(BIDS), 'auction INT, bidder INT, price INT, extra STRING'));
  return { env, tEnv };
}

function joinOf(plan: PlanNode): Extract<PlanNode, { kind: 'join' }> {
  if (plan.kind === 'join') return plan;
  if ('input' in plan) return joinOf(plan.input);
  throw new Error(`no join under ${plan.kind}`);
}

async function changelog(env: StreamEnvironment, tEnv: TableEnvironment, sql: string): Promise<Record<string, unknown>[]> {
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery(sql).toChangelogStream().sinkTo(sink);
  await env.execute('fields read');
  return foldChangelog(sink.records());
}

describe('sql/fieldsRead: a join keeps only the fields of its inputs that are read', function () {
  this.timeout(30_000);

  it('keeps the keys, the fields of ON and those the query reads above the join, of each side (Nexmark q4 kept every column)', () => {
    const { tEnv } = tableEnv();
    const plan = tEnv.sqlQuery(
      `SELECT Q.category, AVG(Q.final) AS average
       FROM (SELECT MAX(B.price) AS final, A.category FROM auction AS A JOIN bid AS B ON A.id = B.auction AND B.bidder > A.seller GROUP BY A.id, A.category) AS Q
       GROUP BY Q.category`,
    ).plan;
    const [left, right] = new FieldsRead(plan).ofJoinInputs(joinOf(plan));
    // auction: id, item, category, seller, note
    expect(left).to.deep.equal([true, false, true, true, false]);
    // bid: auction, bidder, price, extra
    expect(right).to.deep.equal([true, true, true, false]);
  });

  it('keeps every field of a join at the root, and those an expression reads through a function', () => {
    const { tEnv } = tableEnv();
    const root = tEnv.sqlQuery('SELECT * FROM auction AS A JOIN bid AS B ON A.id = B.auction').plan;
    expect(new FieldsRead(root).ofJoinInputs(joinOf(root))).to.deep.equal([
      [true, true, true, true, true],
      [true, true, true, true],
    ]);
    tEnv.createTemporarySystemFunction('SHOUT', ScalarFunction.of('STRING', (s: unknown) => String(s).toUpperCase()));
    const called = tEnv.sqlQuery('SELECT SHOUT(A.item) AS item, B.price FROM auction AS A JOIN bid AS B ON A.id = B.auction').plan;
    expect(new FieldsRead(called).ofJoinInputs(joinOf(called))).to.deep.equal([
      [true, true, false, false, false],
      [true, false, true, false],
    ]);
  });

  it('gives the exact rows of an inner, a left and a right join whose inputs are narrowed', async () => {
    const inner = tableEnv();
    expect(await changelog(inner.env, inner.tEnv, 'SELECT A.item, B.price FROM auction AS A JOIN bid AS B ON A.id = B.auction WHERE B.bidder <> 101')).to.deep.equal([
      { item: 'desk', price: 4 },
      { item: 'lamp', price: 5 },
      { item: 'sofa', price: 7 },
    ]);
    const leftJoin = tableEnv();
    expect(await changelog(leftJoin.env, leftJoin.tEnv, 'SELECT B.auction, A.category FROM bid AS B LEFT JOIN auction AS A ON A.id = B.auction AND A.seller = 7')).to.deep.equal([
      { auction: 1, category: 10 },
      { auction: 1, category: 10 },
      { auction: 2, category: null },
      { auction: 3, category: 10 },
      { auction: 4, category: null },
    ]);
    const rightJoin = tableEnv();
    expect(await changelog(rightJoin.env, rightJoin.tEnv, 'SELECT A.item, COUNT(B.bidder) AS bids FROM bid AS B RIGHT JOIN auction AS A ON A.id = B.auction GROUP BY A.item')).to.deep.equal([
      { item: 'desk', bids: 1 },
      { item: 'lamp', bids: 2 },
      { item: 'sofa', bids: 1 },
    ]);
  });
});
