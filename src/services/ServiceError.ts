/**
 * Failures of the services outside the runtime that Sluice waits on (Kafka, Redis, files, the
 * application's actors),
 * as one tagged error that names the service, what was asked of it and what to do. Whether a
 * restart of the job can mend the failure is part of the value: a missing topic, or a service
 * out of reach for the whole of its bound, cannot be mended by restarting, so the job fails at
 * once whatever its restart strategy (Flink's SuppressRestartsException), instead of restarting
 * forever under the default strategy with checkpointing.
 */

/** What Sluice waits on outside its own runtime: the application's actors included. */
export type OutsideService = 'kafka' | 'redis' | 'file' | 'actor';

/** A wait on an outside service (Kafka, Redis, a file, an actor) that failed or ran out of its bound; `restartable` says whether a restart may mend it. */
export class ServiceError extends Error {
  readonly _tag = 'ServiceError';
  constructor(
    readonly service: OutsideService,
    /** What the error is about: a topic, a server, a folder (passwords removed). */
    readonly target: string,
    message: string,
    /** False when a restart of the job cannot mend it: the job then fails without restarting. */
    readonly restartable: boolean,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ServiceError';
  }
}

/**
 * The ServiceError that a restart cannot mend, found in `error` or its chain of causes (a
 * connector's error reaches the job master wrapped, e.g. in a UserFunctionFailed); undefined
 * when there is none.
 */
export function unrestartableCause(error: unknown): ServiceError | undefined {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (e instanceof ServiceError && !e.restartable) return e;
  }
  return undefined;
}
