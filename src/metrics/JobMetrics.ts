/**
 * A job's metrics: the cumulative figures its tasks report (JobMetricsReport, gathered by the
 * job master) and the rates the sampler derives from two successive reports
 * (JobMetricsSnapshot, what /metrics, the REST API and the dashboard serve).
 */
import { TaskTopology } from './TaskTopology';
import { TaskId } from '../checkpoint/TaskId';
import { CheckpointRecord, CheckpointStats } from '../checkpoint/coordinatorProtocol';
import { JobStatus } from './JobStatus';
import { OperatorReport, PartitionLag, TaskMetricsReport } from './TaskMetrics';

/** What the job master answers to `job.metrics`. */
export interface JobMetricsReport {
  readonly status: JobStatus;
  readonly restarts: number;
  readonly taskRestarts: number;
  readonly checkpoints: CheckpointStats | undefined;
  readonly checkpointHistory: readonly CheckpointRecord[];
  /** One per task that answered (a task that finished answers with its last report). */
  readonly tasks: readonly TaskMetricsReport[];
}

/** One task's figures with the rates since the previous sample. JSON-friendly: no infinities. */
export interface TaskMetrics {
  readonly task: TaskId;
  readonly vertex: number;
  /** The task's chain name, shared by its parallel instances. */
  readonly name: string;
  readonly subtask: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly recordsInPerSecond: number;
  readonly recordsOutPerSecond: number;
  /** Undefined when the job runs without metrics (no time accounting). */
  readonly busyTimeMsPerSecond: number | undefined;
  readonly backPressuredTimeMsPerSecond: number | undefined;
  readonly idleTimeMsPerSecond: number | undefined;
  readonly inputQueueUsage: number;
  readonly outputQueueUsage: number;
  /** ms since the epoch; null before the first watermark or after the end of input. */
  readonly inputWatermark: number | null;
  readonly outputWatermark: number | null;
  /** Wall-clock time minus the output watermark; null without one. */
  readonly watermarkLagMs: number | null;
  readonly lateRecordsDropped: number;
  readonly stateKeys: number | undefined;
  /** Bytes of keyed state in the last checkpoint where the backend knows them (the memory backend). */
  readonly stateBytes: number | undefined;
  /** A Kafka source: records not yet read per partition (empty for other tasks). */
  readonly partitionLag: readonly PartitionLag[];
  readonly cachedEntries: number | undefined;
  /** Share of batch key look-ups the Redis cache served; undefined without a cache or look-ups. */
  readonly cacheHitRatio: number | undefined;
  readonly operators: readonly OperatorReport[];
}

/** A sample of the job's metrics: the report's job figures, the tasks' rates. */
export interface JobMetricsSnapshot extends Omit<JobMetricsReport, 'tasks'> {
  /** Wall-clock time of the sample (ms since the epoch). */
  readonly at: number;
  readonly tasks: readonly TaskMetrics[];
}

const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

/**
 * Rates of one task from its report and the previous one (undefined: the first; counts then
 * reset, as after a restart: rates since the task started). Time rates come from the time
 * account alone, whose three parts add up to the time elapsed.
 */
export function taskMetricsOf(plan: TaskTopology, report: TaskMetricsReport, previous: TaskMetricsReport | undefined, now: number): TaskMetrics {
  const task = plan.tasks.find((t) => t.id === report.task)!;
  const base = previous !== undefined && previous.recordsIn <= report.recordsIn && previous.recordsOut <= report.recordsOut && previous.at < report.at ? previous : undefined;
  const time = report.time;
  const before = base?.time ?? { busyMs: 0, backPressuredMs: 0, idleMs: 0 };
  let busy: number | undefined;
  let backPressured: number | undefined;
  let idle: number | undefined;
  let elapsedMs = base !== undefined ? report.at - base.at : 0;
  if (time !== undefined) {
    const [b, p, i] = [time.busyMs - before.busyMs, time.backPressuredMs - before.backPressuredMs, time.idleMs - before.idleMs];
    const total = b + p + i;
    if (base === undefined) elapsedMs = total;
    [busy, backPressured, idle] = total > 0 ? [(1000 * b) / total, (1000 * p) / total, (1000 * i) / total] : [0, 0, 1000];
  }
  const perSecond = (n: number) => (elapsedMs > 0 ? (1000 * n) / elapsedMs : 0);
  const cache = report.cache;
  const lookups = cache === undefined ? 0 : cache.hits + cache.misses;
  return {
    task: report.task,
    vertex: task.vertex,
    name: task.name,
    subtask: task.index,
    recordsIn: report.recordsIn,
    recordsOut: report.recordsOut,
    recordsInPerSecond: perSecond(report.recordsIn - (base?.recordsIn ?? 0)),
    recordsOutPerSecond: perSecond(report.recordsOut - (base?.recordsOut ?? 0)),
    busyTimeMsPerSecond: busy,
    backPressuredTimeMsPerSecond: backPressured,
    idleTimeMsPerSecond: idle,
    inputQueueUsage: report.inputCapacity > 0 ? Math.min(1, report.inputQueued / report.inputCapacity) : 0,
    outputQueueUsage: report.outputCapacity > 0 ? Math.min(1, report.outputBuffered / report.outputCapacity) : 0,
    inputWatermark: finiteOrNull(report.inputWatermark),
    outputWatermark: finiteOrNull(report.outputWatermark),
    watermarkLagMs: Number.isFinite(report.outputWatermark) ? now - report.outputWatermark : null,
    lateRecordsDropped: report.operators.reduce((n, o) => n + o.lateRecordsDropped, 0),
    stateKeys: report.stateKeys,
    stateBytes: report.stateBytes,
    partitionLag: report.partitionLag ?? [],
    cachedEntries: cache?.entries,
    cacheHitRatio: lookups > 0 ? cache!.hits / lookups : undefined,
    operators: report.operators,
  };
}
