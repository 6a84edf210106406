/**
 * The at-least-once Kafka sink: a plain idempotent producer whose every batch is acknowledged
 * by all in-sync replicas before the task asks for more, so the barrier never passes unflushed
 * records: nothing is lost, a restore may repeat records.
 */
import type { Producer } from 'kafkajs';
import type { Sink, SinkContext, SinkWriter } from '../../graph/Sink';
import { ServiceError } from '../../services/ServiceError';
import { connectWithin, createKafkaClient, DEFAULT_KAFKA_OPERATION_TIMEOUT_MS, messageOf, withinKafkaBound } from './kafkaClient';
import { checkSinkOptions, defaultSerialize, KafkaSinkOptions, topicGate, topicMessages } from './kafkaSinkOptions';

export class KafkaAtLeastOnceSink<T> implements Sink<T> {
  readonly name: string;
  constructor(private readonly options: KafkaSinkOptions<T>) {
    checkSinkOptions(options);
    this.name = `Kafka Sink (${options.topic}, at-least-once)`;
  }
  createWriter({ index, logger }: SinkContext): SinkWriter<T> {
    const { brokers, topic, clientId, allowAutoTopicCreation = false, operationTimeoutMs = DEFAULT_KAFKA_OPERATION_TIMEOUT_MS } = this.options;
    const serialize = this.options.serialize ?? defaultSerialize;
    const what = `${this.name} (instance ${index})`;
    const kafka = createKafkaClient({ brokers, clientId: clientId ?? 'sluice-sink', operationTimeoutMs, logger });
    const checkTopics = topicGate(this.options, what, kafka, logger);
    let producer: Producer | undefined;
    return {
      async open() {
        await checkTopics([topic]);
        const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation });
        producer = p;
        await connectWithin(() => p.connect(), what, brokers, operationTimeoutMs, logger);
      },
      async write(records) {
        const batch = topicMessages(records, serialize, topic);
        await checkTopics(batch.map((b) => b.topic));
        const names = batch.map((b) => b.topic).join(', ');
        try {
          await withinKafkaBound(producer!.sendBatch({ acks: -1, topicMessages: batch }), `${what}: sending ${records.length} records to ${names}`, brokers, operationTimeoutMs);
        } catch (e) {
          if (e instanceof ServiceError) throw e;
          throw new ServiceError('kafka', names, `${what}: sending ${records.length} records to ${names} on ${brokers.join(',')} failed: ${messageOf(e)}`, true, e);
        }
      },
      async close() {
        const p = producer;
        producer = undefined;
        await p?.disconnect().catch(() => undefined);
      },
    };
  }
}
