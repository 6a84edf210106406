/**
 * The Sluice side of one run of `make bench-kafka-streams`, in a process of its own:
 * `node build/samples/kafka-streams-twin/sluiceSide.js <bootstrap> <input> <output> map|count`.
 * The job is the twin's (src/sluice/kstwin/StreamsTwin.java): Kafka → map → Kafka, or Kafka →
 * keyed running count → Kafka, exactly-once with checkpoints every second, parallelism 2, the
 * same output records. Prints one JSON line: seconds from start to the end of the bounded
 * input (the last transaction committed), CPU seconds of the process, peak RSS.
 */
import * as t from 'io-ts';
import { StreamEnvironment } from '../../src';
import { KafkaSink, KafkaSource, fromKafka } from '../../src/kafka';

const PaymentCodec = t.type({ id: t.number, user: t.number, amount: t.number });

/** Both jobs' records go out keyed by user, as JSON (the twin writes the same text). */
const byUser = (r: { readonly user: number }) => ({ key: String(r.user), value: JSON.stringify(r) });

async function main(): Promise<void> {
  const [bootstrap, input, output, job] = process.argv.slice(2);
  if (job !== 'map' && job !== 'count') throw new Error(`usage: sluiceSide.js bootstrap input output map|count (got job '${job}')`);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const env = StreamEnvironment.create({ parallelism: 2 });
  env.enableCheckpointing(1000, 'exactly-once');
  const payments = fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [input], format: { codec: PaymentCodec }, boundedness: 'bounded' }), 'payments');
  const transactionalIdPrefix = `${output}-${process.pid}`;
  if (job === 'map') {
    payments
      .map((p) => ({ id: p.id, user: p.user, cents: Math.round(p.amount * 100) }))
      .uid('to-cents')
      .sinkTo(KafkaSink.exactlyOnce({ brokers: [bootstrap], topic: output, transactionalIdPrefix, serialize: byUser }))
      .uid('sink');
  } else {
    payments
      .map((p) => ({ user: p.user, count: 1 }))
      .uid('ones')
      .keyBy((r) => String(r.user))
      .reduce((a, b) => ({ user: a.user, count: a.count + b.count }))
      .uid('count')
      .sinkTo(KafkaSink.exactlyOnce({ brokers: [bootstrap], topic: output, transactionalIdPrefix, serialize: byUser }))
      .uid('sink');
  }
  await env.execute(`kafka-streams-twin-${job}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${JSON.stringify({ side: 'sluice', job, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
