/**
 * The job lifecycle as an xstate machine. Terminal states are reached only once every task
 * has closed, so a settled job holds no handles.
 *
 *   created -> running -> finishing -> finished
 *                 |  ^         |
 *                 v  |         v
 *             restarting    (a failure the restart strategy allows: tasks rebuilt from the
 *                 |          last completed checkpoint)
 *   any live state -> failing -> failed        (a failure it does not allow)
 *   any live state -> cancelling -> cancelled  (cancel())
 */
import { setup } from 'xstate';

export type JobLifecycleEvent =
  | { readonly type: 'job.started' }
  /** Every task ended its input; the final checkpoint and commits follow. */
  | { readonly type: 'tasks.drained' }
  | { readonly type: 'tasks.finished' }
  | { readonly type: 'job.restart' }
  | { readonly type: 'job.restarted' }
  | { readonly type: 'task.failed' }
  | { readonly type: 'job.cancel' }
  | { readonly type: 'tasks.closed' };

/**
 * Where a job is in its lifecycle (docs/api.md lists them): `created`, `running`, `finishing`
 * (every input ended: the final checkpoint and commits), `restarting` (after a failure the
 * restart strategy allows, until the tasks are rebuilt from the last completed checkpoint;
 * `job.failures()` and the log say why), `failing`, `cancelling`, and the terminal `finished`,
 * `failed`, `cancelled`.
 */
export type JobStatus = 'created' | 'running' | 'finishing' | 'restarting' | 'finished' | 'failing' | 'failed' | 'cancelling' | 'cancelled';

export const jobLifecycle = setup({ types: { events: {} as JobLifecycleEvent } }).createMachine({
  id: 'job',
  initial: 'created',
  states: {
    created: { on: { 'job.started': 'running', 'task.failed': 'failing', 'job.cancel': 'cancelling' } },
    running: { on: { 'tasks.drained': 'finishing', 'job.restart': 'restarting', 'task.failed': 'failing', 'job.cancel': 'cancelling' } },
    finishing: { on: { 'tasks.closed': 'finished', 'job.restart': 'restarting', 'task.failed': 'failing', 'job.cancel': 'cancelling' } },
    restarting: { on: { 'job.restarted': 'running', 'task.failed': 'failing', 'job.cancel': 'cancelling' } },
    failing: { on: { 'tasks.closed': 'failed' } },
    cancelling: { on: { 'tasks.closed': 'cancelled' } },
    finished: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
