/**
 * A parallel Kafka source (kafkajs). The partitions of the topics are split over the source
 * instances (kafkaSplits.ts); each instance reads its split from the offsets the checkpointed
 * positions name, so a restore rewinds exactly there whatever the consumer group holds
 * (KafkaSplitReader.ts). With a `groupId`, a completed checkpoint's offsets are committed to
 * the group, for lag tools and `startFrom: 'committed'` (KafkaOffsetCommitter.ts). Records
 * are decoded at this edge into `Either<KafkaDeadLetter, T>` (kafkaFormat.ts); `fromKafka`
 * splits them into the stream of T and the dead-letter side output `kafkaDeadLetters`, so a
 * bad record is data, not a crash.
 * With a `watermarkStrategy`, each partition has its own watermark generator and an instance's
 * watermark is the minimum over its active partitions, as Flink's KafkaSource makes them.
 *
 * @example
 * const source = new KafkaSource({ brokers: ['127.0.0.1:9092'], topics: ['events'], format: { codec: EventCodec } });
 * const events = fromKafka(env, source);
 * events.getSideOutput(kafkaDeadLetters).print();
 */
import type { Either } from 'fp-ts/Either';
import type { Source, SourceReader, SplitContext } from '../../graph/Source';
import type { KafkaDeadLetter } from './kafkaFormat';
import { KafkaSourceOptions, sourceOptionProblems } from './KafkaSourceOptions';
import { KafkaSplitReader } from './KafkaSplitReader';

/**
 * Reads Kafka topics, with offsets in checkpoints (see the module comment and docs/kafka.md); use it with
 * `env.fromKafka(source)`.
 */
export class KafkaSource<T> implements Source<Either<KafkaDeadLetter, T>> {
  readonly name: string;
  readonly parallel = true;
  /** Partitions are dealt anew from the positions of all former instances: restorable at any parallelism. */
  readonly rescalable = true;

  constructor(readonly options: KafkaSourceOptions<T>) {
    const problems = sourceOptionProblems(options);
    if (problems.length > 0) throw new Error(`KafkaSource: ${problems.join('; ')}`);
    this.name = `Kafka Source (${options.topics instanceof RegExp ? String(options.topics) : options.topics.join(', ')})`;
  }

  /** Called by the runtime: one reader per parallel instance, created in its task. */
  createReader(split: SplitContext): SourceReader<Either<KafkaDeadLetter, T>> {
    return new KafkaSplitReader(this.name, this.options, split);
  }
}
