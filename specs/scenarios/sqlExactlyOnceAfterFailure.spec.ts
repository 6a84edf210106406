import { expect } from 'chai';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CollectSink, StreamEnvironment, StreamEnvironmentOptions } from '../../src';
import { ChangelogRow, TableEnvironment } from '../../src/sql';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redisService';
import { foldChangelog, sortRows } from '../support/changelog';
import { purchase, referenceLastFour as lastFourOf, referenceTotals as totalsOf, referenceWindows as windowsOf } from '../support/purchases';

const EVENTS = 20_000;
const event = purchase;
const referenceTotals = () => totalsOf(EVENTS);
const referenceWindows = () => windowsOf(EVENTS);
const referenceLastFour = () => lastFourOf(EVENTS);

interface Run {
  rows: unknown[];
  restarts: number;
}

/** Runs the query over the generated events with exactly-once checkpoints; crashes `task` once, midway, when asked. */
async function runSql(sql: string, task: string | undefined, changelog: boolean, options: StreamEnvironmentOptions = {}): Promise<Run> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64, ...options });
  env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
  const tEnv = TableEnvironment.create(env);
  let job: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  const events = env.fromGenerator(EVENTS, (i) => {
    if (task !== undefined && i === EVENTS / 2 && !crashed) {
      crashed = true;
      job!.crashTask(task, 1);
    }
    return event(i);
  });
  tEnv.createTemporaryView('purchases', tEnv.fromDataStream(events, "`user` STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND"));
  const table = tEnv.sqlQuery(sql);
  const sink = new CollectSink<object>();
  if (changelog) table.toChangelogStream().sinkTo(sink);
  else table.toDataStream().sinkTo(sink);
  const handle = env.execute('sql under failure');
  job = handle;
  const result = await handle;
  const records = sink.records();
  return { rows: changelog ? foldChangelog(records as ChangelogRow[]) : sortRows(records), restarts: result.restarts };
}

/** Each purchase of 5 with each purchase of 1 by the same user in the second after it. */
function referenceFollowers(): unknown[] {
  const rows: unknown[] = [];
  const events = Array.from({ length: EVENTS }, (_, i) => event(i));
  for (const a of events.filter((e) => e.amount === 5)) {
    for (const b of events) if (b.amount === 1 && b.user === a.user && b.ts >= a.ts && b.ts <= a.ts + 1000) rows.push({ user: a.user, five: a.ts, single: b.ts });
  }
  return sortRows(rows);
}

