/**
 * The CEP benchmark: the card-fraud pattern (samples/card-fraud) over 1M payments, beside the
 * same rule written by hand as a keyed process function, in the same run on the same input
 * (a source at parallelism 1, so each card's payments arrive in time order; keyed operators at
 * parallelism 2). The CEP side also holds each payment in state until the watermark passes it,
 * which out-of-order input needs and the hand-written twin, relying on ordered input, skips.
 */
import { CEP, StreamEnvironment, WatermarkStrategy } from '../../src';
import { FraudAlerts, HandWrittenFraud, Payment, payment, smallsThenLarge } from '../card-fraud/fraudPattern';
import { Benchmark } from './cases';
import { DiscardingSink } from './DiscardingSink';

async function fraudJob(events: number, detect: 'cep' | 'hand-written') {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const sink = new DiscardingSink();
  const payments = env
    .fromGenerator(events, payment)
    .setParallelism(1)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.at))
    .setParallelism(1)
    .keyBy((p) => p.card);
  const alerts = detect === 'cep' ? CEP.pattern(payments, smallsThenLarge).process(new FraudAlerts()) : payments.process(new HandWrittenFraud());
  alerts.sinkTo(sink);
  await env.execute('bench');
  return sink.total();
}

export const cepBenchmarks: readonly Benchmark[] = [
  {
    id: 'cep',
    sluiceName: 'CEP: 3 small payments then a large one within 5 min, per card, p=2',
    baselineName: 'the same rule as a hand-written keyed process function',
    parallelism: 2,
    events: 1_000_000,
    aim: 1 / 3,
    sluice: (events) => fraudJob(events, 'cep'),
    baseline: (events) => fraudJob(events, 'hand-written'),
  },
];
