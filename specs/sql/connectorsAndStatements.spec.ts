import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src';
import { SqlDeadLetter, TableEnvironment } from '../../src/sql';
import { sortRows } from '../support/changelog';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'sluice-sql-'));
}

/** The lines of the committed part files of a FileSink directory. */
async function committedLines(dir: string): Promise<string[]> {
  const files = (await fs.readdir(dir)).filter((f) => !f.startsWith('.'));
  const texts = await Promise.all(files.map((f) => fs.readFile(path.join(dir, f), 'utf8')));
  return texts.flatMap((t) => t.split('\n').filter((l) => l !== '')).sort();
}

const CSV = ['ann,3,2024-01-01 00:00:01', 'bob,1,2024-01-01 00:00:02', 'not a row', 'ann,2,2024-01-01 00:00:04', 'bob,x,2024-01-01 00:00:05', 'cid,5,2024-01-01 00:00:12'];

describe('sql: connectors and statements', function () {
  this.timeout(30_000);

  it('CREATE TABLE over csv files with a computed column and a watermark, INSERT INTO a filesystem table (json), exactly once', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'in.csv'), CSV.join('\n') + '\n');
    const env = StreamEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(50, 'exactly-once');
    const tEnv = TableEnvironment.create(env);
    tEnv.executeSql(`CREATE TABLE purchases (
      customer STRING,
      amount INT,
      ts TIMESTAMP(3),
      big AS amount >= 3,
      WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
    ) WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'in.csv')}', 'format' = 'csv')`);
    tEnv.executeSql(`CREATE TABLE per_window (customer STRING, window_start TIMESTAMP(3), units BIGINT, big_ones BIGINT)
      WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'out')}', 'format' = 'json')`);
    tEnv.executeSql(`CREATE TEMPORARY VIEW windowed AS
      SELECT customer, window_start, SUM(amount) AS units, COUNT(CASE WHEN big THEN 1 END) AS big_ones
      FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY customer, window_start, window_end`);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(chunk), true)) as typeof process.stderr.write;
    try {
      await tEnv.executeSql('INSERT INTO per_window SELECT * FROM windowed').await();
    } finally {
      process.stderr.write = write;
    }
    expect(await committedLines(path.join(dir, 'out'))).to.deep.equal([
      '{"customer":"ann","window_start":"2024-01-01 00:00:00.000","units":5,"big_ones":1}',
      '{"customer":"bob","window_start":"2024-01-01 00:00:00.000","units":1,"big_ones":0}',
      '{"customer":"cid","window_start":"2024-01-01 00:00:10.000","units":5,"big_ones":1}',
    ]);
    // The two bad lines went to standard error as dead letters, with the reason.
    const deadLetters = errors.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as SqlDeadLetter);
    expect(sortRows(deadLetters)).to.deep.equal(
      sortRows([
        { table: 'purchases', input: 'not a row', reason: 'expected 3 fields, found 1' },
        { table: 'purchases', input: 'bob,x,2024-01-01 00:00:05', reason: 'column \'amount\': "x" is not of type INT' },
      ]),
    );
  });

  it('tEnv.deadLetters() gives the input a query could not decode', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'in.json'), '{"name":"a","n":1}\n{"name":"b","n":"two"}\n[1]\n');
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.executeSql(`CREATE TABLE t (name STRING, n INT) WITH ('connector' = 'filesystem', 'path' = '${dir}', 'format' = 'json')`);
    const rows = tEnv.sqlQuery('SELECT name, n * 10 AS n10 FROM t').toDataStream();
    const dead = tEnv.deadLetters();
    const deadSink = new (await import('../../src')).CollectSink<SqlDeadLetter>();
    dead.sinkTo(deadSink);
    expect(await rows.executeAndCollect()).to.deep.equal([{ name: 'a', n10: 10 }]);
    expect(deadSink.records()).to.deep.equal([
      { table: 't', input: '{"name":"b","n":"two"}', reason: 'column \'n\': "two" is not of type INT' },
      { table: 't', input: '[1]', reason: 'not a JSON object' },
    ]);
  });

  it('datagen: sequences and repeatable random values, bounded by number-of-rows', async () => {
    const run = async () => {
      const env = StreamEnvironment.create({ parallelism: 2 });
      const tEnv = TableEnvironment.create(env);
      tEnv.executeSql(`CREATE TABLE gen (id BIGINT, score INT, name STRING) WITH (
        'connector' = 'datagen', 'number-of-rows' = '100',
        'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000',
        'fields.score.min' = '10', 'fields.score.max' = '20', 'fields.name.length' = '5')`);
      return tEnv.sqlQuery('SELECT id, score, name FROM gen').toDataStream().executeAndCollect();
    };
    const rows = sortRows(await run());
    expect(rows.map((r) => r.id).sort((a, b) => (a as number) - (b as number))).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(rows.every((r) => (r.score as number) >= 10 && (r.score as number) <= 20 && (r.name as string).length === 5)).to.equal(true);
    expect(sortRows(await run())).to.deep.equal(rows);
  });

  it("datagen's rows-per-second holds the source to that rate", async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const tEnv = TableEnvironment.create(env);
    tEnv.executeSql("CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '60', 'rows-per-second' = '200', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '60')");
    const started = Date.now();
    const rows = await tEnv.sqlQuery('SELECT id FROM gen').toDataStream().executeAndCollect();
    expect(rows.length).to.equal(60);
    // 60 rows at 200 a second cannot be read in less than about 300 ms (the first of each instance comes at once).
    expect(Date.now() - started).to.be.at.least(280);
  });

  it("the print connector writes each change as Flink does: +I[...], -U[...], +U[...]", async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.executeSql("CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3')");
    tEnv.executeSql("CREATE TABLE `out` (parity INT, n BIGINT) WITH ('connector' = 'print')");
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stdout.write;
    try {
      await tEnv.executeSql('INSERT INTO `out` SELECT MOD(id, 2) AS parity, COUNT(*) FROM gen GROUP BY MOD(id, 2)').await();
    } finally {
      process.stdout.write = write;
    }
    expect(lines.join('').split('\n').filter((l) => l !== '')).to.deep.equal(['+I[1, 1]', '+I[0, 1]', '-U[1, 1]', '+U[1, 2]']);
  });

  it('executeSql runs a SELECT and collects its changes', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.executeSql("CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '4', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4')");
    expect(await tEnv.executeSql('SELECT id * 2 AS twice FROM gen WHERE id > 2').collect!()).to.deep.equal([
      { kind: '+I', row: { twice: 6 } },
      { kind: '+I', row: { twice: 8 } },
    ]);
  });

  it('refuses a stream of a job already executed, saying to build it again', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    const table = tEnv.fromDataStream(env.fromCollection([{ a: 1 }]), 'a INT');
    expect(await table.toDataStream().executeAndCollect()).to.deep.equal([{ a: 1 }]);
    expect(() => tEnv.sqlQuery(`SELECT a FROM ${table}`).toDataStream()).to.throw(/already executed; build the stream again/);
  });

  it('EXPLAIN prints the plan, the root first', () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tEnv = TableEnvironment.create(env);
    tEnv.executeSql("CREATE TABLE bids (item STRING, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH ('connector' = 'datagen')");
    tEnv.executeSql("CREATE TABLE `out` (item STRING, n BIGINT) WITH ('connector' = 'blackhole')");
    const result = tEnv.executeSql("EXPLAIN INSERT INTO `out` SELECT item, COUNT(*) FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) WHERE price > 1 GROUP BY item, window_start, window_end");
    expect(result.explanation).to.equal(
      [
        'Sink(table=[out], fields=[item, EXPR$1])',
        '+- Calc(select=[item, EXPR$4 AS EXPR$1])',
        '   +- WindowAggregate(HOP(slide=2000ms, size=10000ms), time=[ts], groupBy=[item], select=[COUNT(*)])',
        '      +- Calc(select=[item, price, ts], where=[(price > 1)])',
        '         +- TableSourceScan(table=[bids], fields=[item, price, ts], watermark=[ts - 2000ms])',
      ].join('\n'),
    );
    expect(tEnv.explainSql('SELECT item, COUNT(*) AS n FROM bids GROUP BY item')).to.equal(
      ['Calc(select=[item, EXPR$1 AS n]) [changelog]', '+- GroupAggregate(groupBy=[item], select=[COUNT(*)]) [changelog]', '   +- TableSourceScan(table=[bids], fields=[item, price, ts], watermark=[ts - 2000ms])'].join('\n'),
    );
  });
});
