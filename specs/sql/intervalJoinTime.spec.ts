import { expect } from 'chai';
import { StreamEnvironment } from '../../src';
import { SqlProblem, SqlValidationError, TableEnvironment } from '../../src/sql';

const s = (seconds: number) => Date.UTC(2024, 0, 1) + seconds * 1000;

/** Orders and their shipments; shipment 12 comes 6 s after its order, outside the 5 s bound. */
function tableEnv(): TableEnvironment {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const tEnv = TableEnvironment.create(env);
  const orders = [
    { id: 10, ts: s(1) },
    { id: 11, ts: s(4) },
    { id: 12, ts: s(6) },
    { id: 13, ts: s(9) },
  ];
  const shipments = [
    { order_id: 10, ts: s(3) },
    { order_id: 11, ts: s(8) },
    { order_id: 12, ts: s(12) },
    { order_id: 13, ts: s(11) },
    { order_id: 13, ts: s(13) },
  ];
  tEnv.createTemporaryView('orders', tEnv.fromDataStream(env.fromCollection(orders), "id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND"));
  tEnv.createTemporaryView('shipments', tEnv.fromDataStream(env.fromCollection(shipments), "order_id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND"));
  return tEnv;
}

const JOINED = `SELECT o.id, o.ts AS ordered, s.ts AS shipped FROM orders AS o JOIN shipments AS s
  ON o.id = s.order_id AND s.ts BETWEEN o.ts AND o.ts + INTERVAL '5' SECOND`;

describe('sql: an interval join keeps the time attribute of its later side', function () {
  this.timeout(60_000);

  it('the joined rows can be windowed on the later side\'s time: shipments per 10 s window, exact', async () => {
    const sql = `SELECT window_start, COUNT(*) AS shipped FROM TABLE(TUMBLE(TABLE (${JOINED}), DESCRIPTOR(shipped), INTERVAL '10' SECOND)) GROUP BY window_start, window_end`;
    const rows = await tableEnv().sqlQuery(sql).toDataStream().executeAndCollect();
    expect(rows.sort((a, b) => (a.window_start as number) - (b.window_start as number))).to.deep.equal([
      { window_start: s(0), shipped: 2 },
      { window_start: s(10), shipped: 2 },
    ]);
  });

  it('and OVER-aggregated on it, in event-time order', async () => {
    const sql = `SELECT id, COUNT(*) OVER (ORDER BY shipped ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n FROM (${JOINED})`;
    expect(await tableEnv().sqlQuery(sql).toDataStream().executeAndCollect()).to.deep.equal([
      { id: 10, n: 1 },
      { id: 11, n: 2 },
      { id: 13, n: 3 },
      { id: 13, n: 4 },
    ]);
  });

  it('the earlier side\'s time is a plain TIMESTAMP after the join', () => {
    try {
      tableEnv().sqlQuery(`SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE (${JOINED}), DESCRIPTOR(ordered), INTERVAL '10' SECOND)) GROUP BY window_start, window_end`);
      expect.fail('the query was accepted');
    } catch (e) {
      expect(e).to.be.instanceOf(SqlValidationError);
      expect((e as SqlValidationError).problems.map((p: SqlProblem) => p.message)).to.deep.equal([
        'DESCRIPTOR(ordered) must name a time attribute of the input (a column with WATERMARK FOR in its table)',
      ]);
    }
  });
});
