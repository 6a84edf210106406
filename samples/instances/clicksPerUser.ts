/**
 * One instance of the clicks-per-user job over instances (docs/cluster.md): the same program in
 * every process, configured by its environment. Clicks are read from a Kafka topic, counted per
 * user with keyed state in the cluster's Redis, and every running count goes to a Kafka topic
 * through the exactly-once sink. Start it as many times as you want instances; SIGTERM makes an
 * instance leave at once. With SLUICE_TASK_MANAGERS=<n> (or `auto`), each instance runs its
 * tasks on n task managers (worker threads), which import this module for the job's definition:
 * the instance itself starts only in the process's main thread.
 *
 *   SLUICE_APPLICATION_ID=clicks SLUICE_REDIS=redis://127.0.0.1:6379 SLUICE_KAFKA_BROKERS=127.0.0.1:9092 \
 *   CLICKS_TOPIC=clicks COUNTS_TOPIC=clicks-per-user node build/samples/instances/clicksPerUser.js
 */
import * as t from 'io-ts';
import { StreamEnvironment, defineJob } from '../../src';
import { KafkaSink, KafkaSource, fromKafka } from '../../src/kafka';

const ClickCodec = t.type({ user: t.number, page: t.string });

interface Topics {
  readonly brokers: readonly string[];
  readonly clicks: string;
  readonly counts: string;
}

export const clicksPerUser = defineJob(__filename, (env, { brokers, clicks, counts }: Topics) => {
  env.enableCheckpointing(1000, 'exactly-once');
  fromKafka(env, new KafkaSource({ brokers: [...brokers], topics: [clicks], format: { codec: ClickCodec } }), 'clicks')
    .map((c) => ({ user: c.user, clicks: 1 }))
    .keyBy((c) => c.user)
    .sum('clicks')
    .uid('clicks-per-user')
    .sinkTo(KafkaSink.exactlyOnce({ brokers: [...brokers], topic: counts, serialize: (c: { user: number; clicks: number }) => ({ key: String(c.user), value: JSON.stringify(c) }) }))
    .uid('counts-out');
});

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (see samples/instances/README.md)`);
  return value;
}

function runInstance(): void {
  const brokers = setting('SLUICE_KAFKA_BROKERS').split(',');
  const taskManagers = process.env.SLUICE_TASK_MANAGERS;
  const env = StreamEnvironment.create({
    parallelism: Number(process.env.SLUICE_PARALLELISM ?? 4),
    ...(taskManagers === undefined || taskManagers === '' ? {} : { taskManagers: taskManagers === 'auto' ? 'auto' : Number(taskManagers) }),
    cluster: { applicationId: setting('SLUICE_APPLICATION_ID'), redis: setting('SLUICE_REDIS'), kafka: { brokers }, ...(process.env.SLUICE_INSTANCE_ID ? { instanceId: process.env.SLUICE_INSTANCE_ID } : {}) },
  });
  const job = env.executeJob(clicksPerUser, { brokers, clicks: setting('CLICKS_TOPIC'), counts: setting('COUNTS_TOPIC') }, 'clicks per user');
  // Leaving at once, not when the lease runs out: the others take this instance's slots at their next heartbeat.
  process.once('SIGTERM', () => job.cancel());
  job.then(
    (result) => {
      process.stderr.write(`instance ${job.instance?.ownership().instanceId}: the job is ${result.status}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

// Task managers import this module for the job: only the process's main thread runs an instance.
if (!StreamEnvironment.isWorker()) runInstance();
