import { expect } from 'chai';
import { CollectSink, DataStream, StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { foldChangelog, sortRows } from '../support/changelog';

const t = (seconds: number) => Date.UTC(2024, 0, 1) + seconds * 1000;

const ORDERS = [
  { id: 1, customer: 'ann', amount: 3, ts: t(1) },
  { id: 2, customer: 'bob', amount: 1, ts: t(2) },
  { id: 3, customer: 'ann', amount: 2, ts: t(4) },
  { id: 4, customer: 'cid', amount: 5, ts: t(7) },
  { id: 5, customer: 'bob', amount: 4, ts: t(11) },
  { id: 6, customer: 'ann', amount: 1, ts: t(12) },
];

function tableEnv() {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('orders', tEnv.fromDataStream(env.fromCollection(ORDERS), "id INT, customer STRING, amount INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND"));
  return { env, tEnv };
}

/** The stream into a collecting sink: the job's plan can be read before it runs. */
function collected<T>(env: StreamEnvironment, stream: DataStream<T>): () => Promise<T[]> {
  const sink = new CollectSink<T>();
  stream.sinkTo(sink);
  return async () => {
    await env.execute('reuse');
    return sink.records();
  };
}

/** How many operators of the job's plan (chained or not, one instance each) have a name starting so. */
function operatorsNamed(env: StreamEnvironment, prefix: string): number {
  const tasks = env.plan('reuse').tasks.filter((task) => task.index === 0);
  return tasks.flatMap((task) => [...(task.source === undefined ? [] : [task.source.node.name]), ...task.chain.map((n) => n.name)]).filter((n) => n.startsWith(prefix)).length;
}

const UNITS = "SELECT customer, SUM(amount) AS units, window_start AS wstart, window_end AS wend FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY customer, window_start, window_end";

describe('sql: parts of a plan that compute the same thing run once (sub-plan reuse)', function () {
  this.timeout(30_000);

  it('a window aggregation written twice (as Nexmark q5 does) is one operator read by both sides of the join, with the exact rows', async () => {
    const { env, tEnv } = tableEnv();
    const sql = `SELECT c.customer, c.units, c.wstart
      FROM (${UNITS}) AS c
      JOIN (SELECT MAX(units) AS top, wstart, wend FROM (${UNITS}) GROUP BY wstart, wend) AS m
      ON c.wstart = m.wstart AND c.wend = m.wend AND c.units >= m.top`;
    const result = collected(env, tEnv.sqlQuery(sql).toDataStream());
    // The per-customer TUMBLE once; the per-window MAX over it is another window aggregation.
    expect(operatorsNamed(env, 'WindowAggregate TUMBLE')).to.equal(2);
    expect(operatorsNamed(env, 'Scan ')).to.equal(1);
    expect(sortRows(await result())).to.deep.equal(
      sortRows([
        { customer: 'ann', units: 5, wstart: t(0) },
        { customer: 'cid', units: 5, wstart: t(0) },
        { customer: 'bob', units: 4, wstart: t(10) },
      ]),
    );
  });

  it('aggregations that differ in a filter, an aggregate or a key are not merged: each gives its own rows', async () => {
    const { env, tEnv } = tableEnv();
    const sql = `SELECT 'a' AS q, customer AS k, SUM(amount) AS n FROM orders WHERE amount > 1 GROUP BY customer
      UNION ALL SELECT 'b' AS q, customer AS k, SUM(amount) AS n FROM orders WHERE amount > 2 GROUP BY customer
      UNION ALL SELECT 'c' AS q, customer AS k, COUNT(amount) AS n FROM orders WHERE amount > 2 GROUP BY customer
      UNION ALL SELECT 'd' AS q, CAST(id AS STRING) AS k, SUM(amount) AS n FROM orders WHERE amount > 2 GROUP BY id`;
    const result = collected(env, tEnv.sqlQuery(sql).toChangelogStream());
    expect(operatorsNamed(env, 'GroupAggregate')).to.equal(4);
    expect(operatorsNamed(env, 'Scan ')).to.equal(1);
    const row = (q: string, k: string, n: number) => ({ q, k, n });
    expect(foldChangelog(await result())).to.deep.equal(
      sortRows([
        ...[row('a', 'ann', 5), row('a', 'bob', 4), row('a', 'cid', 5)],
        ...[row('b', 'ann', 3), row('b', 'bob', 4), row('b', 'cid', 5)],
        ...[row('c', 'ann', 1), row('c', 'bob', 1), row('c', 'cid', 1)],
        ...[row('d', '1', 3), row('d', '4', 5), row('d', '5', 4)],
      ]),
    );
  });

  it('a table joined with itself reads one scan on both sides and joins every pair of rows exactly', async () => {
    const { env, tEnv } = tableEnv();
    const result = collected(env, tEnv.sqlQuery('SELECT a.id AS l, b.id AS r FROM orders AS a JOIN orders AS b ON a.customer = b.customer WHERE a.id < b.id').toDataStream());
    expect(operatorsNamed(env, 'Scan ')).to.equal(1);
    expect(sortRows(await result())).to.deep.equal(sortRows([{ l: 1, r: 3 }, { l: 1, r: 6 }, { l: 3, r: 6 }, { l: 2, r: 5 }]));
  });
});
