/**
 * Kafka sinks (kafkajs), by the guarantee they give: `KafkaSink.exactlyOnce(options)`, a
 * two-phase-commit sink over Kafka transactions (KafkaTransactionalSink.ts), and
 * `KafkaSink.atLeastOnce(options)`, batches acknowledged by all in-sync replicas
 * (KafkaAtLeastOnceSink.ts). Options: kafkaSinkOptions.ts; docs/kafka.md.
 */
import type { Sink } from '../../graph/Sink';
import type { TwoPhaseCommitSink } from '../../graph/TwoPhaseCommitSink';
import { KafkaAtLeastOnceSink } from './KafkaAtLeastOnceSink';
import type { KafkaExactlyOnceOptions, KafkaSinkOptions } from './kafkaSinkOptions';
import { KafkaTransaction, KafkaTransactionalSink } from './KafkaTransactionalSink';

/** Kafka sinks: `KafkaSink.exactlyOnce(options)` or `KafkaSink.atLeastOnce(options)` (see docs/kafka.md). */
export const KafkaSink = {
  /** Exactly-once through Kafka transactions; needs exactly-once checkpoints to commit (or commits at end of input). */
  exactlyOnce<T>(options: KafkaExactlyOnceOptions<T>): TwoPhaseCommitSink<T, KafkaTransaction> {
    return new KafkaTransactionalSink(options);
  },
  /** At-least-once: each batch is acknowledged by all in-sync replicas before more is read. */
  atLeastOnce<T>(options: KafkaSinkOptions<T>): Sink<T> {
    return new KafkaAtLeastOnceSink(options);
  },
};
