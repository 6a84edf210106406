/**
 * docs/sql.md: the table environment, a changelog, a window aggregation, window attributes, window Top-N, OVER
 * aggregations, ORDER BY and LIMIT, MATCH_RECOGNIZE, a statement set, a user-defined function, batch mode, EXPLAIN and a refused query,
 * the Table API, each checked.
 * Run: node build/samples/docs-examples/sql.js
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StreamEnvironment } from '../../src';
import { $, ChangelogRow, lit, ScalarFunction, SqlValidationError, TableApiValidationError, TableEnvironment, Tumble } from '../../src/sql';

const ORDERS_CSV = [
  'ann,3,2024-01-01 00:00:01',
  'bob,12,2024-01-01 00:00:02',
  'ann,2,2024-01-01 00:00:04',
  'eve,1,2024-01-01 00:00:08',
  'dan,5,2024-01-01 00:00:09',
  'cid,5,2024-01-01 00:00:12',
  'bob,1,2024-01-01 00:00:13',
];
const T0 = Date.UTC(2024, 0, 1);

async function ordersTable(mode: 'streaming' | 'batch' = 'streaming'): Promise<TableEnvironment> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-sql-docs-'));
  await fs.writeFile(path.join(dir, 'orders.csv'), ORDERS_CSV.join('\n'));
  const env = StreamEnvironment.create({ parallelism: 1 });
  const tEnv = TableEnvironment.create(env, { mode });
  tEnv.executeSql(`CREATE TABLE orders (
      customer STRING,
      amount   INT,
      ts       TIMESTAMP(3),
      big AS amount >= 10,
      WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
    ) WITH ('connector' = 'filesystem', 'path' = '${path.join(dir, 'orders.csv')}', 'format' = 'csv')`);
  return tEnv;
}

/** A GROUP BY updates its results: the changelog. */
export async function changelog(): Promise<ChangelogRow[]> {
  const tEnv = await ordersTable();
  const totals = tEnv.sqlQuery('SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer');
  const changes = await totals.toChangelogStream().executeAndCollect();
  assert.deepEqual(
    changes.filter((c) => c.row.customer === 'ann'),
    [
      { kind: '+I', row: { customer: 'ann', total: 3 } },
      { kind: '-U', row: { customer: 'ann', total: 3 } },
      { kind: '+U', row: { customer: 'ann', total: 5 } },
    ],
  );
  return changes;
}

/** A window aggregation and a window Top-N: final rows, append-only. */
export async function windows(): Promise<void> {
  const tEnv = await ordersTable();
  const top = await tEnv
    .sqlQuery(
      `SELECT * FROM (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY units DESC) AS rownum
         FROM (SELECT customer, window_start, window_end, SUM(amount) AS units
               FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
               GROUP BY customer, window_start, window_end))
       WHERE rownum <= 1`,
    )
    .toDataStream()
    .executeAndCollect();
  assert.deepEqual(top, [
    { customer: 'bob', window_start: T0, window_end: T0 + 10_000, units: 12, rownum: 1 },
    { customer: 'cid', window_start: T0 + 10_000, window_end: T0 + 20_000, units: 5, rownum: 1 },
  ]);
}

/** Ties: RANK leaves a gap after them, DENSE_RANK does not (first window: bob 12, ann 5, dan 5, eve 1). */
export async function rankAndDenseRank(): Promise<void> {
  const topOf = async (fn: string) => {
    const tEnv = await ordersTable();
    return tEnv
      .sqlQuery(
        `SELECT * FROM (
           SELECT *, ${fn}() OVER (PARTITION BY window_start, window_end ORDER BY units DESC) AS r
           FROM (SELECT customer, window_start, window_end, SUM(amount) AS units
                 FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
                 GROUP BY customer, window_start, window_end))
         WHERE r <= 3 AND window_start = TIMESTAMP '2024-01-01 00:00:00'`,
      )
      .toDataStream()
      .executeAndCollect();
  };
  const names = (rows: readonly Record<string, unknown>[]) => rows.map((r) => `${r.customer} ${r.r}`).sort();
  assert.deepEqual(names(await topOf('RANK')), ['ann 2', 'bob 1', 'dan 2']);
  assert.deepEqual(names(await topOf('DENSE_RANK')), ['ann 2', 'bob 1', 'dan 2', 'eve 3']);
}

