/**
 * The names of every metric Sluice exports, in one place (as KafkaJS keeps its instrumentation
 * events): docs/operations.md lists them, specs and dashboards refer to these constants.
 * Per-task metrics carry the labels `job`, `vertex` (the task's chain name) and `subtask`;
 * per-operator ones add `operator`.
 */

/** Labels of a per-task metric. */
export const TASK_LABELS = ['job', 'vertex', 'subtask'] as const;
/** Labels of a Kafka source's per-partition metric. */
export const PARTITION_LABELS = ['job', 'vertex', 'subtask', 'topic', 'partition'] as const;
/** Labels of a per-operator metric. */
export const OPERATOR_LABELS = ['job', 'vertex', 'subtask', 'operator'] as const;

/** The names of the metrics Sluice serves (Prometheus names, `sluice_` first). */
export const MetricNames = {
  // --- per task (one operator chain instance) -------------------------------------------------
  /** Records the task took from its input channels (a source: records it read). */
  taskRecordsIn: 'sluice_task_records_in_total',
  /** Records the task sent on its output channels. */
  taskRecordsOut: 'sluice_task_records_out_total',
  /** Flink's busyTimeMsPerSecond: ms per second spent handling input, timers and checkpoints. */
  busyTimeMsPerSecond: 'sluice_task_busy_time_ms_per_second',
  /** Flink's backPressuredTimeMsPerSecond: ms per second waiting for output credit. */
  backPressuredTimeMsPerSecond: 'sluice_task_back_pressured_time_ms_per_second',
  /** Flink's idleTimeMsPerSecond: ms per second waiting for input. */
  idleTimeMsPerSecond: 'sluice_task_idle_time_ms_per_second',
  /** Flink's inPoolUsage: records queued on the input channels ÷ the credit granted (0..1). */
  inputQueueUsage: 'sluice_task_input_queue_usage',
  /** Flink's outPoolUsage: records waiting for credit on the output channels ÷ one batch per channel (0..1). */
  outputQueueUsage: 'sluice_task_output_queue_usage',
  /** The task's event time: the minimum over its inputs' watermarks (ms since the epoch). */
  currentInputWatermark: 'sluice_task_current_input_watermark_ms',
  /** The last watermark the task sent downstream (ms since the epoch). */
  currentOutputWatermark: 'sluice_task_current_output_watermark_ms',
  /** Wall-clock time minus the output watermark (ms): how far event time trails. */
  watermarkLag: 'sluice_task_watermark_lag_ms',
  /** Flink's numLateRecordsDropped: records a window dropped as late, with no late-data side output. */
  lateRecordsDropped: 'sluice_task_late_records_dropped_total',
  /** Keys with a value in the task's keyed state, summed over its states. */
  stateKeys: 'sluice_task_state_keys',
  /**
   * Bytes of the task's keyed state where they are known: with the memory backend, the UTF-8
   * bytes of the keys and entries in its last checkpoint (a Redis backend's state is in Redis).
   */
  stateSizeBytes: 'sluice_task_state_size_bytes',
  /** Entries resident in a Redis backend's cache. */
  stateCachedEntries: 'sluice_task_state_cached_entries',
  /** A Kafka source: records in a partition it has not read yet (labels `topic`, `partition`), as of its last fetch. */
  kafkaConsumerLag: 'sluice_kafka_consumer_lag_records',

  // --- per operator inside a chain ------------------------------------------------------------
  operatorRecordsIn: 'sluice_operator_records_in_total',
  operatorRecordsOut: 'sluice_operator_records_out_total',

  // --- per job --------------------------------------------------------------------------------
  /** Checkpoints by outcome (label `outcome`: completed, failed); savepoints are not counted here. */
  checkpoints: 'sluice_job_checkpoints_total',
  /** Savepoints asked for, by outcome (label `outcome`: completed, failed). */
  savepoints: 'sluice_job_savepoints_total',
  /** Trigger to completion of the last completed checkpoint. */
  lastCheckpointDuration: 'sluice_job_last_checkpoint_duration_ms',
  /** Approximate size of the last completed checkpoint's snapshots (UTF-16 characters of their strings, 8 per number). */
  lastCheckpointSize: 'sluice_job_last_checkpoint_size_bytes',
  /** Longest time a task held input for barrier alignment in the last completed checkpoint. */
  lastCheckpointAlignment: 'sluice_job_last_checkpoint_alignment_ms',
  /** Restarts of the whole job after failures. */
  restarts: 'sluice_job_restarts_total',
  /** Restarts of single tasks under the restartTask supervision directive. */
  taskRestarts: 'sluice_job_task_restarts_total',
  /** 1 for the job's current status (label `status`), 0 for the others. */
  status: 'sluice_job_status',
  /** Redis state backend: share of batch key look-ups served by the cache (0..1), per task. */
  redisCacheHitRatio: 'sluice_redis_cache_hit_ratio',

  // --- user metrics (RuntimeContext.getMetricGroup()) -----------------------------------------
  /** Prefix of user metrics: `sluice_user_<name>` with the operator labels. */
  userPrefix: 'sluice_user_',
} as const;

/** A user metric's name as Prometheus accepts it: letters, digits and underscores. */
export function userMetricName(name: string): string {
  return MetricNames.userPrefix + name.replace(/[^A-Za-z0-9_]/g, '_');
}
