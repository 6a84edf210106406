/**
 * The task actors of one attempt of a job, and what each has reported: drained, finished,
 * closed. A new attempt starts with a new one, so nothing of an older attempt is counted.
 */
import { Ref, stop } from 'nact';
import { TaskId } from '../checkpoint/TaskId';
import { ask } from './ask';
import { MasterRef, TaskDrained, TaskFinished, TaskMsg, TaskRef } from './protocol';

/** How long the master waits for a task to answer a question (counters, metrics). */
const REPORT_TIMEOUT_MS = 5000;

export class DeployedTasks {
  readonly refs = new Map<TaskId, TaskRef>();
  readonly drained = new Map<TaskId, TaskDrained>();
  readonly finished = new Map<TaskId, TaskFinished>();
  readonly closed = new Set<TaskId>();
  /** Tasks that failed under restartTask and are closing; each is respawned once closed. */
  readonly restarting = new Set<TaskId>();
  /** Restarts of each task alone in this attempt, which its actor name carries. */
  readonly incarnations = new Map<TaskId, number>();
  private stopping = false;

  /** Whether the tasks were told to stop: they answer no question any more. */
  get stopped(): boolean {
    return this.stopping;
  }

  refOf(id: TaskId): TaskRef {
    const ref = this.refs.get(id);
    if (ref === undefined) throw new Error(`task ${id} has no actor in this attempt: deploy it before sending to it`);
    return ref;
  }

  /** Every task has closed (or none was deployed). */
  allClosed(): boolean {
    return this.closed.size === this.refs.size;
  }

  stopAll(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const ref of this.refs.values()) stop(ref);
  }

  /** Asks every running task; a finished task answers with what it reported when it finished. Tasks that do not answer in time are left out. */
  async ask<R>(self: MasterRef, ofFinished: (f: TaskFinished) => R, make: (replyTo: Ref<R>) => TaskMsg): Promise<R[]> {
    const answers: Array<R | undefined> = await Promise.all(
      [...this.refs].map(([id, ref]): Promise<R | undefined> => {
        const finished = this.finished.get(id);
        if (finished !== undefined || this.stopping) return Promise.resolve(finished === undefined ? undefined : ofFinished(finished));
        return ask<R, TaskMsg>(self, ref, make, REPORT_TIMEOUT_MS).catch(() => undefined);
      }),
    );
    return answers.filter((r): r is R => r !== undefined);
  }
}
