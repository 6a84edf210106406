/**
 * Card fraud in SQL: the rule of main.ts written as MATCH_RECOGNIZE (fraudSql.ts), run on the
 * same CEP engine over the same payments; it checks the alerts against the plain scan.
 * Run: node build/samples/card-fraud/mainSql.js [payments]
 */
import * as assert from 'node:assert/strict';
import { CollectSink, StreamEnvironment } from '../../src';
import { expectedAlerts, payment } from './fraudPattern';
import { FraudRow, sqlAlerts } from './fraudSql';

export async function mainSql(count = 200_000): Promise<FraudRow[]> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(1_000, 'exactly-once');
  const sink = new CollectSink<FraudRow>();
  sqlAlerts(env, env.fromGenerator(count, payment).setParallelism(1)).sinkTo(sink);
  const result = await env.execute('card fraud (SQL)');
  assert.equal(result.status, 'finished');
  const rows = sink.records().sort((a, b) => a.large_id - b.large_id);
  assert.deepEqual(
    rows.map((r) => r.large_id),
    expectedAlerts(count),
  );
  return rows;
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? 200_000);
  mainSql(count).then(
    (rows) => {
      console.log(`${count} payments on 200 cards: ${rows.length} alerts from MATCH_RECOGNIZE (as a plain scan finds)`);
      console.log(`first alerts: ${rows.slice(0, 3).map((r) => `card ${r.card}, large payment ${r.large_id} after ${r.smalls_total} cents of small ones`).join('; ')}`);
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
