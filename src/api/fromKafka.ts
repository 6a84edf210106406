/**
 * The stream of a Kafka source's decoded records, with the records that failed to decode on
 * the side output `kafkaDeadLetters`. It lives with the API, not with the connector: it only
 * builds streams, and the API reaches the connector by type alone, so importing the API (or
 * `StreamEnvironment`) loads no Kafka connector module and no kafkajs.
 *
 * @example
 * const events = fromKafka(env, new KafkaSource({ brokers, topics: ['events'], format: { codec: EventCodec } }));
 * events.getSideOutput(kafkaDeadLetters).print();
 */
import type { Either } from 'fp-ts/Either';
import type { KafkaDeadLetter } from '../connectors/kafka/kafkaFormat';
import type { KafkaSource } from '../connectors/kafka/KafkaSource';
import type { SingleOutputStream } from './DataStream';
import type { Collector } from '../graph/Collector';
import { OutputTag } from '../graph/OutputTag';
import { ProcessContext, ProcessFunction } from './ProcessFunction';
import type { StreamEnvironment } from './StreamEnvironment';

/** The side output of `fromKafka` that receives records that failed to decode. */
export const kafkaDeadLetters = new OutputTag<KafkaDeadLetter>('kafka-dead-letters');

/** Sends decoded records on and dead letters to the `kafkaDeadLetters` side output. */
class SplitDeadLetters<T> extends ProcessFunction<Either<KafkaDeadLetter, T>, T> {
  override readonly sideOutputTags = [kafkaDeadLetters];
  processElement(value: Either<KafkaDeadLetter, T>, ctx: ProcessContext, out: Collector<T>): void {
    if (value._tag === 'Right') out.collect(value.right);
    else ctx.output(kafkaDeadLetters, value.left);
  }
}

/**
 * The stream of decoded records of a Kafka source; records that failed to decode are on its
 * side output `kafkaDeadLetters` (read it with `getSideOutput(kafkaDeadLetters)`).
 */
export function fromKafka<T>(env: StreamEnvironment, source: KafkaSource<T>, uid?: string): SingleOutputStream<T> {
  const raw = env.fromSource(source);
  if (uid !== undefined) raw.uid(uid);
  return raw.process(new SplitDeadLetters<T>()).name('Kafka Dead Letters');
}
