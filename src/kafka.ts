/**
 * Kafka sources and sinks, `import { … } from 'sluice/kafka'`: exactly-once through Kafka
 * transactions, source offsets in the checkpoint (docs/kafka.md). kafkajs is loaded when the
 * first source or sink connects, not by this import.
 *
 * @packageDocumentation
 * @module sluice/kafka
 */
export { KafkaSource } from './connectors/kafka/KafkaSource';
export { KafkaSourceOptions, KafkaStartOffset, KafkaTopics } from './connectors/kafka/KafkaSourceOptions';
export { KafkaFormat, KafkaInputRecord, KafkaDeadLetter } from './connectors/kafka/kafkaFormat';
export { KafkaSourcePosition } from './connectors/kafka/KafkaSourcePosition';
export { kafkaDeadLetters, fromKafka } from './api/fromKafka';
export { KafkaSink } from './connectors/kafka/KafkaSink';
export { KafkaSinkOptions, KafkaExactlyOnceOptions, KafkaOutputRecord } from './connectors/kafka/kafkaSinkOptions';
export { KafkaTransaction } from './connectors/kafka/KafkaTransactionalSink';
