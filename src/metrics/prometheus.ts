/**
 * A job's metrics in Prometheus' text format (prom-client): a registry is filled from the
 * sampler's latest snapshot on each scrape, so nothing is registered globally and a job that
 * ended leaves nothing behind.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { JobMetricsSnapshot } from './JobMetrics';
import { MetricNames, OPERATOR_LABELS, PARTITION_LABELS, TASK_LABELS, userMetricName } from './metricNames';
import { JobStatus } from './JobStatus';

const STATUSES: readonly JobStatus[] = ['created', 'running', 'finishing', 'restarting', 'finished', 'failing', 'failed', 'cancelling', 'cancelled'];

/** The content type of `renderPrometheus`' output. */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export function renderPrometheus(job: string, snapshot: JobMetricsSnapshot): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers });

  const taskGauges = {
    busy: gauge(MetricNames.busyTimeMsPerSecond, 'ms per second the task was busy', TASK_LABELS),
    backPressured: gauge(MetricNames.backPressuredTimeMsPerSecond, 'ms per second the task waited for output credit', TASK_LABELS),
    idle: gauge(MetricNames.idleTimeMsPerSecond, 'ms per second the task waited for input', TASK_LABELS),
    inputQueue: gauge(MetricNames.inputQueueUsage, 'records queued at the input / credit granted', TASK_LABELS),
    outputQueue: gauge(MetricNames.outputQueueUsage, 'records waiting for credit / one batch per output channel', TASK_LABELS),
    inputWatermark: gauge(MetricNames.currentInputWatermark, "the task's event time (ms since the epoch)", TASK_LABELS),
    outputWatermark: gauge(MetricNames.currentOutputWatermark, 'the last watermark sent downstream (ms since the epoch)', TASK_LABELS),
    lag: gauge(MetricNames.watermarkLag, 'wall-clock time minus the output watermark (ms)', TASK_LABELS),
    stateKeys: gauge(MetricNames.stateKeys, 'keys with a value in keyed state', TASK_LABELS),
    stateBytes: gauge(MetricNames.stateSizeBytes, 'bytes of keyed state in the last checkpoint (memory backend, Redis with full snapshots)', TASK_LABELS),
    cached: gauge(MetricNames.stateCachedEntries, "entries resident in the Redis backend's cache", TASK_LABELS),
    hitRatio: gauge(MetricNames.redisCacheHitRatio, 'share of batch key look-ups whose entry was resident in the Redis cache', TASK_LABELS),
  };
  const recordsIn = counter(MetricNames.taskRecordsIn, 'records taken from the input channels (a source: read)', TASK_LABELS);
  const recordsOut = counter(MetricNames.taskRecordsOut, 'records sent on the output channels', TASK_LABELS);
  const lag = gauge(MetricNames.kafkaConsumerLag, 'records in the partition not read yet, as of the last fetch', PARTITION_LABELS);
  const late = counter(MetricNames.lateRecordsDropped, 'records dropped as late by a window', TASK_LABELS);
  const opIn = counter(MetricNames.operatorRecordsIn, 'records into the operator', OPERATOR_LABELS);
  const opOut = counter(MetricNames.operatorRecordsOut, 'records out of the operator', OPERATOR_LABELS);
  const user = new Map<string, Gauge<string>>();
  const userGauge = (name: string, extra: readonly string[] = []) => {
    let g = user.get(name);
    if (g === undefined) user.set(name, (g = gauge(name, 'user metric', [...OPERATOR_LABELS, ...extra])));
    return g;
  };

  for (const t of snapshot.tasks) {
    const labels = { job, vertex: t.name, subtask: String(t.subtask) };
    const set = (g: Gauge<(typeof TASK_LABELS)[number]>, v: number | null | undefined) => {
      if (v !== null && v !== undefined) g.set(labels, v);
    };
    set(taskGauges.busy, t.busyTimeMsPerSecond);
    set(taskGauges.backPressured, t.backPressuredTimeMsPerSecond);
    set(taskGauges.idle, t.idleTimeMsPerSecond);
    set(taskGauges.inputQueue, t.inputQueueUsage);
    set(taskGauges.outputQueue, t.outputQueueUsage);
    set(taskGauges.inputWatermark, t.inputWatermark);
    set(taskGauges.outputWatermark, t.outputWatermark);
    set(taskGauges.lag, t.watermarkLagMs);
    set(taskGauges.stateKeys, t.stateKeys);
    set(taskGauges.stateBytes, t.stateBytes);
    for (const p of t.partitionLag) lag.set({ ...labels, topic: p.topic, partition: String(p.partition) }, p.lag);
    set(taskGauges.cached, t.cachedEntries);
    set(taskGauges.hitRatio, t.cacheHitRatio);
    recordsIn.inc(labels, t.recordsIn);
    recordsOut.inc(labels, t.recordsOut);
    late.inc(labels, t.lateRecordsDropped);
    for (const op of t.operators) {
      const opLabels = { ...labels, operator: op.name };
      opIn.inc(opLabels, op.recordsIn);
      opOut.inc(opLabels, op.recordsOut);
      for (const m of op.user) {
        const name = userMetricName(m.name);
        if (m.kind !== 'histogram') userGauge(name).set(opLabels, m.value);
        else for (const [q, v] of Object.entries(m.statistics)) userGauge(name, ['statistic']).set({ ...opLabels, statistic: q }, v);
      }
    }
  }

  const jobLabels = ['job'] as const;
  const checkpoints = counter(MetricNames.checkpoints, 'checkpoints by outcome', ['job', 'outcome']);
  checkpoints.inc({ job, outcome: 'completed' }, snapshot.checkpoints?.completed ?? 0);
  checkpoints.inc({ job, outcome: 'failed' }, snapshot.checkpoints?.failed ?? 0);
  const savepoints = counter(MetricNames.savepoints, 'savepoints by outcome', ['job', 'outcome']);
  savepoints.inc({ job, outcome: 'completed' }, snapshot.checkpoints?.savepoints.completed ?? 0);
  savepoints.inc({ job, outcome: 'failed' }, snapshot.checkpoints?.savepoints.failed ?? 0);
  const last = [...snapshot.checkpointHistory].reverse().find((c) => c.status === 'completed' && c.kind === 'checkpoint');
  if (last !== undefined) {
    gauge(MetricNames.lastCheckpointDuration, 'trigger to completion of the last completed checkpoint (ms)', jobLabels).set({ job }, last.durationMs);
    if (last.sizeBytes !== undefined) gauge(MetricNames.lastCheckpointSize, 'approximate size of the last completed checkpoint (bytes)', jobLabels).set({ job }, last.sizeBytes);
    gauge(MetricNames.lastCheckpointAlignment, 'longest alignment in the last completed checkpoint (ms)', jobLabels).set({ job }, last.alignmentMs);
  }
  counter(MetricNames.restarts, 'restarts of the job', jobLabels).inc({ job }, snapshot.restarts);
  counter(MetricNames.taskRestarts, 'restarts of single tasks', jobLabels).inc({ job }, snapshot.taskRestarts);
  const status = gauge(MetricNames.status, "1 for the job's status", ['job', 'status']);
  for (const s of STATUSES) status.set({ job, status: s }, s === snapshot.status ? 1 : 0);
  return registry.metrics();
}
