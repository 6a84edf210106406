import { expect } from 'chai';
import { CollectSink, StreamEnvironment } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { foldChangelog } from '../support/changelog';

const AUCTIONS = [
  { id: 1, category: 10, seller: 7 },
  { id: 2, category: 20, seller: 8 },
  { id: 3, category: 10, seller: 9 },
  { id: 4, category: 10, seller: 8 },
];
const PERSONS = [
  { id: 7, state: 'OR' },
  { id: 8, state: 'CA' },
  { id: 9, state: 'WA' },
];

function tableEnv() {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('auction', tEnv.fromDataStream(env.fromCollection(AUCTIONS), 'id INT, category INT, seller INT'));
  tEnv.createTemporaryView('person', tEnv.fromDataStream(env.fromCollection(PERSONS), 'id INT, state STRING'));
  return { env, tEnv };
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const { env, tEnv } = tableEnv();
  const sink = new CollectSink<ChangelogRow>();
  tEnv.sqlQuery(sql).toChangelogStream().sinkTo(sink);
  await env.execute('push down');
  return foldChangelog(sink.records());
}

const Q3 = `SELECT P.id AS person, A.id AS auction FROM auction AS A JOIN person AS P ON A.seller = P.id
            WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'CA') AND A.id <> P.id - 4`;

describe('sql: the parts of a WHERE over an inner join that read one side are filters under that side', function () {
  this.timeout(30_000);

  it('plans each side\'s conditions under it and keeps the condition on both sides above the join (Nexmark q3)', () => {
    const { tEnv } = tableEnv();
    expect(tEnv.explainSql(Q3)).to.equal(
      [
        'Calc(select=[P.id AS person, A.id AS auction], where=[(A.id <> (P.id - 4))])',
        '+- Join(joinType=[INNER], where=[seller = id])',
        '   +- Calc(select=[id, category, seller], where=[(A.category = 10)])',
        '      +- TableSourceScan(table=[UnnamedTable$0], fields=[id, category, seller])',
        "   +- Calc(select=[id, state], where=[((P.state = 'OR') OR (P.state = 'CA'))])",
        '      +- TableSourceScan(table=[UnnamedTable$1], fields=[id, state])',
      ].join('\n'),
    );
  });

  it('gives the rows the WHERE after the join gives', async () => {
    expect(await rows(Q3)).to.deep.equal([
      { person: 7, auction: 1 },
    ]);
    expect(await rows("SELECT P.id AS person, A.id AS auction FROM auction AS A JOIN person AS P ON A.seller = P.id WHERE A.category = 10 AND P.state <> 'WA'")).to.deep.equal([
      { person: 7, auction: 1 },
      { person: 8, auction: 4 },
    ]);
  });

  it('leaves the WHERE over a LEFT JOIN above it (a filter under the padded side would pad rows the WHERE drops)', () => {
    const { tEnv } = tableEnv();
    const plan = tEnv.explainSql("SELECT A.id, P.state FROM auction AS A LEFT JOIN person AS P ON A.seller = P.id WHERE P.state = 'OR'");
    expect(plan.split('\n')[0]).to.equal("Calc(select=[A.id AS id, P.state AS state], where=[(P.state = 'OR')]) [changelog]");
    expect(plan).not.to.match(/Calc\(select=\[id, state\], where/);
  });
});
