import { expect } from 'chai';
import { sqlRefusal } from '../support/sqlRefusal';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'sluice-sql-set-'));
}

/** The lines of the committed part files of a FileSink directory, sorted. */
async function committedLines(dir: string): Promise<string[]> {
  const files = (await fs.readdir(dir)).filter((f) => !f.startsWith('.'));
  const texts = await Promise.all(files.map((f) => fs.readFile(path.join(dir, f), 'utf8')));
  return texts.flatMap((t) => t.split('\n').filter((l) => l !== '')).sort();
}

const ORDERS_CSV = ['ann,3,2024-01-01 00:00:01', 'bob,12,2024-01-01 00:00:02', 'ann,2,2024-01-01 00:00:04', 'eve,11,2024-01-01 00:00:08', 'cid,5,2024-01-01 00:00:12'];

/** A table environment with a csv table of orders and two file sinks; counts the jobs started and the sources in each. */
async function setUp(parallelism: number) {
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'orders.csv'), ORDERS_CSV.join('\n') + '\n');
  const env = StreamEnvironment.create({ parallelism });
  env.enableCheckpointing(20, 'exactly-once');
  const tEnv = TableEnvironment.create(env);
  const counter = { jobs: 0, sources: [] as number[] };
  tEnv.executeSql(`CREATE TABLE orders (customer STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'orders.csv')}', 'format' = 'csv')`);
  tEnv.executeSql(`CREATE TABLE big (customer STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'big')}', 'format' = 'json')`);
  tEnv.executeSql(`CREATE TABLE per_window (customer STRING, window_start TIMESTAMP(3), units BIGINT) WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'per_window')}', 'format' = 'json')`);
  const execute = env.execute.bind(env);
  env.execute = ((name?: string) => {
    counter.jobs++;
    counter.sources.push(env.graph.nodes.filter((n) => n.role.kind === 'source').length);
    return execute(name);
  }) as typeof env.execute;
  return { dir, env, tEnv, counter };
}

const BIG = ['{"customer":"bob","amount":12}', '{"customer":"eve","amount":11}'];
const PER_WINDOW = [
  '{"customer":"ann","window_start":"2024-01-01 00:00:00.000","units":5}',
  '{"customer":"bob","window_start":"2024-01-01 00:00:00.000","units":12}',
  '{"customer":"cid","window_start":"2024-01-01 00:00:10.000","units":5}',
  '{"customer":"eve","window_start":"2024-01-01 00:00:00.000","units":11}',
];
const WINDOWED = "SELECT customer, window_start, SUM(amount) AS units FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY customer, window_start, window_end";

describe('sql: a statement set runs several INSERT INTO as one job', function () {
  this.timeout(60_000);

  it('addInsertSql and addInsert: the exact rows in each sink, from one job with one source for the table both read', async () => {
    const { dir, tEnv, counter } = await setUp(2);
    const set = tEnv.createStatementSet();
    set.addInsertSql('INSERT INTO big SELECT customer, amount FROM orders WHERE amount >= 10');
    set.addInsert('per_window', tEnv.sqlQuery(WINDOWED));
    const plan = set.explain();
    expect(plan.split('\n\n').map((p) => p.split('\n')[0])).to.deep.equal(['Sink(table=[big], fields=[customer, amount])', 'Sink(table=[per_window], fields=[customer, window_start, units])']);
    const result = set.execute();
    expect(result.jobHandle!.jobName).to.equal('insert-into_big,per_window');
    await result.await();
    // One job, whose one source is the orders file (both inserts read it).
    expect(counter.jobs).to.equal(1);
    expect(counter.sources).to.deep.equal([1]);
    expect(await committedLines(path.join(dir, 'big'))).to.deep.equal(BIG);
    expect(await committedLines(path.join(dir, 'per_window'))).to.deep.equal(PER_WINDOW);
    expect(() => set.execute()).to.throw('the statement set is empty: add an INSERT INTO with addInsertSql or addInsert first');
  });

  it('EXECUTE STATEMENT SET BEGIN ... END in executeSql: the same one job and rows', async () => {
    const { dir, tEnv, counter } = await setUp(1);
    await tEnv
      .executeSql(
        `EXECUTE STATEMENT SET BEGIN
           INSERT INTO big SELECT customer, amount FROM orders WHERE amount >= 10;
           INSERT INTO per_window ${WINDOWED};
         END;`,
      )
      .await();
    // One job, whose one source is the orders file (both inserts read it).
    expect(counter.jobs).to.equal(1);
    expect(counter.sources).to.deep.equal([1]);
    expect(await committedLines(path.join(dir, 'big'))).to.deep.equal(BIG);
    expect(await committedLines(path.join(dir, 'per_window'))).to.deep.equal(PER_WINDOW);
  });

  it('a bad insert is refused when added; in EXECUTE STATEMENT SET every problem of every insert is listed, and nothing runs', async () => {
    const { tEnv, counter } = await setUp(1);
    const problems = sqlRefusal;
    const set = tEnv.createStatementSet();
    expect(problems(() => set.addInsertSql('SELECT * FROM orders'))).to.deep.equal(['1:1 addInsertSql takes an INSERT INTO statement']);
    const [unknown, ...more] = problems(() => set.addInsert('nope', tEnv.sqlQuery('SELECT customer FROM orders')));
    expect(more).to.deep.equal([]);
    // The list of known names also holds the unnamed tables of fromDataStream and sqlQuery.
    expect(unknown).to.match(/^1:1 unknown table 'nope' \(known: .*orders, big, per_window/);
    const [columns, table, ...rest] = problems(() =>
      tEnv.executeSql(`EXECUTE STATEMENT SET BEGIN
  INSERT INTO big SELECT customer FROM orders;
  INSERT INTO big SELECT customer, amount FROM ordrs;
END;`),
    );
    expect(rest).to.deep.equal([]);
    expect(columns).to.equal('2:3 INSERT INTO big: the query has 1 columns but the table has 2 (customer, amount)');
    expect(table).to.match(/^3:48 unknown table 'ordrs'/);
    expect(counter.jobs).to.equal(0);
  });
});
