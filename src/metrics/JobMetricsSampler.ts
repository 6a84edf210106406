/**
 * Samples a running job's metrics every `intervalMs` (and whenever asked), keeping the latest
 * snapshot for /metrics, the REST API and the dashboard. It asks the job master, which asks
 * each task: the sampler holds no reference into any task.
 */
import { TaskTopology } from './TaskTopology';
import { TaskId } from '../checkpoint/TaskId';
import { JobMetricsReport, JobMetricsSnapshot, taskMetricsOf } from './JobMetrics';
import { TaskMetricsReport } from './TaskMetrics';

export class JobMetricsSampler {
  private previous = new Map<TaskId, TaskMetricsReport>();
  private current: JobMetricsSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The sample under way, so that concurrent callers share it. */
  private sampling: Promise<JobMetricsSnapshot> | undefined;

  /** `intervalMs` undefined: samples only when asked. */
  constructor(private readonly plan: TaskTopology, private readonly fetch: () => Promise<JobMetricsReport>, intervalMs: number | undefined) {
    if (intervalMs === undefined) return;
    this.timer = setInterval(() => void this.sample().catch(() => undefined), intervalMs);
    // The sampler alone must not keep the application's process alive.
    this.timer.unref();
  }

  /** The latest snapshot, or a new one when there is none yet. */
  latest(): Promise<JobMetricsSnapshot> {
    return this.current !== undefined ? Promise.resolve(this.current) : this.sample();
  }

  /** Takes a sample now: rates since the previous sample. */
  sample(): Promise<JobMetricsSnapshot> {
    this.sampling ??= this.fetch()
      .then((report) => {
        const now = Date.now();
        const tasks = report.tasks.map((t) => taskMetricsOf(this.plan, t, this.previous.get(t.task), now));
        this.previous = new Map(report.tasks.map((t) => [t.task, t]));
        this.current = { at: now, status: report.status, restarts: report.restarts, taskRestarts: report.taskRestarts, checkpoints: report.checkpoints, checkpointHistory: report.checkpointHistory, tasks };
        return this.current;
      })
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