/** Window bounds under other names: a window aggregation of a window aggregation, and a window join. */
export async function windowAttributes(): Promise<void> {
  const tEnv = await ordersTable();
  const customerUnits = `SELECT customer, SUM(amount) AS units, window_start AS wstart, window_end AS wend
      FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY customer, window_start, window_end`;
  const sql = `SELECT c.customer, c.units, c.wstart
    FROM (${customerUnits}) AS c
    JOIN (SELECT MAX(units) AS top, wstart, wend FROM (${customerUnits}) GROUP BY wstart, wend) AS m
    ON c.wstart = m.wstart AND c.wend = m.wend AND c.units >= m.top`;
  const plan = tEnv.explainSql(sql);
  assert.ok(plan.includes('WindowJoin(joinType=[INNER]') && plan.includes('windowFrom=[wstart, wend]'), plan);
  const hottest = await tEnv.sqlQuery(sql).toDataStream().executeAndCollect();
  assert.deepEqual(hottest.sort((a, b) => (a.wstart as number) - (b.wstart as number)), [
    { customer: 'bob', units: 12, wstart: T0 },
    { customer: 'cid', units: 5, wstart: T0 + 10_000 },
  ]);
}

/** OVER aggregations: each order with the total of the customer's last two, and the last 10 s of all orders. */
export async function overAggregations(): Promise<void> {
  const tEnv = await ordersTable();
  const lastTwo = await tEnv
    .sqlQuery(
      `SELECT customer, amount,
         SUM(amount) OVER (PARTITION BY customer ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS last_two
       FROM orders`,
    )
    .toDataStream()
    .executeAndCollect();
  // Emitted in event-time order as the watermark passes each order.
  assert.deepEqual(lastTwo, [
    { customer: 'ann', amount: 3, last_two: 3 },
    { customer: 'bob', amount: 12, last_two: 12 },
    { customer: 'ann', amount: 2, last_two: 5 },
    { customer: 'eve', amount: 1, last_two: 1 },
    { customer: 'dan', amount: 5, last_two: 5 },
    { customer: 'cid', amount: 5, last_two: 5 },
    { customer: 'bob', amount: 1, last_two: 13 },
  ]);
  const recent = await tEnv
    .sqlQuery(
      `SELECT customer, COUNT(*) OVER w AS orders_10s, SUM(amount) OVER w AS units_10s
       FROM orders
       WINDOW w AS (ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW)`,
    )
    .toDataStream()
    .executeAndCollect();
  assert.deepEqual(recent.slice(-2), [
    { customer: 'cid', orders_10s: 5, units_10s: 25 }, // 00:02 to 00:12: bob 12, ann 2, eve 1, dan 5, cid 5
    { customer: 'bob', orders_10s: 5, units_10s: 14 }, // 00:03 to 00:13: bob's 12 has left the frame
  ]);
}

