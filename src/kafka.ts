/**
 * Kafka sources and sinks, `import { … } from 'sluice/kafka'`: exactly-once through Kafka
 * transactions, source offsets in the checkpoint (docs/kafka.md). kafkajs is loaded when the
 * first source or sink connects, not by this import.
 *
 * @packageDocumentation
 * @module sluice/kafka
 */
export { KafkaSource, KafkaSourceOptions, KafkaFormat, KafkaStartOffset, KafkaTopics, KafkaInputRecord, KafkaDeadLetter, KafkaSourcePosition, kafkaDeadLetters, fromKafka } from './connectors/KafkaSource';
export { KafkaSink, KafkaSinkOptions, KafkaExactlyOnceOptions, KafkaOutputRecord, KafkaTransaction } from './connectors/KafkaSink';
