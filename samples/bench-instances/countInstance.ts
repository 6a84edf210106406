/**
 * One process of `make bench-instances` (main.ts): the keyed count of clicks per user, Kafka →
 * Kafka exactly-once, on a bounded input, either as one instance of a job over instances
 * (`cluster`) or as a plain job of one process (`local`: memory state, or `local-redis`: keyed
 * state and checkpoints in the same Redis as the instances use, no cluster). Configured by its
 * environment (below); prints one JSON line when its handle settles: the job's status, the
 * process's CPU seconds (every thread's) and peak RSS, and the time it ended. With
 * BENCH_TASK_MANAGERS above 1 an instance runs its tasks on that many task managers (worker
 * threads), which import this module for the job: the process starts only in its main thread.
 */
import * as t from 'io-ts';
import { StreamEnvironment, defineJob } from '../../src';
import { KafkaSink, KafkaSource, fromKafka } from '../../src/kafka';

const ClickCodec = t.type({ user: t.number, page: t.string });
const Mode = t.keyof({ cluster: null, local: null, 'local-redis': null });

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (samples/bench-instances/main.ts sets it)`);
  return value;
}

interface Topics {
  readonly brokers: readonly string[];
  readonly input: string;
  readonly output: string;
  readonly applicationId: string;
}

export const countClicks = defineJob(__filename, (env, { brokers, input, output, applicationId }: Topics) => {
  env.enableCheckpointing(1000, 'exactly-once');
  fromKafka(env, new KafkaSource({ brokers: [...brokers], topics: [input], format: { codec: ClickCodec }, boundedness: 'bounded' }), 'clicks')
    .map((c) => ({ user: c.user, clicks: 1 }))
    .keyBy((c) => c.user)
    .sum('clicks')
    .uid('clicks-per-user')
    .sinkTo(
      KafkaSink.exactlyOnce({
        brokers: [...brokers],
        topic: output,
        transactionalIdPrefix: `${applicationId}-out`,
        serialize: (c: { user: number; clicks: number }) => ({ key: String(c.user), value: JSON.stringify(c) }),
      }),
    )
    .uid('counts-out');
});

function run(): void {
  const mode = setting('BENCH_MODE');
  if (!Mode.is(mode)) throw new Error(`BENCH_MODE must be cluster, local or local-redis, not '${mode}'`);
  const brokers = [setting('BENCH_BROKER')];
  const redis = setting('BENCH_REDIS');
  const applicationId = setting('BENCH_APPLICATION_ID');
  const parallelism = Number(setting('BENCH_PARALLELISM'));
  const env = StreamEnvironment.create({
    parallelism,
    taskManagers: Number(process.env.BENCH_TASK_MANAGERS ?? 1),
    ...(mode === 'cluster' ? { cluster: { applicationId, redis, kafka: { brokers }, instanceId: setting('BENCH_INSTANCE_ID') } } : {}),
    ...(mode === 'local-redis' ? { stateBackend: { type: 'redis' as const, url: redis, keyPrefix: 'sluice' }, checkpointStorage: `${redis}?prefix=sluice` } : {}),
  });
  const job = env.executeJob(countClicks, { brokers, input: setting('BENCH_INPUT'), output: setting('BENCH_OUTPUT'), applicationId }, applicationId);
  const report = (status: string) => {
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ status, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024, endedAt: Date.now() })}\n`);
  };
  job.then(
    (result) => {
      report(result.status);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      report('failed');
      process.exit(1);
    },
  );
}

// Task managers import this module for the job: only the process's main thread runs.
if (!StreamEnvironment.isWorker()) run();