/** ORDER BY and LIMIT: a full sort in batch mode; on a stream, a sort by time, and a continuous Top-N. */
export async function orderByAndLimit(): Promise<void> {
  const batch = await ordersTable('batch');
  const biggest = await batch.sqlQuery('SELECT customer, amount FROM orders ORDER BY amount DESC, customer LIMIT 3').toDataStream().executeAndCollect();
  assert.deepEqual(biggest, [
    { customer: 'bob', amount: 12 },
    { customer: 'cid', amount: 5 },
    { customer: 'dan', amount: 5 },
  ]);
  const stream = await ordersTable();
  const byTime = await stream.sqlQuery('SELECT ts, customer FROM orders WHERE amount < 10 ORDER BY ts').toDataStream().executeAndCollect();
  assert.deepEqual(byTime.map((r) => `${(r.ts as number) - T0} ${r.customer}`), ['1000 ann', '4000 ann', '8000 eve', '9000 dan', '12000 cid', '13000 bob']);
  const top = await (await ordersTable()).sqlQuery('SELECT customer, amount FROM orders ORDER BY amount DESC LIMIT 2').toChangelogStream().executeAndCollect();
  assert.deepEqual(top, [
    { kind: '+I', row: { customer: 'ann', amount: 3 } },
    { kind: '+I', row: { customer: 'bob', amount: 12 } },
    { kind: '-D', row: { customer: 'ann', amount: 3 } }, // dan's 5 pushes ann's 3 out
    { kind: '+I', row: { customer: 'dan', amount: 5 } },
  ]);
}

/** A statement set: two INSERT INTO in one job, reading orders once. */
/** MATCH_RECOGNIZE: small orders in a row, then a big one. */
export async function matchRecognize(): Promise<void> {
  const tEnv = await ordersTable();
  const matches = await tEnv
    .sqlQuery(
      `SELECT * FROM orders
         MATCH_RECOGNIZE (
           ORDER BY ts
           MEASURES FIRST(SMALL.customer) AS first_small, COUNT(SMALL.amount) AS smalls, BIG.customer AS big_customer
           AFTER MATCH SKIP PAST LAST ROW
           PATTERN (SMALL+ BIG) WITHIN INTERVAL '1' MINUTE
           DEFINE SMALL AS SMALL.amount < 5, BIG AS BIG.big
         )`,
    )
    .toDataStream()
    .executeAndCollect();
  assert.deepEqual(matches, [{ first_small: 'ann', smalls: 1, big_customer: 'bob' }]);
}

export async function statementSet(): Promise<void> {
  const tEnv = await ordersTable();
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-sql-docs-set-'));
  tEnv.executeSql(`CREATE TABLE big_orders (customer STRING, amount INT) WITH ('connector' = 'filesystem', 'path' = '${path.join(out, 'big')}', 'format' = 'json')`);
  tEnv.executeSql(`CREATE TABLE per_window (customer STRING, orders BIGINT) WITH ('connector' = 'filesystem', 'path' = '${path.join(out, 'windows')}', 'format' = 'json')`);
  const set = tEnv.createStatementSet();
  set.addInsertSql('INSERT INTO big_orders SELECT customer, amount FROM orders WHERE big');
  set.addInsertSql(`INSERT INTO per_window
    SELECT customer, COUNT(*) FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY customer, window_start, window_end`);
  const result = set.execute();
  assert.equal(result.jobHandle!.jobName, 'insert-into_big_orders,per_window');
  await result.await();
  const lines = async (dir: string) => {
    const files = (await fs.readdir(path.join(out, dir))).filter((f) => !f.startsWith('.'));
    return (await Promise.all(files.map((f) => fs.readFile(path.join(out, dir, f), 'utf8')))).join('').split('\n').filter((l) => l !== '').sort();
  };
  assert.deepEqual(await lines('big'), ['{"customer":"bob","amount":12}']);
  assert.deepEqual(await lines('windows'), [
    '{"customer":"ann","orders":2}',
    '{"customer":"bob","orders":1}',
    '{"customer":"bob","orders":1}',
    '{"customer":"cid","orders":1}',
    '{"customer":"dan","orders":1}',
    '{"customer":"eve","orders":1}',
  ]);
}

