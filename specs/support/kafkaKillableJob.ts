/**
 * A job run in a child process by the Kafka process-kill scenario: events from a Kafka topic,
 * counted per key, into a Kafka topic through the exactly-once (or at-least-once) sink, with
 * checkpoints in a folder. Killed with SIGKILL and started again with the same job id, it
 * resumes from its last completed checkpoint. Prints `checkpoint <n>` as checkpoints
 * complete and `finished` at the end.
 *
 *   node kafkaKillableJob.js <bootstrap> <input> <output> <checkpoint dir> <mode>
 */
import * as t from 'io-ts';
import { CheckpointingMode, StreamEnvironment } from '../../src';
import { KafkaSink } from '../../src/connectors/kafka/KafkaSink';
import { KafkaSource } from '../../src/connectors/kafka/KafkaSource';
import { fromKafka } from '../../src/api/fromKafka';
import { Counted, countingJob } from './countingJob';
import { reportCheckpointsUntilDone } from './killAndRestart';

const EventCodec = t.type({ id: t.number, key: t.number });

async function main(): Promise<void> {
  const [bootstrap, input, output, dir, mode] = process.argv.slice(2);
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 128, jobId: `kafka-killable-${output}`, checkpointStorage: `file:${dir}` });
  env.enableCheckpointing(50, mode as CheckpointingMode, { retainedCheckpoints: 2 });
  const events = fromKafka(env, new KafkaSource({ brokers: [bootstrap], topics: [input], format: { codec: EventCodec }, boundedness: 'bounded' }), 'kafka-in');
  const serialize = (c: Counted) => ({ key: String(c.key), value: JSON.stringify(c) });
  const counted = countingJob(events);
  if (mode === 'exactly-once') counted.sinkTo(KafkaSink.exactlyOnce<Counted>({ brokers: [bootstrap], topic: output, transactionalIdPrefix: output, serialize }));
  else counted.sinkTo(KafkaSink.atLeastOnce<Counted>({ brokers: [bootstrap], topic: output, serialize }));
  const job = env.execute('kafka-killable');
  await reportCheckpointsUntilDone(job);
  process.stdout.write('finished\n');
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
