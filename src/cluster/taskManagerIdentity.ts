/**
 * Which thread the code runs in: the application's (the job master's) or a task manager's.
 * Code at a job module's top level and before `execute()` runs in every task manager too;
 * this is how it tells (`StreamEnvironment.isWorker()` is to answer from here once task
 * managers are wired in). Read from the thread's start data, so it is right from the first
 * line the job module runs.
 */
import { isMainThread, workerData } from 'worker_threads';

/** The marker a task manager's start data carries (see bootTaskManager.ts). */
export const TASK_MANAGER_MARKER = 'sluice.taskManager';

const data = workerData as { readonly kind?: unknown; readonly index?: unknown } | undefined | null;
const index = !isMainThread && typeof data === 'object' && data !== null && data.kind === TASK_MANAGER_MARKER && typeof data.index === 'number' ? data.index : undefined;

/** True in a task manager's worker thread. */
export function isTaskManagerWorker(): boolean {
  return index !== undefined;
}

/** This task manager's index (0 … taskManagers − 1), or undefined outside task managers. */
export function taskManagerIndex(): number | undefined {
  return index;
}
