import { expect } from 'chai';
import { Source, StreamEnvironment } from '../../src';
import { ChangelogRow, ScalarFunction, SqlAggregateFunction, TableEnvironment } from '../../src/sql';
import { foldChangelog, sortRows } from '../support/changelog';

interface Order {
  id: number;
  customer: string;
  product: string;
  amount: number;
  price: number;
  ts: number;
}

const t = (seconds: number) => Date.UTC(2024, 0, 1) + seconds * 1000;
const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const ORDERS: Order[] = [
  { id: 1, customer: 'ann', product: 'apple', amount: 3, price: 1.5, ts: t(1) },
  { id: 2, customer: 'bob', product: 'pear', amount: 1, price: 2.0, ts: t(2) },
  { id: 3, customer: 'ann', product: 'pear', amount: 2, price: 2.0, ts: t(4) },
  { id: 4, customer: 'cid', product: 'apple', amount: 5, price: 1.5, ts: t(7) },
  { id: 5, customer: 'bob', product: 'plum', amount: 4, price: 0.5, ts: t(11) },
  { id: 6, customer: 'ann', product: 'apple', amount: 1, price: 1.5, ts: t(12) },
  { id: 7, customer: 'cid', product: 'plum', amount: 2, price: 0.5, ts: t(16) },
  { id: 8, customer: 'bob', product: 'apple', amount: 6, price: 1.5, ts: t(23) },
];

const ORDERS_SCHEMA = "id INT, customer STRING, product STRING, amount INT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND";

function tableEnv(parallelism = 2, mode: 'streaming' | 'batch' = 'streaming') {
  const env = StreamEnvironment.create({ parallelism });
  const tEnv = TableEnvironment.create(env, { mode });
  tEnv.createTemporaryView('orders', tEnv.fromDataStream(env.fromCollection(ORDERS), ORDERS_SCHEMA));
  return tEnv;
}

const rows = (tEnv: TableEnvironment, sql: string) => tEnv.sqlQuery(sql).toDataStream().executeAndCollect().then(sortRows);
const changes = (tEnv: TableEnvironment, sql: string) => tEnv.sqlQuery(sql).toChangelogStream().executeAndCollect();

/** The changes of one key, in the order they were emitted (one instance emits a key's changes). */
const ofKey = (log: readonly ChangelogRow[], field: string, value: unknown) => log.filter((c) => c.row[field] === value).map((c) => `${c.kind} ${JSON.stringify(c.row)}`);

