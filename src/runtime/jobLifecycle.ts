/**
 * The job lifecycle as an xstate machine. Terminal states are reached only once every task
 * has closed, so a settled job holds no handles.
 *
 *   created -> running -> finishing -> finished
 *        \         \          \
 *         +-> failing -> failed      (a task failed)
 *         +-> cancelling -> cancelled (cancel())
 */
import { setup } from 'xstate';

export type JobLifecycleEvent =
  | { readonly type: 'job.started' }
  | { readonly type: 'tasks.finished' }
  | { readonly type: 'task.failed' }
  | { readonly type: 'job.cancel' }
  | { readonly type: 'tasks.closed' };

export type JobStatus = 'created' | 'running' | 'finishing' | 'finished' | 'failing' | 'failed' | 'cancelling' | 'cancelled';

export const jobLifecycle = setup({ types: { events: {} as JobLifecycleEvent } }).createMachine({
  id: 'job',
  initial: 'created',
  states: {
    created: { on: { 'job.started': 'running', 'task.failed': 'failing', 'job.cancel': 'cancelling' } },
    running: { on: { 'tasks.finished': 'finishing', 'task.failed': 'failing', 'job.cancel': 'cancelling' } },
    finishing: { on: { 'tasks.closed': 'finished', 'task.failed': 'failing' } },
    failing: { on: { 'tasks.closed': 'failed' } },
    cancelling: { on: { 'tasks.closed': 'cancelled' } },
    finished: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