describe('scenario: an exactly-once SQL job survives an injected failure with exact results', function () {
  this.timeout(120_000);

  it('GROUP BY: the changelog committed after a crash of the aggregation folds to the exact totals, nothing retracted twice', async () => {
    const sql = 'SELECT `user`, COUNT(*) AS n, SUM(amount) AS total FROM purchases GROUP BY `user`';
    const crashed = await runSql(sql, 'GroupAggregate', true);
    expect(crashed.restarts).to.equal(1);
    expect(crashed.rows).to.deep.equal(referenceTotals());
  });

  it('GROUP BY with its state in Redis (a 16-entry cache): the same exact totals after a crash', async function () {
    const url = await redisUrl(this);
    const prefix = uniquePrefix('sql-group');
    try {
      const sql = 'SELECT `user`, COUNT(*) AS n, SUM(amount) AS total FROM purchases GROUP BY `user`';
      const crashed = await runSql(sql, 'GroupAggregate', true, { stateBackend: { type: 'redis', url, keyPrefix: prefix, cacheSize: 16 } });
      expect(crashed.restarts).to.equal(1);
      expect(crashed.rows).to.deep.equal(referenceTotals());
    } finally {
      await dropPrefix(url, prefix);
    }
  });

  it('TUMBLE window aggregation: every window exactly once after a crash with windows open', async () => {
    const sql = "SELECT `user`, window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY `user`, window_start, window_end";
    const crashed = await runSql(sql, 'WindowAggregate', false);
    expect(crashed.restarts).to.equal(1);
    expect(crashed.rows).to.deep.equal(referenceWindows());
  });

  it('interval join: every joined row exactly once after a crash of the join with rows of both sides in its state (read back from their ids)', async () => {
    const sql = `SELECT a.\`user\`, a.ts AS five, b.ts AS single
      FROM (SELECT * FROM purchases WHERE amount = 5) AS a JOIN (SELECT * FROM purchases WHERE amount = 1) AS b
      ON a.\`user\` = b.\`user\` AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' SECOND`;
    const crashed = await runSql(sql, 'Join', false);
    expect(crashed.restarts).to.equal(1);
    const expected = referenceFollowers();
    expect(expected.length).to.be.above(1000);
    expect(crashed.rows).to.deep.equal(expected);
  });

  it('OVER aggregation (ROWS frame): every row exactly once, with its exact frame, after a crash with rows pending and frames held', async () => {
    const sql = 'SELECT `user`, ts, SUM(amount) OVER (PARTITION BY `user` ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS last4 FROM purchases';
    const crashed = await runSql(sql, 'OverAggregate', false);
    expect(crashed.restarts).to.equal(1);
    expect(crashed.rows).to.deep.equal(referenceLastFour());
  });

  it('OVER aggregation with its state in Redis (a 16-entry cache): the same exact rows after a crash', async function () {
    const url = await redisUrl(this);
    const prefix = uniquePrefix('sql-over');
    try {
      const sql = 'SELECT `user`, ts, SUM(amount) OVER (PARTITION BY `user` ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS last4 FROM purchases';
      const crashed = await runSql(sql, 'OverAggregate', false, { stateBackend: { type: 'redis', url, keyPrefix: prefix, cacheSize: 16 } });
      expect(crashed.restarts).to.equal(1);
      expect(crashed.rows).to.deep.equal(referenceLastFour());
    } finally {
      await dropPrefix(url, prefix);
    }
  });

  it('a statement set: two inserts in one job, each file sink exactly once after a crash of the window aggregation', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-sql-set-'));
    const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64 });
    env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
    const tEnv = TableEnvironment.create(env);
    let job: { crashTask(vertex: string, index: number): void } | undefined;
    let crashed = false;
    const events = env.fromGenerator(EVENTS, (i) => {
      if (i === EVENTS / 2 && !crashed) {
        crashed = true;
        job!.crashTask('WindowAggregate', 1);
      }
      return event(i);
    });
    tEnv.createTemporaryView('purchases', tEnv.fromDataStream(events, "`user` STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND"));
    tEnv.executeSql(`CREATE TABLE fives (\`user\` STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'fives')}', 'format' = 'json')`);
    tEnv.executeSql(`CREATE TABLE per_window (\`user\` STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'per_window')}', 'format' = 'json')`);
    const set = tEnv.createStatementSet();
    set.addInsertSql('INSERT INTO fives SELECT `user`, amount FROM purchases WHERE amount = 5');
    set.addInsertSql("INSERT INTO per_window SELECT `user`, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY `user`, window_start, window_end");
    const result = set.execute();
    job = result.jobHandle!;
    expect((await result.await())!.restarts).to.equal(1);
    const lines = async (sub: string) => {
      const files = (await fs.readdir(path.join(dir, sub))).filter((f) => !f.startsWith('.'));
      const texts = await Promise.all(files.map((f) => fs.readFile(path.join(dir, sub, f), 'utf8')));
      return texts.flatMap((t) => t.split('\n').filter((l) => l !== '')).sort();
    };
    const fives: string[] = [];
    for (let i = 0; i < EVENTS; i++) if (event(i).amount === 5) fives.push(JSON.stringify({ user: event(i).user, amount: 5 }));
    expect(await lines('fives')).to.deep.equal(fives.sort());
    const windows = (referenceWindows() as { user: string; n: number }[]).map((w) => JSON.stringify({ user: w.user, n: w.n }));
    expect(await lines('per_window')).to.deep.equal(windows.sort());
  });

  it('ORDER BY a time attribute: every row exactly once and in time order after a crash with rows waiting', async () => {
    const crashed = await runSqlInOrder();
    expect(crashed.restarts).to.equal(1);
    const times = crashed.records.map((r) => r.ts);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    const expected = Array.from({ length: EVENTS }, (_, i) => event(i)).map((e) => ({ user: e.user, ts: e.ts }));
    expect(sortRows(crashed.records)).to.deep.equal(sortRows(expected));
  });
});

/** SELECT ... ORDER BY ts over the generated events, crashing a temporal sort task once midway. */
async function runSqlInOrder(): Promise<{ records: { user: string; ts: number }[]; restarts: number }> {
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64 });
  env.enableCheckpointing(5, 'exactly-once').setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
  const tEnv = TableEnvironment.create(env);
  let job: { crashTask(vertex: string, index: number): void } | undefined;
  let crashed = false;
  const events = env.fromGenerator(EVENTS, (i) => {
    if (i === EVENTS / 2 && !crashed) {
      crashed = true;
      // Either task: the job restarts as a whole from the last checkpoint.
      job!.crashTask('TemporalSort', 1);
    }
    return event(i);
  });
  tEnv.createTemporaryView('purchases', tEnv.fromDataStream(events, "`user` STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND"));
  const sink = new CollectSink<{ user: string; ts: number }>();
  tEnv.sqlQuery('SELECT `user`, ts FROM purchases ORDER BY ts').toDataStream().sinkTo(sink as unknown as CollectSink<Record<string, unknown>>);
  const handle = env.execute('sql order by under failure');
  job = handle;
  const result = await handle;
  return { records: sink.records(), restarts: result.restarts };
}