describe('sql: queries give exact results', function () {
  this.timeout(30_000);

  describe('projection, filters and scalar functions', () => {
    it('projects expressions and filters rows', async () => {
      const result = await rows(tableEnv(), "SELECT id, UPPER(customer) AS who, amount * price AS total, amount / 2 AS half FROM orders WHERE product = 'apple' AND amount > 2");
      expect(result).to.deep.equal([
        { id: 1, who: 'ANN', total: 4.5, half: 1 },
        { id: 4, who: 'CID', total: 7.5, half: 2 },
        { id: 8, who: 'BOB', total: 9, half: 3 },
      ]);
    });

    it('evaluates string, date/time, CASE, CAST, IN, BETWEEN, LIKE and NULL handling', async () => {
      const result = await rows(
        tableEnv(),
        `SELECT id,
           CONCAT(customer, '-', product) AS tag,
           SUBSTRING(product, 2, 3) AS mid,
           CHAR_LENGTH(product) AS len,
           CASE WHEN amount >= 5 THEN 'bulk' WHEN amount >= 2 THEN 'some' ELSE 'one' END AS size,
           CAST(amount AS STRING) || 'x' AS amount_text,
           CAST('42' AS INT) + id AS forty_two_plus,
           DATE_FORMAT(ts, 'HH:mm:ss') AS clock,
           EXTRACT(SECOND FROM ts) AS sec,
           ts + INTERVAL '1' MINUTE AS later,
           NULLIF(product, 'pear') AS not_pear,
           COALESCE(NULLIF(product, 'pear'), 'none') AS fallback,
           ROUND(price * 1.25, 1) AS rounded,
           MOD(id, 3) AS m
         FROM orders
         WHERE customer IN ('ann', 'bob') AND id BETWEEN 2 AND 5 AND product LIKE 'p%'`,
      );
      expect(result).to.deep.equal([
        { id: 2, tag: 'bob-pear', mid: 'ear', len: 4, size: 'one', amount_text: '1x', forty_two_plus: 44, clock: '00:00:02', sec: 2, later: t(62), not_pear: null, fallback: 'none', rounded: 2.5, m: 2 },
        { id: 3, tag: 'ann-pear', mid: 'ear', len: 4, size: 'some', amount_text: '2x', forty_two_plus: 45, clock: '00:00:04', sec: 4, later: t(64), not_pear: null, fallback: 'none', rounded: 2.5, m: 0 },
        { id: 5, tag: 'bob-plum', mid: 'lum', len: 4, size: 'some', amount_text: '4x', forty_two_plus: 47, clock: '00:00:11', sec: 11, later: t(71), not_pear: 'plum', fallback: 'plum', rounded: 0.6, m: 2 },
      ]);
    });

    it('compares timestamps with TIMESTAMP literals', async () => {
      const result = await rows(tableEnv(), `SELECT id FROM orders WHERE ts >= TIMESTAMP '${at(t(11))}' AND ts < TO_TIMESTAMP('${at(t(20))}')`);
      expect(result).to.deep.equal([{ id: 5 }, { id: 6 }, { id: 7 }]);
    });
  });

  describe('GROUP BY aggregates', () => {
    it('computes COUNT, SUM, MIN, MAX, AVG and COUNT DISTINCT per group, final rows exact', async () => {
      const log = await changes(
        tableEnv(),
        'SELECT customer, COUNT(*) AS n, SUM(amount) AS units, MIN(price) AS low, MAX(product) AS last_product, AVG(amount) AS avg_units, COUNT(DISTINCT product) AS products FROM orders GROUP BY customer',
      );
      expect(foldChangelog(log)).to.deep.equal([
        { customer: 'ann', n: 3, units: 6, low: 1.5, last_product: 'pear', avg_units: 2, products: 2 },
        { customer: 'bob', n: 3, units: 11, low: 0.5, last_product: 'plum', avg_units: 3, products: 3 },
        { customer: 'cid', n: 2, units: 7, low: 0.5, last_product: 'plum', avg_units: 3, products: 2 },
      ]);
    });

    it('emits the changelog of each group: +I first, then -U/+U pairs', async () => {
      // One instance end to end, so that the orders of a customer arrive in their source order.
      const log = await changes(tableEnv(1), 'SELECT customer, SUM(amount) AS units FROM orders GROUP BY customer');
      expect(ofKey(log, 'customer', 'ann')).to.deep.equal([
        '+I {"customer":"ann","units":3}',
        '-U {"customer":"ann","units":3}',
        '+U {"customer":"ann","units":5}',
        '-U {"customer":"ann","units":5}',
        '+U {"customer":"ann","units":6}',
      ]);
    });

    it('aggregates over an updating input by retracting: how many customers have each order count', async () => {
      const log = await changes(
        tableEnv(1),
        'SELECT n, COUNT(*) AS customers FROM (SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer) GROUP BY n',
      );
      // ann 3, bob 3, cid 2: two customers with 3 orders, one with 2; nobody is left at 1.
      expect(foldChangelog(log)).to.deep.equal([
        { n: 2, customers: 1 },
        { n: 3, customers: 2 },
      ]);
      expect(log.some((c) => c.kind === '-D' && c.row.n === 1)).to.equal(true);
    });

    it('filters groups with HAVING and aggregates the whole table without GROUP BY', async () => {
      const tEnv = tableEnv();
      expect(foldChangelog(await changes(tEnv, 'SELECT product, SUM(amount) AS units FROM orders GROUP BY product HAVING SUM(amount) > 5'))).to.deep.equal([
        { product: 'apple', units: 15 },
        { product: 'plum', units: 6 },
      ]);
      expect(foldChangelog(await changes(tableEnv(), 'SELECT COUNT(*) AS n, SUM(amount) AS units FROM orders'))).to.deep.equal([{ n: 8, units: 24 }]);
    });

    it('refuses toDataStream() for an updating result, naming toChangelogStream()', () => {
      const table = tableEnv().sqlQuery('SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer');
      expect(() => table.toDataStream()).to.throw(/toChangelogStream\(\)/);
    });
  });

  describe('window table functions', () => {
    it('TUMBLE: counts and sums per customer per 10 s window', async () => {
      const result = await rows(
        tableEnv(),
        "SELECT customer, window_start, window_end, COUNT(*) AS n, SUM(amount) AS units FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY customer, window_start, window_end",
      );
      expect(result).to.deep.equal(
        sortRows([
          { customer: 'ann', window_start: t(0), window_end: t(10), n: 2, units: 5 },
          { customer: 'bob', window_start: t(0), window_end: t(10), n: 1, units: 1 },
          { customer: 'cid', window_start: t(0), window_end: t(10), n: 1, units: 5 },
          { customer: 'bob', window_start: t(10), window_end: t(20), n: 1, units: 4 },
          { customer: 'ann', window_start: t(10), window_end: t(20), n: 1, units: 1 },
          { customer: 'cid', window_start: t(10), window_end: t(20), n: 1, units: 2 },
          { customer: 'bob', window_start: t(20), window_end: t(30), n: 1, units: 6 },
        ]),
      );
    });

    it('HOP: 10 s windows every 5 s over all orders', async () => {
      const result = await rows(
        tableEnv(),
        "SELECT window_start, window_end, SUM(amount) AS units FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end",
      );
      expect(result).to.deep.equal(
        sortRows([
          { window_start: t(-5), window_end: t(5), units: 6 },
          { window_start: t(0), window_end: t(10), units: 11 },
          { window_start: t(5), window_end: t(15), units: 10 },
          { window_start: t(10), window_end: t(20), units: 7 },
          { window_start: t(15), window_end: t(25), units: 8 },
          { window_start: t(20), window_end: t(30), units: 6 },
        ]),
      );
    });

    it('CUMULATE: running totals every 5 s within 15 s periods', async () => {
      const result = await rows(
        tableEnv(),
        "SELECT window_start, window_end, SUM(amount) AS units FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '15' SECOND)) GROUP BY window_start, window_end",
      );
      expect(result).to.deep.equal(
        sortRows([
          { window_start: t(0), window_end: t(5), units: 6 },
          { window_start: t(0), window_end: t(10), units: 11 },
          { window_start: t(0), window_end: t(15), units: 16 },
          { window_start: t(15), window_end: t(20), units: 2 },
          { window_start: t(15), window_end: t(25), units: 8 },
          { window_start: t(15), window_end: t(30), units: 8 },
        ]),
      );
    });

    it('SESSION: sessions per customer closed by a 5 s gap', async () => {
      const result = await rows(
        tableEnv(),
        "SELECT customer, window_start, window_end, COUNT(*) AS n FROM TABLE(SESSION(TABLE orders PARTITION BY customer, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY customer, window_start, window_end",
      );
      expect(result).to.deep.equal(
        sortRows([
          { customer: 'ann', window_start: t(1), window_end: t(9), n: 2 },
          { customer: 'ann', window_start: t(12), window_end: t(17), n: 1 },
          { customer: 'bob', window_start: t(2), window_end: t(7), n: 1 },
          { customer: 'bob', window_start: t(11), window_end: t(16), n: 1 },
          { customer: 'bob', window_start: t(23), window_end: t(28), n: 1 },
          { customer: 'cid', window_start: t(7), window_end: t(12), n: 1 },
          { customer: 'cid', window_start: t(16), window_end: t(21), n: 1 },
        ]),
      );
    });

    it('cascading windows: 20 s totals from 10 s totals, windowed again on window_time', async () => {
      const result = await rows(
        tableEnv(),
        `SELECT window_start, window_end, SUM(units) AS units, COUNT(*) AS parts
         FROM TABLE(TUMBLE(TABLE (
           SELECT customer, window_time, SUM(amount) AS units
           FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
           GROUP BY customer, window_start, window_end, window_time), DESCRIPTOR(window_time), INTERVAL '20' SECOND))
         GROUP BY window_start, window_end`,
      );
      expect(result).to.deep.equal([
        { window_start: t(0), window_end: t(20), units: 18, parts: 6 },
        { window_start: t(20), window_end: t(40), units: 6, parts: 1 },
      ]);
    });

    const CUSTOMER_UNITS = `SELECT customer, SUM(amount) AS units, window_start AS wstart, window_end AS wend
      FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY customer, window_start, window_end`;

    it('window bounds stay window bounds under other names: a GROUP BY on them is a window aggregation', async () => {
      const sql = `SELECT wstart, wend, MAX(units) AS top, COUNT(*) AS customers FROM (${CUSTOMER_UNITS}) GROUP BY wstart, wend`;
      const tEnv = tableEnv();
      expect(tEnv.explainSql(sql)).to.contain('WindowAggregate(TUMBLE(size=10000ms), windowFrom=[wstart, wend], groupBy=[], select=[MAX(units), COUNT(*)])');
      expect(await rows(tEnv, sql)).to.deep.equal([
        { wstart: t(0), wend: t(10), top: 5, customers: 3 },
        { wstart: t(10), wend: t(20), top: 4, customers: 3 },
        { wstart: t(20), wend: t(30), top: 6, customers: 1 },
      ]);
    });

    it('a join on renamed window bounds is a window join: the customers with the most units per window, ties included', async () => {
      const sql = `SELECT c.customer, c.units, c.wstart
        FROM (${CUSTOMER_UNITS}) AS c
        JOIN (SELECT MAX(units) AS top, wstart, wend FROM (${CUSTOMER_UNITS}) GROUP BY wstart, wend) AS m
        ON c.wstart = m.wstart AND c.wend = m.wend AND c.units >= m.top`;
      const tEnv = tableEnv();
      expect(tEnv.explainSql(sql)).to.contain('WindowJoin(joinType=[INNER]');
      expect(await rows(tEnv, sql)).to.deep.equal(
        sortRows([
          { customer: 'ann', units: 5, wstart: t(0) },
          { customer: 'cid', units: 5, wstart: t(0) },
          { customer: 'bob', units: 4, wstart: t(10) },
          { customer: 'bob', units: 6, wstart: t(20) },
        ]),
      );
    });

    it('bounds of different windowings, or one bound only, are plain columns: a regular join and an updating GROUP BY', () => {
      const tEnv = tableEnv();
      const hop = "SELECT window_start, window_end, COUNT(*) AS n FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end";
      const joined = tEnv.explainSql(`SELECT c.customer, h.n FROM (${CUSTOMER_UNITS}) AS c JOIN (${hop}) AS h ON c.wstart = h.window_start AND c.wend = h.window_end`);
      expect(joined).to.contain('+- Join(joinType=[INNER]');
      expect(tEnv.explainSql(`SELECT wstart, COUNT(*) AS n FROM (${CUSTOMER_UNITS}) GROUP BY wstart`)).to.contain('GroupAggregate(groupBy=[wstart], select=[COUNT(*)]) [changelog]');
    });

    it('a window TVF without aggregation adds window_start, window_end and window_time to each row', async () => {
      const result = await rows(tableEnv(), "SELECT id, window_start, window_end, window_time FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE id <= 2");
      expect(result).to.deep.equal([
        { id: 1, window_start: t(0), window_end: t(10), window_time: t(10) - 1 },
        { id: 2, window_start: t(0), window_end: t(10), window_time: t(10) - 1 },
      ]);
    });

    it('window Top-N: the two customers with the most units in each 10 s window', async () => {
      const result = await rows(
        tableEnv(),
        `SELECT * FROM (
           SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY units DESC) AS rownum
           FROM (SELECT customer, window_start, window_end, SUM(amount) AS units
                 FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND))
                 GROUP BY customer, window_start, window_end))
         WHERE rownum <= 2`,
      );
      expect(result).to.deep.equal(
        sortRows([
          { customer: 'ann', window_start: t(0), window_end: t(10), units: 5, rownum: 1 },
          { customer: 'cid', window_start: t(0), window_end: t(10), units: 5, rownum: 2 },
          { customer: 'bob', window_start: t(10), window_end: t(20), units: 4, rownum: 1 },
          { customer: 'cid', window_start: t(10), window_end: t(20), units: 2, rownum: 2 },
          { customer: 'bob', window_start: t(20), window_end: t(30), units: 6, rownum: 1 },
        ]),
      );
    });
  });

  describe('Top-N, UNION ALL, joins and user-defined functions', () => {
    it('continuous Top-N: the largest order per customer, updated as orders arrive', async () => {
      const log = await changes(
        tableEnv(1),
        'SELECT customer, id, amount, rownum FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY amount DESC) AS rownum FROM orders) WHERE rownum = 1',
      );
      expect(foldChangelog(log)).to.deep.equal([
        { customer: 'ann', id: 1, amount: 3, rownum: 1 },
        { customer: 'bob', id: 8, amount: 6, rownum: 1 },
        { customer: 'cid', id: 4, amount: 5, rownum: 1 },
      ]);
      expect(ofKey(log, 'customer', 'bob')).to.deep.equal([
        '+I {"customer":"bob","id":2,"amount":1,"rownum":1}',
        '-U {"customer":"bob","id":2,"amount":1,"rownum":1}',
        '+U {"customer":"bob","id":5,"amount":4,"rownum":1}',
        '-U {"customer":"bob","id":5,"amount":4,"rownum":1}',
        '+U {"customer":"bob","id":8,"amount":6,"rownum":1}',
      ]);
    });

    it('Top-N over an updating input: the two customers with the most units, re-ranked as totals change', async () => {
      const sql = `SELECT customer, units, rownum FROM (
        SELECT *, ROW_NUMBER() OVER (ORDER BY units DESC) AS rownum
        FROM (SELECT customer, SUM(amount) AS units FROM orders GROUP BY customer))
      WHERE rownum <= 2`;
      const tEnv = tableEnv(1);
      expect(tEnv.explainSql(sql)).to.contain('RetractRank(partitionBy=[], orderBy=[units DESC], rankRange=[1..2])');
      const log = await changes(tEnv, sql);
      // Final totals: bob 11, cid 7, ann 6.
      expect(foldChangelog(log)).to.deep.equal([
        { customer: 'bob', units: 11, rownum: 1 },
        { customer: 'cid', units: 7, rownum: 2 },
      ]);
    });

    it('UNION ALL keeps every row of each input', async () => {
      const result = await rows(tableEnv(), "SELECT id, 'cheap' AS kind FROM orders WHERE price < 1 UNION ALL SELECT id, 'big' AS kind FROM orders WHERE amount >= 5");
      expect(result).to.deep.equal(sortRows([{ id: 5, kind: 'cheap' }, { id: 7, kind: 'cheap' }, { id: 4, kind: 'big' }, { id: 8, kind: 'big' }]));
    });

    function withCustomers(parallelism = 2) {
      const tEnv = tableEnv(parallelism);
      const customers = [
        { name: 'ann', city: 'Oslo' },
        { name: 'bob', city: 'Rome' },
        { name: 'dan', city: 'Kyiv' },
      ];
      tEnv.createTemporaryView('customers', tEnv.fromDataStream(tEnv.env.fromCollection(customers), 'name STRING, city STRING'));
      return tEnv;
    }

    it('INNER JOIN on a key, with an extra condition', async () => {
      const result = await rows(withCustomers(), 'SELECT o.id, c.city FROM orders AS o JOIN customers AS c ON o.customer = c.name AND o.amount > 1');
      expect(result).to.deep.equal(sortRows([{ id: 1, city: 'Oslo' }, { id: 3, city: 'Oslo' }, { id: 5, city: 'Rome' }, { id: 8, city: 'Rome' }]));
    });

    it('LEFT JOIN pads unmatched rows with NULL and retracts the padding when a match arrives', async () => {
      const log = await changes(withCustomers(), 'SELECT c.name, o.id FROM customers AS c LEFT JOIN orders AS o ON c.name = o.customer');
      expect(foldChangelog(log)).to.deep.equal(
        sortRows([
          { name: 'ann', id: 1 },
          { name: 'ann', id: 3 },
          { name: 'ann', id: 6 },
          { name: 'bob', id: 2 },
          { name: 'bob', id: 5 },
          { name: 'bob', id: 8 },
          { name: 'dan', id: null },
        ]),
      );
    });

    function withShipments(parallelism = 2) {
      const tEnv = tableEnv(parallelism);
      const shipments = [
        { order_id: 1, ts: t(3) },
        { order_id: 2, ts: t(9) },
        { order_id: 3, ts: t(5) },
        { order_id: 4, ts: t(20) },
        { order_id: 6, ts: t(14) },
        { order_id: 7, ts: t(15) },
      ];
      tEnv.createTemporaryView('shipments', tEnv.fromDataStream(tEnv.env.fromCollection(shipments), "order_id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND"));
      return tEnv;
    }

    it('interval join: orders shipped within 5 s, planned as an interval join that drops state behind the watermark', async () => {
      const tEnv = withShipments();
      const sql = "SELECT o.id, s.ts AS shipped FROM orders AS o JOIN shipments AS s ON o.id = s.order_id AND s.ts BETWEEN o.ts AND o.ts + INTERVAL '5' SECOND";
      expect(tEnv.explainSql(sql)).to.contain('IntervalJoin(joinType=[INNER], where=[id = order_id AND');
      expect(tEnv.explainSql(sql)).to.contain('interval=[0ms, 5000ms]');
      expect(await rows(tEnv, sql)).to.deep.equal(sortRows([{ id: 1, shipped: t(3) }, { id: 3, shipped: t(5) }, { id: 6, shipped: t(14) }]));
    });

    it('window join: units ordered and shipments counted in the same 10 s window', async () => {
      const tEnv = withShipments();
      const sql = `SELECT o.window_start, o.units, s.shipped
        FROM (SELECT window_start, window_end, SUM(amount) AS units FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) AS o
        JOIN (SELECT window_start, window_end, COUNT(*) AS shipped FROM TABLE(TUMBLE(TABLE shipments, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end) AS s
        ON o.window_start = s.window_start AND o.window_end = s.window_end`;
      expect(tEnv.explainSql(sql)).to.contain('WindowJoin(joinType=[INNER]');
      expect(await rows(tEnv, sql)).to.deep.equal(sortRows([{ window_start: t(0), units: 11, shipped: 3 }, { window_start: t(10), units: 7, shipped: 2 }, { window_start: t(20), units: 6, shipped: 1 }]));
    });

    it('a regular join forgets keys idle longer than the idle-state retention (state TTL)', async () => {
      const joinAfter = async (retentionMs: number | undefined) => {
        const env = StreamEnvironment.create({ parallelism: 1 });
        const tEnv = TableEnvironment.create(env);
        if (retentionMs !== undefined) tEnv.getConfig().setIdleStateRetention(retentionMs);
        tEnv.createTemporaryView('l', tEnv.fromDataStream(env.fromCollection([{ k: 'a', x: 1 }]), 'k STRING, x INT'));
        // The right side waits 300 ms of wall-clock time (a condition, not a sleep) before its row.
        const opened = Date.now();
        const late: Source<{ k: string; y: number }> = {
          name: 'late row',
          parallel: false,
          createReader: () => {
            let sent = false;
            return {
              poll: (_max, emit) => {
                if (Date.now() - opened < 300) return new Promise<'more'>((resolve) => setImmediate(() => resolve('more')));
                if (!sent) emit({ k: 'a', y: 2 });
                sent = true;
                return 'end';
              },
              position: () => sent,
            };
          },
        };
        tEnv.createTemporaryView('r', tEnv.fromDataStream(env.fromSource(late), 'k STRING, y INT'));
        return rows(tEnv, 'SELECT l.x, r.y FROM l JOIN r ON l.k = r.k');
      };
      expect(await joinAfter(undefined)).to.deep.equal([{ x: 1, y: 2 }]);
      expect(await joinAfter(100)).to.deep.equal([]);
    });

    it('RIGHT JOIN keeps every row of the right side, columns in the order written', async () => {
      const log = await changes(withCustomers(), "SELECT o.id, c.name FROM orders AS o RIGHT JOIN customers AS c ON o.customer = c.name WHERE c.name <> 'bob'");
      expect(foldChangelog(log)).to.deep.equal(sortRows([{ id: 1, name: 'ann' }, { id: 3, name: 'ann' }, { id: 6, name: 'ann' }, { id: null, name: 'dan' }]));
    });

    it('FULL JOIN keeps the unmatched rows of both sides, padded with NULL', async () => {
      const log = await changes(withCustomers(), "SELECT c.name, o.id FROM customers AS c FULL JOIN (SELECT * FROM orders WHERE customer <> 'bob') AS o ON c.name = o.customer");
      expect(foldChangelog(log)).to.deep.equal(
        sortRows([
          { name: 'ann', id: 1 },
          { name: 'ann', id: 3 },
          { name: 'ann', id: 6 },
          { name: 'bob', id: null },
          { name: 'dan', id: null },
          { name: null, id: 4 },
          { name: null, id: 7 },
        ]),
      );
    });

    it('SELECT DISTINCT gives each distinct row once, as an updating result', async () => {
      const log = await changes(tableEnv(), 'SELECT DISTINCT customer, product FROM orders WHERE amount < 5');
      expect(foldChangelog(log)).to.deep.equal(
        sortRows([
          { customer: 'ann', product: 'apple' },
          { customer: 'ann', product: 'pear' },
          { customer: 'bob', product: 'pear' },
          { customer: 'bob', product: 'plum' },
          { customer: 'cid', product: 'plum' },
        ]),
      );
    });

    it('an aggregate over a join counts each order once', async () => {
      const log = await changes(withCustomers(), 'SELECT c.city, SUM(o.amount) AS units FROM orders AS o JOIN customers AS c ON o.customer = c.name GROUP BY c.city');
      expect(foldChangelog(log)).to.deep.equal([
        { city: 'Oslo', units: 6 },
        { city: 'Rome', units: 11 },
      ]);
    });

    it('calls scalar and aggregate functions registered from TypeScript', async () => {
      class WeightedAverage extends SqlAggregateFunction<[number, number], number | null> {
        override readonly resultType = 'DOUBLE' as const;
        override createAccumulator(): [number, number] {
          return [0, 0];
        }
        override accumulate(acc: [number, number], value: number, weight: number): [number, number] {
          return [acc[0] + value * weight, acc[1] + weight];
        }
        override retract(acc: [number, number], value: number, weight: number): [number, number] {
          return [acc[0] - value * weight, acc[1] - weight];
        }
        override getValue(acc: [number, number]): number | null {
          return acc[1] === 0 ? null : acc[0] / acc[1];
        }
      }
      const tEnv = tableEnv();
      tEnv.createTemporarySystemFunction('discount', ScalarFunction.of('DOUBLE', (price: number, pct: number) => price * (1 - pct / 100)));
      tEnv.createTemporarySystemFunction('WEIGHTED_AVG', new WeightedAverage());
      const log = await changes(tEnv, 'SELECT product, WEIGHTED_AVG(DISCOUNT(price, 50), amount) AS avg_price FROM orders GROUP BY product');
      expect(foldChangelog(log)).to.deep.equal([
        { product: 'apple', avg_price: 0.75 },
        { product: 'pear', avg_price: 1 },
        { product: 'plum', avg_price: 0.25 },
      ]);
    });
  });
});
