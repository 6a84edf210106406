/**
 * Real-time fraud scoring (docs/ml.md): payments stream in; each is scored by an online
 * logistic regression as it arrives, and payments scoring above 0.8 raise an alert. Whether a
 * payment was fraud becomes known later for some of them (a chargeback, or a customer's
 * confirmation) and arrives on the same stream as feedback: the model learns from it.
 * The payments are synthetic, their fraud drawn from a hidden rule, so the sample checks
 * itself: the alerts of the last part of the stream are measured against the truth.
 * Run: node build/samples/fraud-scoring/main.js
 */
import * as assert from 'node:assert/strict';
import { CollectSink, StreamEnvironment } from '../../src';
import { OnlineLearner, OnlineLogisticRegression, Scored } from '../../src/ml';

/** A payment, or the feedback on one (then `fraud` is known). */
interface PaymentEvent {
  readonly id: number;
  /** Features known when the payment is made. */
  readonly amount: number;
  readonly nightTime: boolean;
  readonly kmFromHome: number;
  readonly newMerchant: boolean;
  /** Known for feedback only. */
  readonly fraud?: boolean;
}

const PAYMENTS = 40_000;
const ALERT_AT = 0.8;

/** The features the model sees: scaled to be of order one, as SGD likes them. */
const features = (p: PaymentEvent): number[] => [Math.log1p(p.amount) / 5, p.nightTime ? 1 : 0, Math.min(p.kmFromHome, 2000) / 500, p.newMerchant ? 1 : 0];

/** Payment i, seeded: fraud follows a hidden logistic rule of the features. */
function payment(i: number): PaymentEvent & { readonly truth: boolean; readonly probability: number } {
  const r = (k: number) => {
    const x = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
    return x - Math.floor(x);
  };
  const amount = Math.round(Math.exp(r(1) * 7) * 100) / 100;
  const nightTime = r(2) < 0.25;
  const kmFromHome = r(3) < 0.8 ? r(4) * 30 : r(4) * 3000;
  const newMerchant = r(5) < 0.3;
  const z = -8.5 + 1.2 * (Math.log1p(amount) / 5) * 5 + 1.5 * (nightTime ? 1 : 0) + 1.2 * (Math.min(kmFromHome, 2000) / 500) + 1.8 * (newMerchant ? 1 : 0);
  const probability = 1 / (1 + Math.exp(-z));
  return { id: i, amount, nightTime, kmFromHome, newMerchant, truth: r(6) < probability, probability };
}

interface AlertQuality {
  readonly alerts: number;
  readonly precision: number;
  readonly recall: number;
}

/** Precision and recall of alerting on `score` against the hidden truth. */
function quality(ids: readonly number[], score: (id: number) => number): AlertQuality {
  const alerts = ids.filter((id) => score(id) >= ALERT_AT);
  const caught = alerts.filter((id) => payment(id).truth).length;
  return { alerts: alerts.length, precision: caught / alerts.length, recall: caught / ids.filter((id) => payment(id).truth).length };
}

const describe = (q: AlertQuality) => `${q.alerts} alerts, precision ${q.precision.toFixed(2)}, recall ${q.recall.toFixed(2)}`;

export async function main(): Promise<{ model: AlertQuality; hiddenRule: AlertQuality }> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(1000);
  const scored = new CollectSink<Scored<PaymentEvent>>();
  const model = new OnlineLogisticRegression({ features: 4, learningRate: 0.1, decay: 0.0002 });
  env
    // Every payment, and — for the first three quarters — its outcome right after: in a real
    // deployment feedback arrives hours later, from another topic united with this one.
    .fromGenerator(PAYMENTS, (i): PaymentEvent => {
      const { truth, probability: _hidden, ...p } = payment(i);
      return i < (PAYMENTS * 3) / 4 ? { ...p, fraud: truth } : p;
    })
    .setParallelism(1)
    .uid('payments')
    .keyBy(() => 'all-payments') // one model for the whole stream; key by region for one per region
    .process(new OnlineLearner(model, { features, label: (p: PaymentEvent) => (p.fraud === undefined ? undefined : p.fraud ? 1 : 0) }))
    .uid('fraud-model')
    .sinkTo(scored)
    .uid('scores');
  await env.execute('fraud scoring');

  // The last quarter was only scored: compare its alerts with the hidden truth.
  const unlabelled = scored.records().filter((s) => !s.learnt);
  assert.equal(unlabelled.length, PAYMENTS / 4);
  const scores = new Map(unlabelled.map((s) => [s.record.id, s.score]));
  const ids = [...scores.keys()];
  const learnt = quality(ids, (id) => scores.get(id)!);
  // The best any model can do: alerting on the hidden rule's own probability.
  const hiddenRule = quality(ids, (id) => payment(id).probability);
  const frauds = ids.filter((id) => payment(id).truth).length;
  console.log(`${ids.length} payments scored without feedback, ${frauds} of them fraud; alerts at score >= ${ALERT_AT}:`);
  console.log(`  the model learnt online: ${describe(learnt)}`);
  console.log(`  the hidden rule itself:  ${describe(hiddenRule)}`);
  // Within a few points of the rule that made the data, from feedback alone.
  assert.ok(learnt.precision >= hiddenRule.precision - 0.05, 'precision within 0.05 of the hidden rule');
  assert.ok(learnt.recall >= hiddenRule.recall - 0.1, 'recall within 0.1 of the hidden rule');
  return { model: learnt, hiddenRule };
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
