/**
 * The task actor: runs a task's logic under the job master's supervision, first as an
 * UnwiredTask, then, once wired, as the Task it built. A crash is
 * reported to the master as a fact, logged with its cause on the task's logger, and the task
 * stops; teardown happens in one place, after stop, whatever the reason.
 */
import { Ref, dispatch, spawn } from 'nact';
import { Task } from './Task';
import { TaskDeps } from './TaskDeps';
import { UnwiredTask } from './UnwiredTask';
import { TaskMsg, TaskRef } from './protocol';
import { logTaskFailure } from './taskFailureLine';

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export function spawnTask(parent: Ref<unknown>, deps: TaskDeps): TaskRef {
  const { master, attempt } = deps;
  const id = deps.task.id;
  return spawn(
    parent as Ref<never>,
    (task: UnwiredTask | Task, msg: TaskMsg) => {
      const account = task.timeAccount;
      if (account === undefined) return task.receive(msg);
      // Metrics on: the clock is read twice per message (a batch, a credit grant), never per record.
      account.startWork(performance.now());
      const next = task.receive(msg);
      if (!(next instanceof Promise)) {
        account.endWork(performance.now(), next.waitingFor());
        return next;
      }
      return next.then((wired) => {
        account.endWork(performance.now(), wired.waitingFor());
        return wired;
      });
    },
    // A new name per attempt (and per restart of this task alone): a late message to an old
    // task's ref must not reach its successor.
    `${deps.task.actorName}-a${attempt}${deps.incarnation ? `-r${deps.incarnation}` : ''}`,
    {
      initialStateFunc: (ctx) => new UnwiredTask(deps, ctx.self as TaskRef),
      // nact turns a throwing onCrash into an unhandled rejection: this one must not throw.
      onCrash: (_msg, error, ctx) => {
        try {
          const failure = asError(error);
          logTaskFailure(deps.logger, failure, 'while running');
          dispatch(master, { type: 'task.failed', attempt, task: id, error: failure });
        } catch {
          // The master is gone: the job is already being torn down.
        }
        return ctx.stop;
      },
      afterStop: async (task: UnwiredTask | Task) => {
        try {
          await task.close();
        } catch (e) {
          const failure = asError(e);
          logTaskFailure(deps.logger, failure, 'while closing');
          dispatch(master, { type: 'task.failed', attempt, task: id, error: failure });
        } finally {
          dispatch(master, { type: 'task.closed', attempt, task: id });
        }
      },
    },
  ) as TaskRef;
}
