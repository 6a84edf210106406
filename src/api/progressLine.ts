/**
 * A running job's progress on one line of a terminal (TerminalLine), rewritten every second:
 * its time, the records its sources read with their rate (and the share of an expected total),
 * its completed checkpoints. For samples, benchmarks and applications that run long; nothing is
 * written where stderr is not a terminal, unless asked.
 */
import type { JobHandle } from './JobHandle';
import { JobCounters } from '../metrics/TaskCounters';
import { LineStream, TerminalLine } from '../metrics/terminalLine';

export interface ProgressOptions {
  /** Where the line goes; default process.stderr. */
  readonly stream?: LineStream;
  /** How often it is rewritten, in ms; default 1000. */
  readonly intervalMs?: number;
  /** The records the sources will read in all, for a percentage. */
  readonly expectedRecords?: number;
  /** Also where the stream is not a terminal: a line each interval. Default false. */
  readonly always?: boolean;
}

/** What the line shows at one moment. */
export interface ProgressFigures {
  readonly jobName: string;
  readonly elapsedMs: number;
  readonly recordsRead: number;
  /** Since the previous line; on the last line (ended), the mean over the whole run. */
  readonly recordsPerSecond: number;
  readonly expectedRecords: number | undefined;
  /** Undefined without checkpointing. */
  readonly checkpoints: number | undefined;
  /** The job's status once it has ended. */
  readonly ended: string | undefined;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** `m:ss` (or `h:mm:ss`) of a duration. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** The line's text. */
export function progressText(f: ProgressFigures): string {
  const share = f.expectedRecords !== undefined && f.expectedRecords > 0 ? ` (${Math.min(100, Math.floor((100 * f.recordsRead) / f.expectedRecords))}%)` : '';
  const checkpoints = f.checkpoints === undefined ? '' : ` · ${int(f.checkpoints)} checkpoint${f.checkpoints === 1 ? '' : 's'}`;
  const rate = f.ended === undefined ? `${int(f.recordsPerSecond)}/s` : `${int(f.recordsPerSecond)}/s on average`;
  return `${f.jobName}: ${f.ended ?? 'running'} ${clock(f.elapsedMs)} · ${int(f.recordsRead)} records read${share}, ${rate}${checkpoints}`;
}

/** Records the sources of `job` read, from its counters (a source operator's records out). */
function recordsRead(job: JobHandle, counters: JobCounters): number {
  const sources = new Set(job.plan.tasks.flatMap((t) => (t.source === undefined ? [] : [t.source.node.name])));
  let n = 0;
  for (const name of sources) n += counters.operators[name]?.recordsOut ?? 0;
  return n;
}

/**
 * Shows `job`'s progress until it ends (then its last state, and a new line), or until the
 * returned function is called (then the line is erased).
 *
 * ```ts
 * const job = env.execute('page views');
 * showProgress(job, { expectedRecords: EVENTS });
 * const result = await job;
 * ```
 */
export function showProgress(job: JobHandle, options: ProgressOptions = {}): () => void {
  const line = new TerminalLine(options.stream ?? process.stderr, options.always === true);
  if (!line.active) return () => undefined;
  let last = { at: job.startTime, read: 0 };
  let stopped = false;
  const running = async (): Promise<ProgressFigures> => {
    const [counters, stats] = await Promise.all([job.counters(), job.checkpointing ? job.checkpointStats() : undefined]);
    const now = Date.now();
    const read = recordsRead(job, counters);
    const perSecond = ((read - last.read) * 1000) / Math.max(1, now - last.at);
    last = { at: now, read };
    return { jobName: job.jobName, elapsedMs: now - job.startTime, recordsRead: read, recordsPerSecond: perSecond, expectedRecords: options.expectedRecords, checkpoints: stats?.completed, ended: undefined };
  };
  const timer = setInterval(() => {
    void running().then(
      (f) => stopped || line.update(progressText(f)),
      () => undefined,
    );
  }, options.intervalMs ?? 1000);
  // The line alone must not keep the process alive.
  timer.unref();
  const stop = (last?: string) => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    line.end(last);
  };
  // The last line from the result itself, at once: written before what the application prints
  // once the job has ended (its handlers come after this one).
  job.result.then(
    (result) => {
      const read = recordsRead(job, result.counters);
      const elapsedMs = result.durationMs;
      const checkpoints = job.checkpointing ? (result.checkpoints?.completed ?? 0) : undefined;
      stop(progressText({ jobName: job.jobName, elapsedMs, recordsRead: read, recordsPerSecond: (read * 1000) / Math.max(1, elapsedMs), expectedRecords: options.expectedRecords, checkpoints, ended: result.status }));
    },
    () => stop(),
  );
  return () => stop();
}