/** A scalar function from TypeScript, and batch mode: final rows only, so toDataStream() takes a GROUP BY. */
export async function udfAndBatch(): Promise<void> {
  const tEnv = await ordersTable('batch');
  tEnv.createTemporarySystemFunction('DISCOUNT', ScalarFunction.of('DOUBLE', (price: number, pct: number) => price * (1 - pct / 100)));
  const rows = await tEnv.sqlQuery('SELECT customer, SUM(DISCOUNT(amount, 50)) AS half, COUNT(CASE WHEN big THEN 1 END) AS big_orders FROM orders GROUP BY customer').toDataStream().executeAndCollect();
  assert.deepEqual(
    rows.sort((a, b) => String(a.customer).localeCompare(String(b.customer))),
    [
      { customer: 'ann', half: 2.5, big_orders: 0 },
      { customer: 'bob', half: 6.5, big_orders: 1 },
      { customer: 'cid', half: 2.5, big_orders: 0 },
      { customer: 'dan', half: 2.5, big_orders: 0 },
      { customer: 'eve', half: 0.5, big_orders: 0 },
    ],
  );
}

/** EXPLAIN, and a refused query with every problem and its position. */
export async function explainAndErrors(): Promise<void> {
  const tEnv = await ordersTable();
  const plan = tEnv.executeSql("EXPLAIN SELECT customer, COUNT(*) AS n FROM orders WHERE amount > 2 GROUP BY customer").explanation!;
  assert.equal(plan.split('\n')[1], '+- GroupAggregate(groupBy=[customer], select=[COUNT(*)]) [changelog]');
  try {
    tEnv.sqlQuery("SELECT custmer, amount + 'x' FROM orders");
    assert.fail('the query was accepted');
  } catch (e) {
    assert.ok(e instanceof SqlValidationError);
    assert.deepEqual(
      e.problems.map((p) => `${p.line}:${p.column} ${p.message}`),
      ["1:8 unknown column 'custmer' (columns in scope: customer, amount, ts, big)", '1:24 + needs numbers (or a TIMESTAMP and an INTERVAL) but got INT + STRING'],
    );
  }
}

/** The Table API: the same plan (and EXPLAIN) as the SQL it stands for, misuse refused when the table is defined. */
export async function tableApi(): Promise<void> {
  const tEnv = await ordersTable();
  const units = tEnv
    .from('orders')
    .where($('amount').isGreater(1))
    .window(Tumble.over(lit(10).seconds()).on($('ts')).as('w'))
    .groupBy($('w'), $('customer'))
    .select($('customer'), $('w').start().as('wstart'), $('amount').sum().as('units'));
  assert.equal(
    units.explain(),
    tEnv.explainSql(
      `SELECT customer, window_start AS wstart, SUM(amount) AS units
       FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
       WHERE amount > 1
       GROUP BY customer, window_start, window_end`,
    ),
  );
  const rows = await units.toDataStream().executeAndCollect();
  assert.deepEqual(
    rows.sort((a, b) => Number(a.wstart) - Number(b.wstart) || String(a.customer).localeCompare(String(b.customer))),
    [
      { customer: 'ann', wstart: T0, units: 5 },
      { customer: 'bob', wstart: T0, units: 12 },
      { customer: 'dan', wstart: T0, units: 5 },
      { customer: 'cid', wstart: T0 + 10_000, units: 5 },
    ],
  );
  try {
    tEnv.from('orders').groupBy($('customer')).select($('customer'), $('ts'), $('amount').plus('x').sum());
    assert.fail('the call was accepted');
  } catch (e) {
    assert.ok(e instanceof TableApiValidationError);
    assert.deepEqual(e.described, [
      "in groupBy(...).select(...), $('ts'): column 'ts' must be in GROUP BY or inside an aggregate function",
      "in groupBy(...).select(...), $('amount').plus('x'): + needs numbers (or a TIMESTAMP and an INTERVAL) but got INT + STRING",
    ]);
  }
}

export async function main(): Promise<void> {
  await changelog();
  await windows();
  await windowAttributes();
  await rankAndDenseRank();
  await overAggregations();
  await orderByAndLimit();
  await matchRecognize();
  await statementSet();
  await udfAndBatch();
  await explainAndErrors();
  await tableApi();
}

if (require.main === module) {
  main().then(() => console.log('sql examples: ok'), (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
