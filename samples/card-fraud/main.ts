/**
 * Card fraud with CEP: three small payments in a row on a card, then a large one, within 5
 * minutes (fraudPattern.ts). Payments carry event time; CEP orders each card's payments by it
 * at the watermark. Matches are alerts; partial matches that time out go to a side output.
 * Run: node build/samples/card-fraud/main.js [payments]
 */
import * as assert from 'node:assert/strict';
import { CEP, CollectSink, StreamEnvironment, WatermarkStrategy } from '../../src';
import { FraudAlerts, Payment, expectedAlerts, payment, smallsThenLarge, unfinished } from './fraudPattern';

export async function main(count = 200_000): Promise<{ alerts: number[]; unfinished: number }> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(1_000, 'exactly-once');
  const payments = env
    .fromGenerator(count, payment)
    .setParallelism(1)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.at))
    .setParallelism(1)
    .keyBy((p) => p.card);
  const alerts = CEP.pattern(payments, smallsThenLarge).process(new FraudAlerts()).uid('card-fraud');
  const alertSink = new CollectSink<number>();
  const unfinishedSink = new CollectSink<number[]>();
  alerts.sinkTo(alertSink);
  alerts.getSideOutput(unfinished).sinkTo(unfinishedSink);
  const result = await env.execute('card fraud');
  assert.equal(result.status, 'finished');

  const found = alertSink.records().sort((a, b) => a - b);
  assert.deepEqual(found, expectedAlerts(count));
  return { alerts: found, unfinished: unfinishedSink.records().length };
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? 200_000);
  main(count).then(
    ({ alerts, unfinished: n }) => {
      console.log(`${count} payments on 200 cards: ${alerts.length} alerts (as a plain scan finds), ${n} partial matches timed out`);
      console.log(`first alerts: large payments ${alerts.slice(0, 5).join(', ')}`);
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
