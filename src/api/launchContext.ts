/**
 * What `sluice run <module>` tells the environments its job module creates: options of the
 * command line that win over the module's own (a job started at another parallelism, from a
 * savepoint, served on a port, without editing it), and a listener that hears of each job
 * started, so that the command can say where the job is served and wait for its end.
 * Unset outside `sluice run`: then `create` takes the options as given.
 */
import type { StreamEnvironmentOptions } from './EnvironmentConfig';
import type { JobHandle } from './JobHandle';

/** The options `sluice run` sets; each is left alone when not given. */
export interface LaunchOverrides {
  readonly parallelism?: number;
  readonly restoreFrom?: string;
  /** Serves the REST API on this port (0: a free one); the module's other `rest` options are kept. */
  readonly restPort?: number;
}

export interface LaunchContext {
  readonly overrides: LaunchOverrides;
  /** Called by `execute` with each job the module starts. */
  readonly jobStarted: (job: JobHandle) => void;
}

let current: LaunchContext | undefined;

/** @internal Set by `sluice run` before it loads the job module, and cleared after. */
export function setLaunchContext(context: LaunchContext | undefined): void {
  current = context;
}

/** The options `create` decodes: the module's, with the command line's over them. */
export function withLaunchOverrides(options: StreamEnvironmentOptions): StreamEnvironmentOptions {
  // A value that is not an object is left for the decoder to refuse.
  if (current === undefined || typeof options !== 'object' || options === null) return options;
  const { parallelism, restoreFrom, restPort } = current.overrides;
  return {
    ...options,
    ...(parallelism !== undefined ? { parallelism } : {}),
    ...(restoreFrom !== undefined ? { restoreFrom } : {}),
    ...(restPort !== undefined ? { rest: { ...options.rest, port: restPort } } : {}),
  };
}

/** Tells `sluice run`, when it runs this process, of a job just started. */
export function announceJob(job: JobHandle): void {
  current?.jobStarted(job);
}
