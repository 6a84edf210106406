/**
 * The card-fraud rule of fraudPattern.ts in SQL: MATCH_RECOGNIZE over a table of payments,
 * run on the same CEP engine. Three small payments in a row on a card (S{3}), then a large one
 * (L), all within 5 minutes; one row per match with the large payment's id and the smalls'
 * total.
 */
import { DataStream, StreamEnvironment } from '../../src';
import { TableEnvironment } from '../../src/sql';
import { LARGE_ABOVE, Payment, SMALL_BELOW } from './fraudPattern';

export const FRAUD_SQL = `
  SELECT card, large_id, smalls_total
  FROM payments
    MATCH_RECOGNIZE (
      PARTITION BY card
      ORDER BY \`at\`
      MEASURES
        L.id AS large_id,
        SUM(S.amount) AS smalls_total
      ONE ROW PER MATCH
      AFTER MATCH SKIP PAST LAST ROW
      PATTERN (S{3} L) WITHIN INTERVAL '5' MINUTE
      DEFINE
        S AS S.amount < ${SMALL_BELOW},
        L AS L.amount > ${LARGE_ABOVE}
    )`;

/** One alert row per match. */
export interface FraudRow {
  readonly card: number;
  readonly large_id: number;
  readonly smalls_total: number;
}

/** The alerts of FRAUD_SQL over `payments` (event time: their `at`). */
export function sqlAlerts(env: StreamEnvironment, payments: DataStream<Payment>): DataStream<FraudRow> {
  const tEnv = TableEnvironment.create(env);
  tEnv.createTemporaryView('payments', tEnv.fromDataStream(payments, 'id INT, card INT, amount INT, `at` TIMESTAMP(3), WATERMARK FOR `at` AS `at`'));
  return tEnv
    .sqlQuery(FRAUD_SQL)
    .toDataStream()
    .map((r) => ({ card: r.card as number, large_id: r.large_id as number, smalls_total: r.smalls_total as number }));
}
