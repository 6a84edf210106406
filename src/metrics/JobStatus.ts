/**
 * Where a job is in its lifecycle (docs/api.md lists them): `created`, `running`, `finishing`
 * (every input ended: the final checkpoint and commits), `restarting` (after a failure the
 * restart strategy allows, until the tasks are rebuilt from the last completed checkpoint;
 * `job.failures()` and the log say why), `failing`, `cancelling`, and the terminal `finished`,
 * `failed`, `cancelled`. The machine that moves a job through them is runtime/jobLifecycle.ts;
 * the type is declared here, in the lowest layer that names it (a job's metrics carry its
 * status: docs/internals.md, the layers).
 */
export type JobStatus = 'created' | 'running' | 'finishing' | 'restarting' | 'finished' | 'failing' | 'failed' | 'cancelling' | 'cancelled';

