/**
 * The options of a Kafka source, and the check that refuses bad ones when the source is
 * built (every problem at once), before any job starts.
 */
import { operationTimeoutProblem } from '../../services/withinDeadline';
import type { WatermarkStrategy } from '../../time/WatermarkStrategy';
import type { KafkaFormat } from './kafkaFormat';

/**
 * Where a split starts when the checkpoint does not name an offset for a partition:
 * 'earliest', 'latest', the first record at or after a timestamp (ms; the end when there is
 * none), or the offsets committed to `groupId` ('committed' refuses to start when a
 * partition has none; `{ committedOrElse }` starts such partitions there instead).
 */
export type KafkaStartOffset =
  | 'earliest'
  | 'latest'
  | 'committed'
  | { readonly committedOrElse: 'earliest' | 'latest' }
  | { readonly timestamp: number };

/** Named topics, or a pattern: every topic whose name it matches (Kafka's internal `__` topics never). */
export type KafkaTopics = readonly string[] | RegExp;

/** Options of a Kafka source. */
export interface KafkaSourceOptions<T> {
  readonly brokers: readonly string[];
  readonly topics: KafkaTopics;
  readonly format: KafkaFormat<T>;
  readonly startFrom?: KafkaStartOffset;
  /**
   * A consumer group: where `startFrom: 'committed'` reads its offsets, and where the source
   * commits its position each time a checkpoint completes (never before: the group's offsets
   * never run ahead of a completed checkpoint). The source does not join the group.
   */
  readonly groupId?: string;
  /** With a `groupId`: commit the position on checkpoint completion (default true). */
  readonly commitOffsetsOnCheckpoint?: boolean;
  /**
   * 'unbounded' (default) reads forever; 'bounded' stops at the end offsets seen when the
   * reader opens (for tests and batch back-fills).
   */
  readonly boundedness?: 'bounded' | 'unbounded';
  /** Records buffered per instance before fetching stops (default 5000). */
  readonly bufferSize?: number;
  /** Bytes one fetch may return per partition (default 256 KiB): with bufferSize, the memory bound. */
  readonly fetchMaxBytesPerPartition?: number;
  readonly clientId?: string;
  /**
   * The longest the source waits on Kafka for one operation, kafkajs's retries included
   * (default 30 000 ms): connecting, the topics' metadata and offsets, an offset commit. A
   * cluster out of reach for that long when the source opens, or a named topic that does not
   * exist, fails the job without restarts, naming the brokers or the topic.
   */
  readonly operationTimeoutMs?: number;
  /**
   * Event time and watermarks made per partition, as Flink's KafkaSource does with the
   * strategy given to `fromSource`: each partition has its own generator, the source
   * instance's watermark is the minimum over its partitions, and a partition without records
   * for the strategy's idleness timeout holds nothing back until its next record. A record's
   * event time is the assigner's (given the Kafka timestamp as `previous`), else its Kafka
   * timestamp. Partitions read out of step with each other then make no record late, which a
   * strategy applied after the source (one generator per instance) does.
   *
   * @example
   * watermarkStrategy: WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.seconds(5))
   *   .withTimestampAssigner((r) => r.at)
   *   .withIdleness(Time.minutes(1))
   */
  readonly watermarkStrategy?: WatermarkStrategy<T>;
}

/** Every problem of the options, so that all are reported at once. */
export function sourceOptionProblems<T>(options: KafkaSourceOptions<T>): string[] {
  const problems: string[] = [];
  const { topics, startFrom, groupId } = options;
  if (!(topics instanceof RegExp) && topics.length === 0) problems.push('name at least one topic, or a pattern');
  if (options.brokers.length === 0) problems.push('name at least one broker');
  const committed = startFrom === 'committed' || (typeof startFrom === 'object' && 'committedOrElse' in startFrom);
  if (committed && (groupId === undefined || groupId.length === 0)) problems.push("startFrom 'committed' reads a consumer group's offsets: set groupId");
  if (typeof startFrom === 'object' && 'timestamp' in startFrom && !(Number.isFinite(startFrom.timestamp) && startFrom.timestamp >= 0)) {
    problems.push(`startFrom { timestamp } must be a time in ms since the epoch, got ${startFrom.timestamp}`);
  }
  if (groupId !== undefined && groupId.length === 0) problems.push('groupId must not be empty');
  if (options.watermarkStrategy !== undefined && options.watermarkStrategy.outOfOrdernessMs === undefined) {
    problems.push('watermarkStrategy: noWatermarks() makes no watermarks; give forBoundedOutOfOrderness or forMonotonousTimestamps, or leave it out');
  }
  const timeoutProblem = operationTimeoutProblem(options.operationTimeoutMs);
  if (timeoutProblem !== undefined) problems.push(timeoutProblem);
  return problems;
}
